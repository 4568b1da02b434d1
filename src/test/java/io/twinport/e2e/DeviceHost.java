package io.twinport.e2e;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.virtio.device.VhostUserDeviceOptions;
import io.twinport.virtio.device.VhostUserPort;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The host side of a guest's virtio path in the end-to-end tests: twinport's vhost-user device listening on a
 * socket with {@code failover=on} and a MAC (what a host with QEMU's {@code failover=on} offers), started, and a
 * thread that receives on its port what the guest transmits, counting and freeing it.
 */
final class DeviceHost implements AutoCloseable {
    private final VhostUserPort device;
    private final PacketPool pool;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;

    /**
     * @param name   the device port's name (in no registry: it is not the guest's port)
     * @param socket where it listens
     * @param mac    the MAC it offers
     * @param pool   where received frames go (and are freed at once)
     */
    DeviceHost(String name, Path socket, MacAddress mac, PacketPool pool) {
        this.pool = pool;
        this.device = VhostUserPort.open(name, VhostUserDeviceOptions.server(socket.toString()).withFailover(true)
                .withMac(mac), pool, null);
        device.configure(PortConfig.DEFAULT);
        device.start();
        this.thread = Thread.ofPlatform().name(name + "-rx").start(this::receive);
    }

    private void receive() {
        Packet[] burst = new Packet[32];
        try {
            while (!stop.get()) {
                int got = device.rxBurst(0, burst, 0, burst.length);
                pool.freeBulk(burst, 0, got);
                received.addAndGet(got);
                if (got == 0) {
                    LockSupport.parkNanos(100_000);
                }
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    /** @return the device's port */
    VhostUserPort port() {
        return device;
    }

    /** @return frames received from the guest so far */
    long received() {
        return received.get();
    }

    /** @return what the receiving thread threw, or null */
    Throwable failure() {
        return failure.get();
    }

    /** Stops the thread, then closes the device (its socket file goes with it). */
    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            device.close();
        }
    }
}

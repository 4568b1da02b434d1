package io.twinport.bench.demo;

import io.twinport.failover.FailoverListener;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.config.TwinportConfig;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest: its own registry and failover manager (which forms the failover port by itself from the virtio standby
 * and a VF of the same MAC), and one application thread that sends numbered frames to the network at a paced rate
 * through the failover port, retrying what TX did not take, and counts the numbered frames that come back from the
 * peer.
 */
public final class Guest implements AutoCloseable {
    /** Backlog of the application's sender. */
    public static final int BACKLOG = 8192;
    /** Sequence window of the application's receiver. */
    public static final int WINDOW = 1 << 22;

    private final MacAddress mac;
    private final PacketPool pool;
    private final PortRegistry registry = new PortRegistry();
    private final FailoverManager manager;
    private final PacedSender sender;
    private final SequenceTracker received = new SequenceTracker(WINDOW);
    private final AtomicLong otherFrames = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopGenerating;
    private volatile boolean stop;
    private volatile int unsent = -1;
    private FailoverPort port;
    private Thread app;

    /**
     * @param mac              the guest's MAC (the standby's and the VF's)
     * @param peerMac          where its frames go
     * @param pool             the guest's packet memory
     * @param ratePps          frames per second it sends
     * @param gracefulDrainNanos how long the failover port keeps receiving from a member that leaves gracefully
     */
    public Guest(MacAddress mac, MacAddress peerMac, PacketPool pool, long ratePps, long gracefulDrainNanos) {
        this.mac = mac;
        this.pool = pool;
        this.manager = new FailoverManager(registry, FailoverOptions.from(TwinportConfig.defaults())
                .withGracefulDrainNanos(gracefulDrainNanos), TwinportConfig.defaults().pairingExclusions(),
                System::nanoTime);
        this.sender = new PacedSender(pool, DemoFrames.template(peerMac, mac, DemoFrames.STREAM_TO_NETWORK), ratePps,
                BACKLOG);
    }

    /** @return the guest's registry: its devices appear here */
    public PortRegistry registry() {
        return registry;
    }

    /**
     * @param listener told about every failover event, on the guest's control thread
     * @return a handle that removes it
     */
    public AutoCloseable addListener(FailoverListener listener) {
        return manager.addListener(listener);
    }

    /** Starts the guest's control thread (registry and failover manager). */
    public void boot() {
        manager.startControlThread("demo-guest-control");
    }

    /**
     * Waits for the failover port to form (from the standby alone), configures and starts it.
     *
     * @param timeoutNanos how long to wait
     * @return the failover port
     * @throws InterruptedException  if interrupted
     * @throws IllegalStateException if none formed in time
     */
    public FailoverPort awaitFailoverPort(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (manager.failoverPorts().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("guest: no failover port formed within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms; ports: " + registry.ports());
            }
            Thread.sleep(1);
        }
        port = manager.failoverPorts().getFirst();
        port.configure(PortConfig.DEFAULT.withRingSize(1024));
        port.start();
        return port;
    }

    /** Starts the application thread. */
    public void startApplication() {
        FailoverPort fp = port;
        PacedSender.Tx tx = (pkts, off, n) -> fp.txBurst(0, pkts, off, n);
        app = Thread.ofPlatform().name("demo-guest-app").start(() -> {
            Packet[] rx = new Packet[64];
            sender.start(System.nanoTime());
            try {
                while (!stop) {
                    if (stopGenerating) {
                        sender.stopGenerating();
                    }
                    sender.generate(System.nanoTime());
                    sender.send(tx);
                    int n = fp.rxBurst(0, rx, 0, rx.length); // also acknowledges switchovers for this queue
                    for (int i = 0; i < n; i++) {
                        Packet p = rx[i];
                        if (DemoFrames.stream(p) == DemoFrames.STREAM_TO_GUEST) {
                            received.onReceive(DemoFrames.sequence(p));
                        } else {
                            otherFrames.setOpaque(otherFrames.getPlain() + 1); // opaque: read by the summary
                        }
                        rx[i] = null;
                        p.free();
                    }
                    if (n == 0 && sender.backlog() == 0) {
                        LockSupport.parkNanos(Peer.IDLE_PARK_NANOS); // leave the CPU to the control thread
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                unsent = sender.discardBacklog();
            }
        });
    }

    /**
     * The host's warning before it unplugs a VF.
     *
     * @param memberName the VF's port name in the guest
     * @return completes when the guest released it
     */
    public CompletableFuture<Void> prepareUnplug(String memberName) {
        return manager.prepareUnplug(memberName);
    }

    /** Generates no more frames; the backlog is still sent. */
    public void stopGenerating() {
        stopGenerating = true;
    }

    /**
     * Stops the application thread.
     *
     * @throws InterruptedException if interrupted
     */
    public void stopApplication() throws InterruptedException {
        stop = true;
        if (app != null) {
            app.join(10_000);
            if (app.isAlive()) {
                throw new IllegalStateException("guest: the application thread did not stop within 10 s");
            }
        }
    }

    /** @return the failover port, once formed */
    public FailoverPort port() {
        return port;
    }

    /** @return the guest's MAC */
    public MacAddress mac() {
        return mac;
    }

    /** @return the application's sender (frames to the network) */
    public PacedSender sender() {
        return sender;
    }

    /** @return what arrived of the peer's frames */
    public SequenceTracker received() {
        return received;
    }

    /** @return frames received that were not the peer's numbered frames */
    public long otherFrames() {
        return otherFrames.getOpaque();
    }

    /** @return frames numbered but never taken by TX (after {@link #stopApplication()}), or -1 */
    public int unsent() {
        return unsent;
    }

    /** @return what the application thread threw, or null */
    public Throwable failure() {
        return failure.get();
    }

    /** @return the guest's packet memory */
    public PacketPool pool() {
        return pool;
    }

    /**
     * Closes the failover port and the control thread, and removes the guest's devices from its registry. Call
     * after {@link #stopApplication()}; the devices themselves are closed by their hosts.
     */
    @Override
    public void close() {
        if (port != null) {
            port.close();
        }
        manager.close();
        registry.doWork();
        manager.doWork();
        registry.close();
    }
}

package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.testing.PortContractTest;
import io.twinport.testing.PortFixture;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The port contract, run against our vhost-user device port ({@link VhostUserPort}, server mode) with our own
 * virtio-net driver as the guest on the other end of the socket: the fixture injects frames by transmitting from the
 * guest and collects what the device sent from the guest's receive queues. The link is controlled for real: down is
 * the guest closing its port (the front-end disconnects), up is a new guest connecting.
 */
class VhostUserPortContractTest extends PortContractTest {
    @Override
    protected PortFixture createFixture(PacketPool pool) {
        return new Fixture(pool);
    }

    static final class Fixture implements PortFixture {
        static final Path SOCK = Path.of("/tmp/twv-contract-dev-" + ProcessHandle.current().pid() + ".sock");
        private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

        private final PacketPool pool;
        private final PortRegistry registry = new PortRegistry();
        private final PacketPool guestPool = PacketPool.create("contract-guest", 8192);
        private final VhostUserPort port;
        private VirtioNetPort guest;

        Fixture(PacketPool pool) {
            this.pool = pool;
            this.port = VhostUserPort.open("vhost-contract", VhostUserDeviceOptions.server(SOCK.toString())
                    .withQueues(2), pool, registry);
            try {
                startGuest();
            } catch (RuntimeException | Error e) {
                port.close();
                guestPool.close();
                throw e;
            }
        }

        private void startGuest() {
            guest = VirtioNetPort.open("contract-guest", VirtioUserOptions.client(SOCK.toString()).withQueues(2),
                    guestPool, null);
            guest.configure(PortConfig.DEFAULT.withQueues(2, 2).withRingSize(256));
            guest.start();
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (port.device().runningVrings() < 4 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }

        @Override
        public Port port() {
            return port;
        }

        @Override
        public PacketPool pool() {
            return pool;
        }

        @Override
        public PortRegistry registry() {
            return registry;
        }

        @Override
        public int injectRx(int queue, int count, int length) {
            Packet[] pkts = new Packet[count];
            int n = guestPool.allocBulk(pkts, 0, count);
            for (int i = 0; i < n; i++) {
                Frames.fill(pkts[i], port.mac(), guest.mac(), i, length);
            }
            int sent = guest.txBurst(queue, pkts, 0, n);
            guestPool.freeBulk(pkts, sent, n - sent);
            return sent;
        }

        @Override
        public int collectTx(int expected) {
            int got = 0;
            Packet[] burst = new Packet[64];
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(expected == 0 ? 200 : 3000);
            while (got < expected && System.nanoTime() < deadline || got == 0 && expected == 0
                    && System.nanoTime() < deadline) {
                for (int q = 0; q < 2; q++) {
                    int n = guest.rxBurst(q, burst, 0, burst.length);
                    guestPool.freeBulk(burst, 0, n);
                    got += n;
                }
            }
            return got;
        }

        @Override
        public void setPeerLink(boolean up) {
            if (up) {
                startGuest();
            } else {
                guest.close();
                guest = null;
            }
        }

        @Override
        public void close() {
            try {
                if (guest != null) {
                    guest.close();
                }
                port.close();
            } finally {
                registry.close();
                int leaked = guestPool.inUse();
                guestPool.close();
                assertEquals(0, leaked, "the guest leaked buffers");
                assertFalse(Files.exists(SOCK), "socket file left");
            }
        }
    }
}

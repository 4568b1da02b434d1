package io.twinport.virtio;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.testing.PortContractTest;
import io.twinport.testing.PortFixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The port contract, run against our virtio-user port with DPDK as the device. The peer is
 * {@code dpdk-testpmd} forwarding in io mode between two {@code net_vhost} ports: ours is on {@code net_vhost0};
 * on {@code net_vhost1} sits a second instance of our driver (the helper), through which the fixture injects frames
 * and collects what our port sent, frame by frame and byte for byte. testpmd's forwarding stays stopped except while
 * the fixture injects or collects, so our TX ring fills when nobody collects (partial TX).
 *
 * <p>Both of our ports run in server mode and testpmd connects to them ({@code client=1}), so the link can be
 * controlled for real: down is testpmd quitting, up is a new testpmd connecting, with the rings resumed.
 */
class TestpmdPortContractTest extends PortContractTest {
    private static final String MISSING = Testpmd.missing();

    @Override
    protected PortFixture createFixture(PacketPool pool) {
        assumeTrue(MISSING == null, "skipped: " + MISSING);
        return new TestpmdFixture(pool);
    }

    static final class TestpmdFixture implements PortFixture {
        static final String PREFIX = "twv-contract-" + ProcessHandle.current().pid();
        static final Path SOCK0 = Path.of("/tmp/" + PREFIX + "-0.sock");
        static final Path SOCK1 = Path.of("/tmp/" + PREFIX + "-1.sock");
        private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

        private final PacketPool pool;
        private final PortRegistry registry = new PortRegistry();
        private final PacketPool helperPool = PacketPool.create("contract-helper", 8192);
        private Testpmd testpmd;
        private VirtioNetPort port;
        private VirtioNetPort helper;

        TestpmdFixture(PacketPool pool) {
            this.pool = pool;
            VirtioNetPort[] opened = new VirtioNetPort[2];
            RuntimeException[] failed = new RuntimeException[1];
            // our ports listen (server mode); testpmd connects to both once it runs
            Thread opener = Thread.ofPlatform().start(() -> {
                try {
                    opened[0] = VirtioNetPort.open("vu-contract", options(SOCK0), pool, registry);
                    opened[1] = VirtioNetPort.open("vu-helper", options(SOCK1), helperPool, null);
                } catch (RuntimeException e) {
                    failed[0] = e;
                }
            });
            try {
                awaitSocket(SOCK0);
                startTestpmd();
                opener.join(TimeUnit.SECONDS.toMillis(30));
                if (failed[0] != null) {
                    throw failed[0];
                }
                port = opened[0];
                helper = opened[1];
                helper.configure(PortConfig.DEFAULT.withQueues(2, 2).withRingSize(1024));
                helper.start();
                long deadline = System.nanoTime() + WAIT_NANOS;
                while (!helper.linkUp() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            } catch (InterruptedException | RuntimeException | Error e) {
                try {
                    opener.join(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                for (VirtioNetPort p : opened) {
                    if (p != null) {
                        p.close();
                    }
                }
                if (testpmd != null) {
                    testpmd.close();
                }
                helperPool.close();
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                throw new AssertionError(e);
            }
        }

        private static VirtioUserOptions options(Path sock) {
            return VirtioUserOptions.client(sock.toString()).withQueues(2).withServer(true);
        }

        private static void awaitSocket(Path sock) {
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (!Files.exists(sock)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no listening socket " + sock);
                }
                Thread.onSpinWait();
            }
        }

        private void startTestpmd() {
            try {
                // client=1: testpmd connects to our sockets, which are ours to remove
                // --no-flush-rx: "start" must not throw away what our port queued while forwarding stopped
                testpmd = Testpmd.start(PREFIX, List.of("net_vhost0,iface=" + SOCK0 + ",queues=2,client=1",
                        "net_vhost1,iface=" + SOCK1 + ",queues=2,client=1"), List.of(),
                        List.of("--forward-mode=io", "--rxq=2", "--txq=2", "--no-flush-rx"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
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
            long before = testpmd.portStats(0).txPackets();
            testpmd.startForwarding();
            int sent = 0;
            try {
                Packet[] pkts = new Packet[count];
                int n = helperPool.allocBulk(pkts, 0, count);
                for (int i = 0; i < n; i++) {
                    Frames.fill(pkts[i], port.mac(), helper.mac(), i, length);
                }
                sent = helper.txBurst(queue, pkts, 0, n);
                helperPool.freeBulk(pkts, sent, n - sent);
                long deadline = System.nanoTime() + WAIT_NANOS;
                while (testpmd.portStats(0).txPackets() < before + sent && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            } finally {
                testpmd.stopForwarding();
            }
            return sent;
        }

        @Override
        public int collectTx(int expected) {
            testpmd.startForwarding();
            int got = 0;
            try {
                Packet[] burst = new Packet[64];
                long deadline = System.nanoTime() + WAIT_NANOS;
                while (got < expected && System.nanoTime() < deadline) {
                    for (int q = 0; q < 2; q++) {
                        int n = helper.rxBurst(q, burst, 0, burst.length);
                        helperPool.freeBulk(burst, 0, n);
                        got += n;
                    }
                }
            } finally {
                testpmd.stopForwarding();
            }
            return got;
        }

        @Override
        public void setPeerLink(boolean up) {
            if (up) {
                startTestpmd(); // connects to our listening sockets again; the ports resume their rings
            } else {
                testpmd.close();
            }
        }

        @Override
        public void close() {
            try {
                port.close();
                helper.close();
            } finally {
                testpmd.close();
                registry.close();
                int leaked = helperPool.inUse();
                helperPool.close();
                assertEquals(0, leaked, "the helper port leaked buffers");
                assertTrue(Testpmd.leftNothing(PREFIX), "testpmd left hugepage files or its runtime dir");
                assertFalse(Files.exists(SOCK0) || Files.exists(SOCK1), "socket files left");
            }
        }
    }
}

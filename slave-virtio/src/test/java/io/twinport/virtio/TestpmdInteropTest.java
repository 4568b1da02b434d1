package io.twinport.virtio;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortState;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our driver against DPDK: {@code dpdk-testpmd --vdev net_vhost0,...} is the vhost-user device (the back-end),
 * started and stopped here. Frames we send are counted by testpmd's rxonly forwarding; frames testpmd's txonly
 * sends are counted by us; both exactly. Skips with one line naming what is missing (root, dpdk-testpmd,
 * hugepages).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TestpmdInteropTest {
    private static final String MISSING = Testpmd.missing();
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String prefix = "twv-interop-" + ProcessHandle.current().pid();
    private final Path sock = Path.of("/tmp/" + prefix + ".sock");
    private PacketPool pool;
    private PortRegistry registry;
    private Testpmd testpmd;
    private VirtioNetPort port;

    @BeforeEach
    void setUp() {
        assumeTrue(MISSING == null, "skipped: " + MISSING);
        pool = PacketPool.create("interop", 8192);
        registry = new PortRegistry();
    }

    @AfterEach
    void tearDown() {
        try {
            if (port != null) {
                port.close();
            }
        } finally {
            if (testpmd != null) {
                testpmd.close();
            }
            if (pool != null) {
                int inUse = pool.inUse();
                pool.close();
                assertEquals(0, inUse, "buffers leaked");
            }
        }
        if (MISSING == null) {
            assertTrue(Testpmd.leftNothing(prefix), "testpmd left hugepage files or its runtime dir");
            assertFalse(Files.exists(sock), "socket file left behind");
        }
    }

    private void startTestpmd(int queues, String... args) throws Exception {
        testpmd = Testpmd.start(prefix, List.of("net_vhost0,iface=" + sock + ",queues=" + queues), List.of(sock),
                List.of(args));
    }

    private void openPort(int queues, boolean mergeable) {
        port = VirtioNetPort.open("vu0", VirtioUserOptions.client(sock.toString()).withQueues(queues)
                .withMergeable(mergeable), pool, registry);
        port.configure(PortConfig.DEFAULT.withQueues(queues, queues));
        port.start();
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!port.linkUp() && System.nanoTime() < deadline) {
            registry.doWork();
            Thread.onSpinWait();
        }
        assertTrue(port.linkUp(), "link up");
    }

    /** Sends {@code n} frames on queue q, waiting (bounded) while the ring is full. */
    private void send(int queue, int n, int length) {
        Packet[] burst = new Packet[32];
        int sent = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        MacAddress dst = MacAddress.parse("02:00:00:00:00:02");
        while (sent < n) {
            assertTrue(System.nanoTime() < deadline, "sent only " + sent + " of " + n);
            int want = Math.min(32, n - sent);
            assertEquals(want, pool.allocBulk(burst, 0, want));
            for (int i = 0; i < want; i++) {
                Frames.fill(burst[i], dst, port.mac(), sent + i, length);
            }
            int took = port.txBurst(queue, burst, 0, want);
            pool.freeBulk(burst, took, want - took);
            sent += took;
        }
    }

    private long testpmdRx(int portId) {
        return testpmd.portStats(portId).rxPackets();
    }

    private void awaitTestpmdRx(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        long got;
        while ((got = testpmdRx(0)) < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, got, "testpmd's RX-packets");
    }

    @ParameterizedTest(name = "mrg_rxbuf={0}")
    @ValueSource(booleans = {true, false})
    void framesWeSendAreCountedExactlyByTestpmdRxonly(boolean mergeable) throws Exception {
        startTestpmd(1, "--forward-mode=rxonly");
        testpmd.startForwarding();
        openPort(1, mergeable);
        assertEquals(mergeable, port.info().has(VirtioNetFeature.MRG_RXBUF));
        send(0, 20_000, 64);
        send(0, 1_000, 1500);
        awaitTestpmdRx(21_000);
        Testpmd.Stats s = testpmd.stopForwarding().getFirst();
        assertEquals(21_000, s.rxPackets(), "rxonly counted every frame");
        assertEquals(21_000, port.stats().txPackets());
        assertEquals(20_000L * 64 + 1_000L * 1500, port.stats().txBytes());
    }

    @ParameterizedTest(name = "mrg_rxbuf={0}")
    @ValueSource(booleans = {true, false})
    void framesTestpmdSendsArriveExactly(boolean mergeable) throws Exception {
        startTestpmd(1, "--forward-mode=txonly", "--txpkts=128");
        openPort(1, mergeable);
        testpmd.startForwarding();
        Packet[] burst = new Packet[64];
        long received = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (received < 50_000 && System.nanoTime() < deadline) {
            int n = port.rxBurst(0, burst, 0, burst.length);
            for (int i = 0; i < n; i++) {
                assertEquals(128, burst[i].length());
                assertEquals(0x0800, (burst[i].getByte(12) & 0xFF) << 8 | (burst[i].getByte(13) & 0xFF),
                        "IPv4 frames from txonly");
            }
            pool.freeBulk(burst, 0, n);
            received += n;
        }
        Testpmd.Stats s = testpmd.stopForwarding().getFirst();
        // testpmd stopped sending: drain what is still in our ring
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300)) {
            int n = port.rxBurst(0, burst, 0, burst.length);
            pool.freeBulk(burst, 0, n);
            received += n;
            if (n > 0) {
                quietSince = System.nanoTime();
            }
        }
        assertTrue(s.txPackets() >= 50_000, "testpmd sent " + s.txPackets());
        assertEquals(s.txPackets(), received, "every frame testpmd counted as sent arrived");
        assertEquals(received, port.stats().rxPackets());
        assertEquals(received * 128, port.stats().rxBytes());
    }

    @Test
    void stopAndStartResumeTraffic() throws Exception {
        startTestpmd(1, "--forward-mode=rxonly");
        testpmd.startForwarding();
        openPort(1, true);
        send(0, 5_000, 64);
        awaitTestpmdRx(5_000);
        port.stop();
        assertEquals(PortState.CONFIGURED, port.state());
        assertEquals(0, pool.inUse(), "stop returned every buffer");
        port.start();
        send(0, 7_000, 64);
        awaitTestpmdRx(12_000);
        port.stop();
        port.configure(PortConfig.DEFAULT.withRingSize(1024));
        port.start();
        send(0, 3_000, 64);
        awaitTestpmdRx(15_000);
        assertEquals(15_000, testpmd.stopForwarding().getFirst().rxPackets());
    }

    @Test
    void aPollingDeviceNeedsNoKicks() throws Exception {
        startTestpmd(1, "--forward-mode=rxonly");
        testpmd.startForwarding();
        openPort(1, true);
        send(0, 1_000, 64); // the device turns notifications off once it is running
        awaitTestpmdRx(1_000);
        long kicks = port.xstats().get("tx0_kicks");
        send(0, 20_000, 64);
        awaitTestpmdRx(21_000);
        assertEquals(kicks, port.xstats().get("tx0_kicks"), "no kick, so no system call, per burst");
        assertTrue(port.xstats().get("tx0_kicks_suppressed") > 100);
    }

    @Test
    void multiQueueTrafficUsesEveryQueuePair() throws Exception {
        startTestpmd(2, "--forward-mode=rxonly", "--rxq=2", "--txq=2");
        testpmd.startForwarding();
        openPort(2, true);
        assertTrue(port.info().has(VirtioNetFeature.MQ));
        assertEquals(2, port.info().maxRxQueues());
        send(0, 4_000, 64);
        send(1, 6_000, 64);
        awaitTestpmdRx(10_000);
        assertEquals(10_000, testpmd.stopForwarding().getFirst().rxPackets());
        assertEquals(4_000, port.xstats().get("tx_q0_packets"));
        assertEquals(6_000, port.xstats().get("tx_q1_packets"));
    }

    @Test
    void multiQueueReceiveFromTestpmdTxonly() throws Exception {
        startTestpmd(2, "--forward-mode=txonly", "--rxq=2", "--txq=2");
        openPort(2, true);
        testpmd.startForwarding();
        Packet[] burst = new Packet[64];
        long[] perQueue = new long[2];
        long deadline = System.nanoTime() + WAIT_NANOS;
        while ((perQueue[0] < 10_000 || perQueue[1] < 10_000) && System.nanoTime() < deadline) {
            for (int q = 0; q < 2; q++) {
                int n = port.rxBurst(q, burst, 0, burst.length);
                for (int i = 0; i < n; i++) {
                    assertEquals(q, burst[i].queue());
                }
                pool.freeBulk(burst, 0, n);
                perQueue[q] += n;
            }
        }
        Testpmd.Stats s = testpmd.stopForwarding().getFirst();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300)) {
            for (int q = 0; q < 2; q++) {
                int n = port.rxBurst(q, burst, 0, burst.length);
                pool.freeBulk(burst, 0, n);
                perQueue[q] += n;
                if (n > 0) {
                    quietSince = System.nanoTime();
                }
            }
        }
        assertTrue(perQueue[0] >= 10_000 && perQueue[1] >= 10_000, "both queues received: " + perQueue[0] + ", "
                + perQueue[1]);
        assertEquals(s.txPackets(), perQueue[0] + perQueue[1]);
    }

    @Test
    void serverModeSurvivesATestpmdRestartAndResumesTheRings() throws Exception {
        String vdev = "net_vhost0,iface=" + sock + ",queues=1,client=1";
        List<String> args = List.of("--forward-mode=rxonly", "--no-flush-rx");
        // testpmd connects to us (client=1) and retries every second until we listen; the socket file is ours
        testpmd = Testpmd.start(prefix, List.of(vdev), List.of(), args);
        testpmd.startForwarding();
        port = VirtioNetPort.open("vu0", VirtioUserOptions.client(sock.toString()).withServer(true), pool, registry);
        port.configure(PortConfig.DEFAULT);
        port.start();
        awaitLink(true);
        send(0, 5_000, 64);
        awaitTestpmdRx(5_000);

        testpmd.close(); // the back-end goes away
        awaitLink(false);
        assertEquals(PortState.STARTED, port.state(), "server mode: the port stays started and waits");
        // frames sent while nobody serves the ring wait in it
        Packet[] burst = new Packet[100];
        assertEquals(100, pool.allocBulk(burst, 0, 100));
        for (int i = 0; i < 100; i++) {
            Frames.fill(burst[i], MacAddress.parse("02:00:00:00:00:02"), port.mac(), i, 64);
        }
        assertEquals(100, port.txBurst(0, burst, 0, 100));

        testpmd = Testpmd.start(prefix, List.of(vdev), List.of(), args);
        testpmd.startForwarding();
        awaitLink(true);
        assertEquals(1, port.xstats().get("vhost_reconnects"));
        awaitTestpmdRx(100); // the new back-end picked the waiting frames up where the old one stopped
        send(0, 2_000, 64);
        awaitTestpmdRx(2_100);
        assertEquals(2_100, testpmd.stopForwarding().getFirst().rxPackets());
        assertTrue(testpmd.output().contains("last_avail_idx:5000"),
                "the TX vring was resumed at used.idx 5000, not 0");
    }

    private void awaitLink(boolean up) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (port.linkUp() != up && System.nanoTime() < deadline) {
            registry.doWork();
            Thread.onSpinWait();
        }
        assertEquals(up, port.linkUp(), "link");
    }
}

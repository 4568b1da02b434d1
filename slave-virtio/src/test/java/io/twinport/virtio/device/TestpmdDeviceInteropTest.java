package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.virtio.Testpmd;
import io.twinport.virtio.VirtioNetFeatureBits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our device against DPDK's front-end: {@code dpdk-testpmd --vdev net_virtio_user0,path=SOCK,queues=N,mrg_rxbuf=M}
 * plays the guest. testpmd's txonly frames are counted by our device's rxBurst, exactly (against testpmd's own
 * TX-packets); frames our device sends are counted by testpmd's rxonly, exactly; one and two queue pairs, mergeable
 * receive buffers on and off. Skips with one line naming what is missing (root, dpdk-testpmd, hugepages).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TestpmdDeviceInteropTest {
    private static final String MISSING = Testpmd.missing();
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String prefix = "twv-dev-interop-" + ProcessHandle.current().pid();
    private final Path sock = Path.of("/tmp/" + prefix + ".sock");
    private PacketPool pool;
    private PortRegistry registry;
    private Testpmd testpmd;
    private VhostUserPort port;

    @BeforeEach
    void setUp() {
        assumeTrue(MISSING == null, "skipped: " + MISSING);
        pool = PacketPool.create("dev-interop", 16384);
        registry = new PortRegistry();
    }

    @AfterEach
    void tearDown() {
        try {
            if (testpmd != null) {
                testpmd.close();
            }
        } finally {
            if (port != null) {
                port.close();
            }
            if (pool != null) {
                int inUse = pool.inUse();
                pool.close();
                assertEquals(0, inUse, "buffers leaked");
            }
            registry.close();
        }
        if (MISSING == null) {
            assertTrue(Testpmd.leftNothing(prefix), "testpmd left hugepage files or its runtime dir");
            assertFalse(Files.exists(sock), "socket file left behind");
        }
    }

    private void start(int queues, boolean mergeable, String mode) throws Exception {
        port = VhostUserPort.open("vhost0", VhostUserDeviceOptions.server(sock.toString()).withQueues(queues),
                pool, registry);
        port.configure(PortConfig.DEFAULT.withQueues(queues, queues));
        port.start();
        testpmd = Testpmd.start(prefix, List.of("--in-memory", "--single-file-segments"),
                List.of("net_virtio_user0,path=" + sock + ",queues=" + queues + ",mrg_rxbuf=" + (mergeable ? 1 : 0)),
                List.of(), List.of("--forward-mode=" + mode, "--rxq=" + queues, "--txq=" + queues, "--no-flush-rx"));
        Traffic.await(() -> port.device().runningVrings() == 2 * queues, "every vring running");
        Traffic.await(port::linkUp, "link up");
        assertEquals(mergeable, (port.info().features() & VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF) != 0,
                "MRG_RXBUF negotiated: " + VirtioNetFeatureBits.describe(port.info().features()));
    }

    private long drainAll(int queues, long expected) {
        Packet[] rx = new Packet[64];
        long got = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            int round = 0;
            for (int q = 0; q < queues; q++) {
                int n = port.rxBurst(q, rx, 0, rx.length);
                for (int i = 0; i < n; i++) {
                    assertEquals(64, rx[i].length(), "txonly frames are 64 bytes");
                }
                pool.freeBulk(rx, 0, n);
                round += n;
            }
            got += round;
            if (expected >= 0 && got >= expected && round == 0) {
                break;
            }
        }
        return got;
    }

    @ParameterizedTest(name = "queues={0} mrg_rxbuf={1}")
    @CsvSource({"1,true", "1,false", "2,true", "2,false"})
    void testpmdTxonlyIsCountedExactlyByOurDevice(int queues, boolean mergeable) throws Exception {
        start(queues, mergeable, "txonly");
        testpmd.startForwarding();
        long got = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        Packet[] rx = new Packet[64];
        while (System.nanoTime() < deadline) {
            for (int q = 0; q < queues; q++) {
                int n = port.rxBurst(q, rx, 0, rx.length);
                pool.freeBulk(rx, 0, n);
                got += n;
            }
        }
        List<Testpmd.Stats> stats = testpmd.stopForwarding();
        long sent = stats.getFirst().txPackets();
        got += drainAll(queues, sent - got);
        assertTrue(sent > 1_000, "testpmd sent only " + sent);
        System.out.println("testpmd txonly, queues=" + queues + ", mrg_rxbuf=" + mergeable + ": " + sent + " frames in 2 s");
        assertEquals(sent, got, "every frame testpmd sent, received once");
        assertEquals(sent, port.stats().rxPackets());
        assertEquals(0L, port.xstats().get("ring_faults"));
        if (queues == 2) {
            assertTrue(port.xstats().get("rx_q1_packets") > 0, "queue 1 carried traffic");
        }
    }

    @ParameterizedTest(name = "queues={0} mrg_rxbuf={1}")
    @CsvSource({"1,true", "1,false", "2,true", "2,false"})
    void framesOurDeviceSendsAreCountedExactlyByTestpmdRxonly(int queues, boolean mergeable) throws Exception {
        start(queues, mergeable, "rxonly");
        testpmd.startForwarding();
        int perQueue = 20_000;
        Packet[] burst = new Packet[32];
        for (int q = 0; q < queues; q++) {
            int sent = 0;
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (sent < perQueue) {
                assertTrue(System.nanoTime() < deadline, "sent only " + sent + " on queue " + q);
                int want = Math.min(32, perQueue - sent);
                assertEquals(want, pool.allocBulk(burst, 0, want));
                for (int i = 0; i < want; i++) {
                    Frames.fill(burst[i], Traffic.DST, Traffic.SRC, sent + i, sent % 3 == 0 ? 1500 : 64);
                }
                int k = port.txBurst(q, burst, 0, want);
                pool.freeBulk(burst, k, want - k);
                sent += k;
            }
        }
        long expected = (long) perQueue * queues;
        long deadline = System.nanoTime() + WAIT_NANOS;
        long rx;
        while ((rx = testpmd.portStats(0).rxPackets()) < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Testpmd.Stats s = testpmd.stopForwarding().getFirst();
        assertEquals(expected, rx, "testpmd's RX-packets");
        assertEquals(expected, s.rxPackets(), "rxonly counted every frame");
        assertEquals(expected, port.stats().txPackets());
        assertEquals(0L, port.stats().txErrors());
    }
}

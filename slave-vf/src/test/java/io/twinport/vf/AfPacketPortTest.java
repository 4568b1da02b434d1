package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.PortStats;
import io.twinport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AfPacketPort on a veth pair: exact counts both ways, multi-queue, the kernel settings, no allocation. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AfPacketPortTest {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private PacketPool pool;
    private VethPair veth;
    private AfPacketPort a;
    private AfPacketPort b;

    @BeforeEach
    void setUp() {
        Ip.assumeRootAndIp();
        pool = PacketPool.create("afpt", 8192);
        veth = VethPair.create();
        a = AfPacketPort.open(veth.a, pool, AfPacketOptions.DEFAULT);
        b = AfPacketPort.open(veth.b, pool, AfPacketOptions.DEFAULT);
    }

    @AfterEach
    void tearDown() {
        try {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            if (pool != null) {
                assertEquals(0, pool.inUse(), "packets left out of the pool");
                assertEquals(0, pool.doubleFrees(), "double frees");
            }
        } finally {
            if (veth != null) {
                veth.close();
            }
            if (pool != null) {
                pool.close();
            }
        }
    }

    /** Reopens both ports with these options (on top of the defaults). */
    private void reopen(Map<String, String> options) {
        a.close();
        b.close();
        a = AfPacketPort.open(veth.a, pool, AfPacketOptions.parse(options));
        b = AfPacketPort.open(veth.b, pool, AfPacketOptions.parse(options));
    }

    private static Map<String, String> rx(int version) {
        return Map.of(AfPacketOptions.RX_VERSION_KEY, String.valueOf(version));
    }

    private static void start(AfPacketPort p, PortConfig cfg) {
        p.configure(cfg);
        p.start();
    }

    /**
     * Sends {@code total} frames from {@code tx} to {@code rx}, at most {@code window} in flight (so neither the
     * veth backlog nor the RX ring can overflow), and checks every frame arrived once and intact.
     */
    private void sendExactly(AfPacketPort tx, AfPacketPort rx, int total, int window) {
        Packet[] out = new Packet[32];
        Packet[] in = new Packet[64];
        BitSet seen = new BitSet(total);
        int sent = 0;
        int received = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (received < total && System.nanoTime() < deadline) {
            int room = Math.min(out.length, Math.min(total - sent, window - (sent - received)));
            if (room > 0) {
                int n = pool.allocBulk(out, 0, room);
                for (int i = 0; i < n; i++) {
                    int seq = sent + i;
                    Frames.fill(out[i], rx.mac(), tx.mac(), seq, 60 + (seq % 1455));
                }
                int taken = tx.txBurst(0, out, 0, n);
                pool.freeBulk(out, taken, n - taken);
                sent += taken;
            }
            int got = rx.rxBurst(0, in, 0, in.length);
            for (int i = 0; i < got; i++) {
                Packet p = in[i];
                int seq = Frames.seq(p);
                assertTrue(seq >= 0 && seq < total, "sequence " + seq + " out of range");
                assertFalse(seen.get(seq), "frame " + seq + " received twice");
                seen.set(seq);
                assertEquals(60 + (seq % 1455), p.length(), "length of frame " + seq);
                assertTrue(Frames.intact(p), "bytes of frame " + seq);
                assertEquals(rx.id(), p.port());
            }
            pool.freeBulk(in, 0, got);
            received += got;
        }
        assertEquals(total, received, "frames received by " + rx.name() + " (sent " + sent + ", kernel drops "
                + rx.stats().rxMissed() + ")");
        assertEquals(total, seen.cardinality());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "TPACKET_V{0} RX")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 2})
    void framesBothWaysAreCountedExactly(int rxVersion) {
        reopen(rx(rxVersion));
        start(a, PortConfig.DEFAULT.withRingSize(1024));
        start(b, PortConfig.DEFAULT.withRingSize(1024));
        int n = 50_000;
        sendExactly(a, b, n, 512);
        sendExactly(b, a, n, 512);
        PortStats sa = a.stats();
        PortStats sb = b.stats();
        assertEquals(n, sa.txPackets());
        assertEquals(n, sb.rxPackets());
        assertEquals(n, sb.txPackets());
        assertEquals(n, sa.rxPackets());
        assertEquals(sa.txBytes(), sb.rxBytes());
        assertEquals(sb.txBytes(), sa.rxBytes());
        assertEquals(0, sa.rxErrors() + sa.txErrors() + sb.rxErrors() + sb.txErrors() + sa.rxMissed() + sb.rxMissed());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "TPACKET_V{0} RX")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 2})
    void fanoutSpreadsFlowsOverRxQueuesAndEveryTxQueueSends(int rxVersion) {
        reopen(rx(rxVersion));
        int queues = 4;
        start(a, PortConfig.DEFAULT.withQueues(queues, queues).withRingSize(1024));
        start(b, PortConfig.DEFAULT.withQueues(queues, queues).withRingSize(1024));
        int flows = 256;
        int perFlow = 8;
        Packet[] out = new Packet[flows];
        for (int round = 0; round < perFlow; round++) {
            assertEquals(flows, pool.allocBulk(out, 0, flows));
            for (int f = 0; f < flows; f++) {
                TestFrames.udp(out[f], a.mac(), b.mac(), f, round * flows + f, 64 + f);
            }
            // each TX queue of b sends a quarter of the flows
            for (int q = 0; q < queues; q++) {
                int from = q * flows / queues;
                int count = flows / queues;
                int taken = 0;
                long deadline = System.nanoTime() + WAIT_NANOS;
                while (taken < count && System.nanoTime() < deadline) {
                    taken += b.txBurst(q, out, from + taken, count - taken);
                }
                assertEquals(count, taken, "TX queue " + q);
            }
            drain(a, queues, (round + 1) * flows);
        }
        Map<Integer, Integer> queueOfFlow = flowQueues;
        int[] perQueue = new int[queues];
        for (int q = 0; q < queues; q++) {
            perQueue[q] = a.xstats().get("rx_q" + q + "_packets").intValue();
            assertTrue(perQueue[q] > 0, "RX queue " + q + " got no frame of 256 flows: " + java.util.Arrays.toString(perQueue));
            assertTrue(b.xstats().get("tx_q" + q + "_packets") == (long) flows / queues * perFlow, "TX queue " + q);
        }
        assertEquals(flows * perFlow, a.stats().rxPackets());
        assertEquals(flows, queueOfFlow.size());
    }

    private final Map<Integer, Integer> flowQueues = new HashMap<>();

    private void drain(AfPacketPort port, int queues, int expected) {
        Packet[] in = new Packet[64];
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (port.stats().rxPackets() < expected && System.nanoTime() < deadline) {
            for (int q = 0; q < queues; q++) {
                int n = port.rxBurst(q, in, 0, in.length);
                for (int i = 0; i < n; i++) {
                    Integer before = flowQueues.put(TestFrames.flow(in[i]), q);
                    assertTrue(before == null || before == q, "flow " + TestFrames.flow(in[i]) + " seen on RX queues "
                            + before + " and " + q + ": fanout must keep a flow on one queue");
                    assertEquals(q, in[i].queue());
                }
                pool.freeBulk(in, 0, n);
            }
        }
        assertEquals(expected, port.stats().rxPackets(), "frames received over " + queues + " queues");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "TPACKET_V{0} RX")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 2})
    void theDataPathAllocatesNothing(int rxVersion) {
        reopen(rx(rxVersion));
        start(a, PortConfig.DEFAULT.withRingSize(1024));
        start(b, PortConfig.DEFAULT.withRingSize(1024));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int phases = 8;
        int rounds = 20_000;
        long[] allocated = new long[phases];
        long frames = 0;
        for (int phase = 0; phase < phases; phase++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int r = 0; r < rounds; r++) {
                frames += pollRound();
            }
            allocated[phase] = mx.getCurrentThreadAllocatedBytes() - before;
        }
        System.out.println("TPACKET_V" + rxVersion + " RX: bytes allocated per phase of " + rounds + " TX bursts of 32 and the RX bursts draining "
                + "them: " + java.util.Arrays.toString(allocated) + "; " + frames + " frames received");
        assertTrue(frames > (long) phases * rounds * 16, "frames went through: " + frames);
        // the first phases run in the interpreter and compile; once compiled, a polling loop allocates nothing
        // (one allocation per burst would be >= 16 bytes x 20000 bursts = 320 KB per phase)
        long best = Long.MAX_VALUE;
        for (int phase = phases / 2; phase < phases; phase++) {
            best = Math.min(best, allocated[phase]);
        }
        assertTrue(best < 1024, "every compiled phase allocated: " + java.util.Arrays.toString(allocated));
    }

    private final Packet[] out = new Packet[32];
    private final Packet[] in = new Packet[64];

    /** One turn of a polling loop: a TX burst of 32 on a, RX bursts on b until it has nothing. */
    private int pollRound() {
        int n = pool.allocBulk(out, 0, out.length);
        for (int i = 0; i < n; i++) {
            out[i].length(64);
            out[i].putByte(0, (byte) 2); // unicast, locally administered destination
        }
        int taken = a.txBurst(0, out, 0, n);
        pool.freeBulk(out, taken, n - taken);
        int frames = 0;
        int got;
        while ((got = b.rxBurst(0, in, 0, in.length)) > 0) {
            pool.freeBulk(in, 0, got);
            frames += got;
        }
        return frames;
    }

    @Test
    void mtuAndMacGoToTheKernelAndAreRestoredOnClose() {
        Netdev before = Kernel.links().getLink(veth.a);
        MacAddress mac = MacAddress.parse("02:12:34:56:78:9a");
        a.configure(PortConfig.DEFAULT.withMtu(1400).withMac(mac));
        Netdev now = Kernel.links().getLink(veth.a);
        assertEquals(1400, now.mtu());
        assertEquals(mac, now.mac());
        assertEquals(mac, a.mac());
        a.start();
        a.stop();
        a.configure(PortConfig.DEFAULT);
        now = Kernel.links().getLink(veth.a);
        assertEquals(1500, now.mtu());
        assertEquals(before.mac(), now.mac(), "the device's own MAC again when the config names none");
        a.configure(PortConfig.DEFAULT.withMtu(1280).withMac(mac));
        a.close();
        now = Kernel.links().getLink(veth.a);
        assertEquals(before.mtu(), now.mtu(), "MTU restored on close");
        assertEquals(before.mac(), now.mac(), "MAC restored on close");
    }

    @Test
    void receiveModesAreSocketMembershipsThatEndWithTheSocket() {
        MacAddress group = MacAddress.parse("01:00:5e:01:02:03");
        assertEquals(0, counter(veth.a, "promiscuity"));
        assertEquals(0, counter(veth.a, "allmulti"));
        start(a, PortConfig.DEFAULT.withRxModes(true, true).withMulticast(List.of(group)));
        // packet-socket memberships raise the device's counts (not the user flags in ifi_flags)
        assertEquals(1, counter(veth.a, "promiscuity"), "promiscuous while started");
        assertEquals(1, counter(veth.a, "allmulti"), "all-multicast while started");
        assertTrue(Ip.run("maddr", "show", "dev", veth.a).contains(group.toString()), "group joined");
        a.stop();
        assertEquals(0, counter(veth.a, "promiscuity"), "the kernel dropped the membership with the socket");
        assertEquals(0, counter(veth.a, "allmulti"));
        assertFalse(Ip.run("maddr", "show", "dev", veth.a).contains(group.toString()), "group left");
        start(b, PortConfig.DEFAULT.withRxModes(false, false));
        assertEquals(0, counter(veth.b, "promiscuity"), "no membership unless configured");
    }

    /** Reads {@code promiscuity N} or {@code allmulti N} from {@code ip -d link show}. */
    private static int counter(String ifname, String word) {
        String out = Ip.run("-d", "link", "show", "dev", ifname);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b" + word + " (\\d+)").matcher(out);
        assertTrue(m.find(), "`ip -d link show` prints " + word + ": " + out);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aDownedOrDeletedNetdevShowsOnTheSocket() {
        start(a, PortConfig.DEFAULT.withQueues(2, 2));
        assertEquals(AfPacketPort.Health.OK, a.checkSockets());
        Ip.run("link", "set", "dev", veth.a, "down");
        assertEquals(AfPacketPort.Health.DOWN, a.checkSockets(), "ENETDOWN, binding kept");
        Ip.run("link", "set", "dev", veth.a, "up");
        a.onLink(true);
        assertEquals(AfPacketPort.Health.OK, a.checkSockets());
        Ip.run("link", "del", veth.a);
        assertEquals(AfPacketPort.Health.GONE, a.checkSockets(), "binding reset by NETDEV_UNREGISTER");
        // the data path after the netdev went away: counts refused frames as errors, never throws
        Packet[] out = new Packet[8];
        assertEquals(8, pool.allocBulk(out, 0, 8));
        for (Packet p : out) {
            Frames.fill(p, b.mac(), a.mac(), 1, 64);
        }
        int taken = a.txBurst(0, out, 0, 8);
        pool.freeBulk(out, taken, 8 - taken);
        assertEquals(8, a.stats().txErrors(), "frames the kernel refused (ENXIO) count as TX errors");
        assertEquals(0, a.stats().txPackets());
        assertEquals(0, a.rxBurst(1, out, 0, 8));
    }

    @Test
    void aStaleLinkEventDoesNotOverrideTheKernelsStateNow() {
        start(a, PortConfig.DEFAULT);
        start(b, PortConfig.DEFAULT);
        assertTrue(a.linkUp());
        a.onLink(false); // queued before start read the netdev: the kernel says up
        assertTrue(a.linkUp(), "a stale down event must not take the link down");
        Ip.run("link", "set", "dev", veth.b, "down"); // the carrier goes: a is up but not running
        awaitKernelLink(veth.a, false);
        a.onLink(true); // a stale up event
        assertFalse(a.linkUp(), "the kernel says not running");
        Ip.run("link", "set", "dev", veth.b, "up");
        awaitKernelLink(veth.a, true);
        a.onLink(false);
        assertTrue(a.linkUp());
    }

    /** The kernel sets IFF_RUNNING from the carrier in its link-watch work, a moment after the change. */
    private static void awaitKernelLink(String ifname, boolean up) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (Kernel.links().getLink(ifname).linkUp() != up) {
            assertTrue(System.nanoTime() < deadline, ifname + " did not become " + (up ? "running" : "not running"));
            Thread.onSpinWait();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void framesThisPortSendsThroughTheQdiscAreNotReceivedBack(int rxQueues) {
        // without the qdisc bypass, outgoing frames pass the packet taps: PACKET_IGNORE_OUTGOING (and the fanout
        // group's flag) keep them off our own RX queues
        a.close();
        a = AfPacketPort.open(veth.a, pool, AfPacketOptions.parse(Map.of("qdisc_bypass", "0")));
        start(a, PortConfig.DEFAULT.withQueues(rxQueues, 1));
        start(b, PortConfig.DEFAULT);
        sendExactly(a, b, 200, 64);
        Packet[] in = new Packet[64];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        while (System.nanoTime() < deadline) {
            for (int q = 0; q < rxQueues; q++) {
                int n = a.rxBurst(q, in, 0, in.length);
                pool.freeBulk(in, 0, n);
            }
        }
        assertEquals(0, a.stats().rxPackets(), "own frames received back");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "TPACKET_V{0} RX")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 2})
    void aVlanTagTheKernelStrippedIsPutBack(int rxVersion) {
        reopen(rx(rxVersion));
        start(a, PortConfig.DEFAULT);
        start(b, PortConfig.DEFAULT);
        Packet p = pool.alloc();
        Frames.fill(p, a.mac(), b.mac(), 7, 100);
        byte[] frame = new byte[100];
        p.read(0, frame, 0, 100);
        // make it 802.1Q: TPID 0x8100, PCP 3, VID 42, then the original EtherType and payload
        byte[] tagged = new byte[104];
        System.arraycopy(frame, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81;
        tagged[13] = 0x00;
        tagged[14] = (byte) 0x60;
        tagged[15] = 42;
        System.arraycopy(frame, 12, tagged, 16, 88);
        p.length(104);
        p.write(0, tagged, 0, 104);
        assertEquals(1, b.txBurst(0, new Packet[] {p}, 0, 1));
        Packet[] in = new Packet[4];
        int got = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (got == 0 && System.nanoTime() < deadline) {
            got = a.rxBurst(0, in, 0, in.length);
        }
        assertEquals(1, got);
        byte[] back = new byte[in[0].length()];
        in[0].read(0, back, 0, back.length);
        in[0].free();
        assertEquals(104, back.length);
        assertTrue(java.util.Arrays.equals(tagged, back), "the frame as it was sent, tag included");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "TPACKET_V{0} RX")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 2})
    void thePollIdleStrategySleepsInTheKernelAndWakesWhenAFrameIsHandedOver(int rxVersion) throws Exception {
        // a 10 s poll timeout: if the kernel did not wake the poll when it hands over a block (V3) or a frame (V2),
        // the frame would come 10 s late and the bounded wait below would fail
        a.close();
        a = AfPacketPort.open(veth.a, pool, AfPacketOptions.parse(Map.of("idle", "poll", "idle_spins", "10",
                "poll_timeout", "10000", AfPacketOptions.RX_VERSION_KEY, String.valueOf(rxVersion))));
        start(a, PortConfig.DEFAULT);
        start(b, PortConfig.DEFAULT);
        QueueIdleStrategy idle = a.idleStrategy(0); // after 10 empty polls, the receiver sleeps in poll(2)
        java.util.concurrent.atomic.AtomicInteger got = new java.util.concurrent.atomic.AtomicInteger();
        Thread receiver = Thread.ofPlatform().start(() -> {
            Packet[] in = new Packet[8];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (got.get() == 0 && System.nanoTime() < deadline) {
                int n = a.rxBurst(0, in, 0, in.length);
                pool.freeBulk(in, 0, n);
                got.addAndGet(n);
                idle.idle(n);
            }
        });
        Thread.sleep(200); // the receiver is asleep in poll now
        long t0 = System.nanoTime();
        Packet p = pool.alloc();
        Frames.fill(p, a.mac(), b.mac(), 1, 64);
        assertEquals(1, b.txBurst(0, new Packet[] {p}, 0, 1));
        receiver.join(TimeUnit.SECONDS.toMillis(6));
        assertEquals(1, got.get(), "the sleeping receiver got the frame");
        System.out.printf("TPACKET_V%d RX: a receiver asleep in poll(2) got a frame %.2f ms after it was sent%n",
                rxVersion, (System.nanoTime() - t0) / 1e6);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "woken, not timed out");
    }

    @Test
    void openingAMissingNetdevNamesIt() {
        PortException e = assertThrows(PortException.class,
                () -> AfPacketPort.open("tpvnosuch0", pool, AfPacketOptions.DEFAULT));
        assertTrue(e.getMessage().contains("tpvnosuch0"), e.getMessage());
    }

    @Test
    void infoDescribesTheNetdev() {
        Netdev dev = Kernel.links().getLink(veth.a);
        assertNotNull(dev);
        assertEquals(dev.mac(), a.info().mac());
        assertEquals(AfPacketPort.DRIVER, a.info().driver());
        assertEquals("veth", a.netdevIdentity().driver());
        assertEquals(dev.ifindex(), a.ifindex());
        assertTrue(a.info().maxMtu() >= 1500 && a.info().maxMtu() <= pool.bufferSize() - pool.headroom());
    }
}

package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames a TX burst took belong to the port until the kernel has them: a kick the kernel deferred (send buffer
 * full: {@code EAGAIN}, or a partial send; a dropped frame: {@code ENOBUFS}) is repeated by the next burst, even an
 * empty one, and a graceful {@code stop()} kicks until the TX rings are empty (bounded, counting what it had to
 * abandon). The deferral is made certain with a token bucket qdisc on the sending end ({@code qdisc_bypass=0}):
 * frames wait in the qdisc holding the socket's send buffer, so one kick sends only part of a large burst.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AfPacketTxFlushTest {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Map<String, String> THROUGH_QDISC = Map.of(AfPacketOptions.QDISC_BYPASS_KEY, "0");

    private PacketPool pool;
    private VethPair veth;
    private AfPacketPort a;
    private AfPacketPort b;

    @BeforeEach
    void setUp() {
        Ip.assumeRootAndIp();
        pool = PacketPool.create("flush", 8192);
        veth = VethPair.create();
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
                veth.close(); // its qdisc goes with it
            }
            if (pool != null) {
                pool.close();
            }
        }
    }

    private void open(Map<String, String> aOptions) {
        a = AfPacketPort.open(veth.a, pool, AfPacketOptions.parse(aOptions));
        b = AfPacketPort.open(veth.b, pool, AfPacketOptions.DEFAULT);
        a.configure(PortConfig.DEFAULT.withRingSize(1024));
        a.start();
        // room for everything a test sends, so the receiving ring never drops
        b.configure(PortConfig.DEFAULT.withRingSize(16384));
        b.start();
    }

    /** A token bucket on end A: 5 Mbit/s (about 10,000 60-byte frames a second), a 4 KiB bucket. */
    private void throttleA() {
        try {
            Ip.exec(List.of("tc", "-V"));
        } catch (IllegalStateException e) {
            Assumptions.abort("needs tc (iproute2): " + e.getMessage());
        }
        Ip.exec(List.of("tc", "qdisc", "add", "dev", veth.a, "root", "tbf", "rate", "5mbit", "burst", "4kb", "limit",
                "4mb"));
    }

    /** Offers frames {@code first ..} in one burst of {@code n} and returns how many the port took. */
    private int burst(int first, int n) {
        Packet[] out = new Packet[n];
        int got = pool.allocBulk(out, 0, n);
        assertEquals(n, got, "pool");
        for (int i = 0; i < n; i++) {
            Frames.fill(out[i], b.mac(), a.mac(), first + i, 60);
        }
        int taken = a.txBurst(0, out, 0, n);
        pool.freeBulk(out, taken, n - taken);
        return taken;
    }

    /**
     * Receives on B until {@code expected} distinct frames arrived or {@code WAIT_NANOS} passed, making an empty TX
     * burst on A after each poll when {@code kickA}.
     *
     * @return the sequence numbers seen
     */
    private BitSet receive(int expected, boolean kickA) {
        Packet[] in = new Packet[64];
        Packet[] none = new Packet[0];
        BitSet seen = new BitSet();
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (seen.cardinality() < expected && System.nanoTime() < deadline) {
            if (kickA) {
                assertEquals(0, a.txBurst(0, none, 0, 0));
            }
            int got = b.rxBurst(0, in, 0, in.length);
            for (int i = 0; i < got; i++) {
                int seq = Frames.seq(in[i]);
                assertFalse(seen.get(seq), "frame " + seq + " received twice");
                assertTrue(Frames.intact(in[i]), "bytes of frame " + seq);
                seen.set(seq);
            }
            pool.freeBulk(in, 0, got);
            if (got == 0) {
                Thread.onSpinWait();
            }
        }
        return seen;
    }

    @Test
    void anEmptyBurstRepeatsAKickTheKernelCutShort() {
        open(THROUGH_QDISC);
        throttleA();
        int n = 512;
        assertEquals(n, burst(0, n), "the ring has room for the whole burst");
        // only empty bursts from now on: they must kick what the first kick left requested
        BitSet seen = receive(n, true);
        assertEquals(n, seen.cardinality(), "frames B received after one burst of " + n + " and empty bursts ("
                + a.xstats() + ")");
        assertEquals(n, a.stats().txPackets());
        assertEquals(0, a.stats().txErrors());
    }

    @Test
    void stopSendsEveryFrameTheBurstsTook() {
        open(THROUGH_QDISC);
        throttleA();
        int n = 512;
        assertEquals(n, burst(0, n));
        long t0 = System.nanoTime();
        a.stop(); // at once: most of the burst is still in the ring, requested, or waiting in the qdisc
        long stopNanos = System.nanoTime() - t0;
        BitSet seen = receive(n, false);
        assertEquals(n, seen.cardinality(), "frames B received after a burst of " + n + " and an immediate stop ("
                + a.xstats() + ")");
        Map<String, Long> x = a.xstats();
        assertEquals(0L, x.getOrDefault("tx_abandoned", -1L));
        assertTrue(x.getOrDefault("tx_stop_flushed", -1L) > 0, "the stop found requested frames to kick (else this test shows"
                + " nothing): " + x);
        assertEquals(0, a.stats().txErrors());
        System.out.printf("stop flushed %d of %d frames in %.1f ms%n", x.getOrDefault("tx_stop_flushed", -1L), n,
                stopNanos / 1e6);
    }

    @Test
    void stopGivesUpOnALinkThatStaysDownAndCountsWhatItAbandoned() {
        open(Map.of());
        veth.setB(false); // A loses carrier: the kernel drops each frame it tries and keeps it requested (ENOBUFS)
        int n = 100;
        assertEquals(n, burst(0, n), "the port takes the frames: a lost carrier is a deferral");
        assertEquals(0, a.stats().txErrors());
        long t0 = System.nanoTime();
        a.stop();
        long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        Map<String, Long> x = a.xstats();
        assertEquals((long) n, x.getOrDefault("tx_abandoned", -1L), "frames stop could not hand to the kernel: " + x);
        assertEquals(n, a.stats().txErrors(), "abandoned frames count as TX errors");
        assertTrue(stopMillis >= AfPacketPort.TX_FLUSH_MILLIS && stopMillis < AfPacketPort.TX_FLUSH_MILLIS + 1000,
                "stop waited " + stopMillis + " ms, the bound is " + AfPacketPort.TX_FLUSH_MILLIS + " ms");
        // the next start begins with an empty ring: nothing of the abandoned frames is sent later
        veth.setB(true);
        a.start();
        assertEquals(5, burst(1000, 5));
        BitSet seen = receive(5, true);
        assertEquals(5, seen.cardinality());
        assertEquals(1000, seen.nextSetBit(0), "only the new frames arrive: " + seen);
        assertEquals(0, receive(1, true).cardinality(), "nothing else arrives");
    }

    @Test
    void framesDeferredByALostCarrierLeaveWhenItReturnsWithEmptyBursts() {
        open(Map.of());
        veth.setB(false);
        int n = 100;
        assertEquals(n, burst(0, n));
        veth.setB(true);
        BitSet seen = receive(n, true);
        assertEquals(n, seen.cardinality(), "frames B received after the carrier came back: " + a.xstats());
    }

    @Test
    void stoppingWithFramesInTheRxRingDropsThemWithTheSocketAndCorruptsNothing() {
        open(Map.of());
        assertEquals(100, burst(0, 100));
        RxRing ring = b.rxRing(0);
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!ring.ready() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(ring.ready(), "frames wait in B's RX ring");
        b.stop(); // the ring and what is in it go with the socket: the failover port drains a member before this
        assertEquals(0, pool.inUse(), "the port holds no packet after stop");
        b.start();
        assertEquals(10, burst(100, 10));
        BitSet seen = receive(10, false);
        assertEquals(10, seen.cardinality());
        assertEquals(100, seen.nextSetBit(0), "only frames sent after the restart: " + seen);
        assertEquals(0, receive(1, false).cardinality(), "nothing else arrives");
        assertEquals(0, b.stats().rxErrors() + b.stats().rxMissed());
    }

    /**
     * Full-rate traffic with the qdisc bypassed (the default, as in the demo), the CPUs kept busy by spinning
     * threads, and the sender's port stopped the moment its thread made its last burst: every round, the receiver
     * must count exactly the frames the bursts took.
     */
    @Test
    void stopRightAfterFullRateBurstsUnderLoadLosesNothing() throws Exception {
        open(Map.of());
        int rounds = 20;
        int cpus = Runtime.getRuntime().availableProcessors();
        AtomicBoolean loadOn = new AtomicBoolean(true);
        Thread[] load = new Thread[cpus];
        for (int i = 0; i < load.length; i++) {
            load[i] = Thread.ofPlatform().daemon().name("flush-load-" + i).start(() -> {
                long x = 0;
                while (loadOn.get()) {
                    x += System.nanoTime() & 1;
                }
                if (x == 42) {
                    System.out.print("");
                }
            });
        }
        long total = 0;
        try {
            int next = 0;
            for (int round = 0; round < rounds; round++) {
                if (round > 0) {
                    a.start();
                }
                long before = a.stats().txPackets();
                int first = next;
                AtomicBoolean sending = new AtomicBoolean(true);
                AtomicLong taken = new AtomicLong();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread sender = Thread.ofPlatform().name("flush-sender").start(() -> {
                    try {
                        Packet[] out = new Packet[32];
                        int seq = first;
                        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
                        while (sending.get() && System.nanoTime() < end) {
                            int n = pool.allocBulk(out, 0, out.length);
                            for (int i = 0; i < n; i++) {
                                Frames.fill(out[i], b.mac(), a.mac(), seq + i, 60);
                            }
                            int t = a.txBurst(0, out, 0, n);
                            pool.freeBulk(out, t, n - t);
                            seq += t;
                        }
                        taken.set(seq - first);
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                });
                // receive while the sender runs, then stop A the moment its last burst returned
                Packet[] in = new Packet[64];
                BitSet seen = new BitSet();
                while (sender.isAlive()) {
                    int got = b.rxBurst(0, in, 0, in.length);
                    for (int i = 0; i < got; i++) {
                        seen.set(Frames.seq(in[i]) - first);
                    }
                    pool.freeBulk(in, 0, got);
                }
                sender.join();
                a.stop();
                assertNull(failure.get());
                int sent = (int) taken.get();
                assertEquals(sent, a.stats().txPackets() - before);
                long deadline = System.nanoTime() + WAIT_NANOS;
                while (seen.cardinality() < sent && System.nanoTime() < deadline) {
                    int got = b.rxBurst(0, in, 0, in.length);
                    for (int i = 0; i < got; i++) {
                        seen.set(Frames.seq(in[i]) - first);
                    }
                    pool.freeBulk(in, 0, got);
                }
                assertEquals(0, b.stats().rxMissed(), "B's RX ring dropped frames (a receiver problem, not TX's)");
                assertEquals(sent, seen.cardinality(), "round " + round + ": frames B received of the " + sent
                        + " A's bursts took (" + a.xstats() + ")");
                total += sent;
                next += sent;
            }
        } finally {
            loadOn.set(false);
            for (Thread t : load) {
                t.join(5000);
            }
        }
        assertEquals(0L, a.xstats().getOrDefault("tx_abandoned", -1L));
        assertEquals(0, a.stats().txErrors());
        System.out.printf("%d rounds under load: %d frames, all received; the stops flushed %d of them%n",
                rounds, total, a.xstats().getOrDefault("tx_stop_flushed", -1L));
    }
}

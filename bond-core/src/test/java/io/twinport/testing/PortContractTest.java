package io.twinport.testing;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Claim;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortException;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.PortStats;
import io.twinport.registry.PortRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The port contract: what every driver's port must do (JCTools' {@code QueueSanityTest} idea). A driver module
 * subclasses this with a {@link PortFixture}; every test also checks, after closing the port and its peer, that
 * every packet went back to the pool.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class PortContractTest {
    /** Buffers in the test pool. */
    protected static final int POOL_SIZE = 4096;
    /** How long the bounded polling loops wait for frames. */
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private PacketPool pool;
    private PortFixture fixture;
    private Port port;

    /**
     * @param pool the pool the port receives into and test packets come from
     * @return a fixture whose port is created, not configured; a driver whose peer is missing skips here with an
     *         assumption naming what is missing
     */
    protected abstract PortFixture createFixture(PacketPool pool);

    /** @return the configuration the tests start from; override for drivers with other limits */
    protected PortConfig baseConfig() {
        return PortConfig.DEFAULT.withRingSize(256);
    }

    @BeforeEach
    final void setUpFixture() {
        pool = PacketPool.create(getClass().getSimpleName(), POOL_SIZE);
        fixture = createFixture(pool);
        port = fixture.port();
    }

    @AfterEach
    final void tearDownFixture() {
        if (fixture == null) {
            pool.close(); // createFixture skipped the test (an assumption, e.g. a missing peer program) or failed
            return;
        }
        try {
            fixture.close();
            assertEquals(0, pool.inUse(), "packets not returned to the pool after closing the port and its peer");
            assertEquals(0, pool.doubleFrees(), "packets freed twice");
        } finally {
            pool.close();
        }
    }

    private void startWith(PortConfig cfg) {
        port.configure(cfg);
        port.start();
        fixture.registry().doWork();
    }

    private Packet[] txFrames(int n, int seqBase, int length) {
        Packet[] pkts = new Packet[n];
        assertEquals(n, pool.allocBulk(pkts, 0, n));
        for (int i = 0; i < n; i++) {
            Frames.fill(pkts[i], MacAddress.parse("02:00:00:00:00:01"), port.mac(), seqBase + i, length);
        }
        return pkts;
    }

    private List<Packet> receive(int queue, int expected) {
        List<Packet> got = new ArrayList<>();
        Packet[] burst = new Packet[32];
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (got.size() < expected && System.nanoTime() < deadline) {
            int n = port.rxBurst(queue, burst, 0, burst.length);
            for (int i = 0; i < n; i++) {
                got.add(burst[i]);
            }
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        return got;
    }

    private static void freeAll(List<Packet> pkts) {
        for (Packet p : pkts) {
            p.free();
        }
    }

    // ------------------------------------------------------------------ info and life cycle

    @Test
    void infoIsSane() {
        PortInfo info = port.info();
        assertFalse(info.name().isEmpty());
        assertFalse(info.driver().isEmpty());
        assertFalse(info.mac().isMulticast(), "device MAC must be unicast: " + info.mac());
        assertTrue(info.maxRxQueues() >= 1 && info.maxTxQueues() >= 1);
        assertTrue(info.minMtu() <= 1500 && info.maxMtu() >= 1500, "MTU range must include 1500");
        assertEquals(info.mac(), port.mac());
        assertEquals(PortState.CREATED, port.state());
        assertNotNull(fixture.registry().find(info.name()).orElse(null), "fixture registers the port");
    }

    @Test
    void startBeforeConfigureIsRefusedNamingThePort() {
        PortException e = assertThrows(PortException.class, port::start);
        assertTrue(e.getMessage().contains(port.name()) && e.getMessage().contains("CREATED"), e.getMessage());
        assertThrows(PortException.class, port::stop);
    }

    @Test
    void configureRejectsValuesOutOfRangeNamingPortAndValue() {
        PortInfo info = port.info();
        PortConfig base = baseConfig();
        assertRefused(base.withQueues(0, 1), "0");
        assertRefused(base.withQueues(info.maxRxQueues() + 1, 1), String.valueOf(info.maxRxQueues() + 1));
        assertRefused(base.withQueues(1, info.maxTxQueues() + 1), String.valueOf(info.maxTxQueues() + 1));
        assertRefused(base.withRingSize(300), "300");
        assertRefused(base.withRingSize(info.maxRingSize() * 2), String.valueOf(info.maxRingSize() * 2));
        assertRefused(base.withMtu(info.minMtu() - 1), String.valueOf(info.minMtu() - 1));
        assertRefused(base.withMtu(info.maxMtu() + 1), String.valueOf(info.maxMtu() + 1));
        assertRefused(base.withMac(MacAddress.parse("01:00:5e:00:00:01")), "01:00:5e:00:00:01");
        assertRefused(base.withMulticast(List.of(MacAddress.parse("02:00:00:00:00:09"))), "02:00:00:00:00:09");
        assertEquals(PortState.CREATED, port.state(), "a refused configure changes nothing");
        port.configure(base);
        assertEquals(PortState.CONFIGURED, port.state());
    }

    private void assertRefused(PortConfig cfg, String value) {
        PortException e = assertThrows(PortException.class, () -> port.configure(cfg));
        assertTrue(e.getMessage().contains(port.name()) && e.getMessage().contains(value),
                "message must name the port and " + value + ": " + e.getMessage());
    }

    @Test
    void configureWhileStartedIsRefused() {
        startWith(baseConfig());
        PortException e = assertThrows(PortException.class, () -> port.configure(baseConfig()));
        assertTrue(e.getMessage().contains(port.name()) && e.getMessage().contains("STARTED"), e.getMessage());
        assertThrows(PortException.class, port::start);
    }

    @Test
    void configuredMacIsUsed() {
        MacAddress mac = MacAddress.parse("02:aa:bb:cc:dd:ee");
        port.configure(baseConfig().withMac(mac));
        assertEquals(mac, port.mac());
    }

    @Test
    void closeIsIdempotentAndFinal() {
        startWith(baseConfig());
        port.close();
        port.close();
        assertEquals(PortState.CLOSED, port.state());
        assertThrows(PortException.class, () -> port.configure(baseConfig()));
        assertThrows(PortException.class, port::start);
        assertEquals(0, port.rxBurst(0, new Packet[4], 0, 4));
    }

    // ------------------------------------------------------------------ data path

    @Test
    void burstsOnAPortThatIsNotStartedReturnZero() {
        Packet[] pkts = new Packet[8];
        assertEquals(0, port.rxBurst(0, pkts, 0, 8));
        port.configure(baseConfig());
        assertEquals(0, port.rxBurst(0, pkts, 0, 8));
        Packet[] frames = txFrames(4, 0, 64);
        assertEquals(0, port.txBurst(0, frames, 0, 4));
        pool.freeBulk(frames, 0, 4);
    }

    @Test
    void dataPathMisuseReturnsZeroCountsAnErrorAndNeverThrows() {
        startWith(baseConfig());
        Packet[] pkts = new Packet[8];
        int nq = baseConfig().rxQueues();
        long rxErrors = port.stats().rxErrors();
        long txErrors = port.stats().txErrors();
        assertEquals(0, port.rxBurst(-1, pkts, 0, 8));
        assertEquals(0, port.rxBurst(nq, pkts, 0, 8));
        assertEquals(0, port.rxBurst(0, null, 0, 8));
        assertEquals(0, port.rxBurst(0, pkts, 4, 8));
        assertEquals(0, port.rxBurst(0, pkts, -1, 1));
        assertEquals(0, port.rxBurst(0, pkts, 0, -1));
        assertEquals(rxErrors + 6, port.stats().rxErrors());
        assertEquals(0, port.txBurst(baseConfig().txQueues(), pkts, 0, 1));
        assertEquals(0, port.txBurst(0, null, 0, 1));
        assertEquals(0, port.txBurst(0, pkts, 8, 1));
        assertEquals(0, port.txBurst(Integer.MIN_VALUE, pkts, 0, 1));
        assertEquals(txErrors + 4, port.stats().txErrors());
        assertTrue(port.xstats().get("rx_bad_calls") >= 6);
    }

    @Test
    void receivesInjectedFramesIntactWithItsPortId() {
        startWith(baseConfig());
        int sent = fixture.injectRx(0, 10, 128);
        assertEquals(10, sent);
        List<Packet> got = receive(0, 10);
        try {
            assertEquals(10, got.size());
            Set<Integer> seqs = new HashSet<>();
            for (Packet p : got) {
                assertEquals(port.id(), p.port(), "a received packet carries the receiving port's id");
                assertEquals(128, p.length());
                assertTrue(Frames.intact(p), "frame bytes intact");
                seqs.add(Frames.seq(p));
            }
            assertEquals(10, seqs.size(), "ten distinct frames");
            PortStats s = port.stats();
            assertEquals(10, s.rxPackets());
            assertEquals(1280, s.rxBytes());
        } finally {
            freeAll(got);
        }
    }

    @Test
    void transmittedFramesReachThePeer() {
        startWith(baseConfig());
        Packet[] frames = txFrames(16, 100, 100);
        int n = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (n < 16 && System.nanoTime() < deadline) {
            n += port.txBurst(0, frames, n, 16 - n);
        }
        assertEquals(16, n);
        assertEquals(16, fixture.collectTx(16));
        PortStats s = port.stats();
        assertEquals(16, s.txPackets());
        assertEquals(1600, s.txBytes());
    }

    @Test
    void partialTxLeavesTheRestWithTheCaller() {
        assumeTrue(fixture.txCanFill(), "driver's TX never fills");
        startWith(baseConfig());
        Packet[] frames = txFrames(64, 0, 64);
        int taken = 0;
        int rounds = 0;
        // the peer does not drain: the TX ring fills, then a burst is taken only in part
        while (rounds++ < 10_000) {
            Packet[] burst = txFrames(64, rounds * 64, 64);
            int n = port.txBurst(0, burst, 0, 64);
            taken += n;
            pool.freeBulk(burst, n, 64 - n); // the caller keeps and frees what was not taken
            if (n < 64) {
                break;
            }
        }
        assertTrue(rounds < 10_000, "TX never refused anything");
        long inUseBefore = pool.inUse();
        int n = port.txBurst(0, frames, 0, 64);
        for (int i = n; i < 64; i++) {
            assertTrue(frames[i].inUse(), "an untaken packet stays the caller's");
        }
        pool.freeBulk(frames, n, 64 - n);
        assertEquals(inUseBefore - (64 - n), pool.inUse());
        assertEquals(taken + n, fixture.collectTx(taken + n), "every taken packet reaches the peer");
    }

    @Test
    void statsNeverGoBackwardsUnderTraffic() {
        startWith(baseConfig());
        PortStats last = port.stats();
        for (int round = 0; round < 50; round++) {
            Packet[] frames = txFrames(8, round * 8, 60);
            int n = port.txBurst(0, frames, 0, 8);
            pool.freeBulk(frames, n, 8 - n);
            fixture.injectRx(0, 4, 60);
            freeAll(receive(0, 4));
            fixture.collectTx(n);
            PortStats now = port.stats();
            assertTrue(now.notBelow(last), "stats went backwards: " + last + " -> " + now);
            last = now;
        }
        assertTrue(last.txPackets() > 0 && last.rxPackets() > 0);
        port.stop();
        port.configure(baseConfig());
        assertTrue(port.stats().notBelow(last), "reconfiguring must not reset counters");
    }

    @Test
    void linkEventsReachTheRegistry() {
        assumeTrue(fixture.canControlLink(), "driver's link cannot be controlled by the test");
        List<PortEvent> events = new ArrayList<>();
        fixture.registry().addListener(events::add);
        startWith(baseConfig());
        awaitLink(true);
        fixture.setPeerLink(false);
        awaitLink(false);
        fixture.setPeerLink(true);
        awaitLink(true);
        fixture.registry().doWork();
        List<PortEventType> types = events.stream().filter(e -> e.port() == port).map(PortEvent::type).toList();
        assertEquals(PortEventType.NEW, types.getFirst());
        int down = types.indexOf(PortEventType.LINK_DOWN);
        assertTrue(down > 0 && types.subList(down, types.size()).contains(PortEventType.LINK_UP),
                "LINK_DOWN then LINK_UP expected: " + types);
    }

    private void awaitLink(boolean up) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (port.linkUp() != up && System.nanoTime() < deadline) {
            fixture.registry().doWork();
            Thread.onSpinWait();
        }
        assertEquals(up, port.linkUp(), "link state");
    }

    @Test
    void stopThenStartResumesTraffic() {
        startWith(baseConfig());
        assertEquals(3, fixture.injectRx(0, 3, 64));
        freeAll(receive(0, 3));
        port.stop();
        assertEquals(PortState.CONFIGURED, port.state());
        port.start();
        assertEquals(5, fixture.injectRx(0, 5, 64));
        List<Packet> got = receive(0, 5);
        freeAll(got);
        assertEquals(5, got.size());
        Packet[] frames = txFrames(5, 0, 64);
        int n = port.txBurst(0, frames, 0, 5);
        pool.freeBulk(frames, n, 5 - n);
        assertEquals(5, n);
        assertEquals(5, fixture.collectTx(5));
    }

    @Test
    void everyQueueWorks() {
        int q = Math.min(2, Math.min(port.info().maxRxQueues(), port.info().maxTxQueues()));
        assumeTrue(q == 2, "port has a single queue");
        startWith(baseConfig().withQueues(2, 2));
        int total = 0;
        for (int queue = 0; queue < 2; queue++) {
            Packet[] frames = txFrames(4, queue * 10, 64);
            int n = port.txBurst(queue, frames, 0, 4);
            pool.freeBulk(frames, n, 4 - n);
            assertEquals(4, n, "TX queue " + queue);
            total += n;
        }
        assertEquals(total, fixture.collectTx(total));
        if (fixture.canSteer()) {
            assertEquals(6, fixture.injectRx(1, 6, 64));
            List<Packet> got = receive(1, 6);
            freeAll(got);
            assertEquals(6, got.size());
            assertEquals(6, port.xstats().get("rx_q1_packets"));
        }
    }

    @Test
    void closeReleasesEveryBufferItHolds() {
        startWith(baseConfig());
        long before = pool.inUse();
        assertEquals(20, fixture.injectRx(0, 20, 64));
        // frames wait unread in the port's RX queue; closing must hand them back
        port.close();
        assertTrue(pool.inUse() <= before, "close left " + (pool.inUse() - before) + " packets out");
    }

    // ------------------------------------------------------------------ ownership

    @Test
    void aClaimedPortRefusesEveryoneButItsOwner() {
        Claim claim = port.claim("failover0");
        assertEquals("failover0", port.owner().orElseThrow());
        PortException e = assertThrows(PortException.class, () -> port.configure(baseConfig()));
        assertTrue(e.getMessage().contains("failover0") && e.getMessage().contains(port.name()), e.getMessage());
        e = assertThrows(PortException.class, () -> port.claim("intruder"));
        assertTrue(e.getMessage().contains("failover0") && e.getMessage().contains("intruder"), e.getMessage());
        assertThrows(PortException.class, port::close);
        claim.configure(baseConfig());
        claim.start();
        assertEquals(PortState.STARTED, port.state());
        claim.stop();
        claim.release();
        assertFalse(claim.valid());
        assertThrows(PortException.class, claim::start, "a released claim is dead");
        port.start();
        port.stop();
        port.claim("next").release();
    }
}

package io.twinport.virtio.migration;

import io.twinport.failover.FailoverEvent;
import io.twinport.failover.FailoverEventType;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.PortConfig;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host-side sequence driving a real guest: bond-core's registry, failover manager and failover port, formed by
 * itself from wire pairs (a standby whose feature word has STANDBY, and VFs with the same MAC), with the host
 * operations implemented over them ({@link WireVf}): the unplug request is {@code FailoverManager.prepareUnplug},
 * the unplug is {@code WirePair.unplug}, the re-plug {@code WirePair.replug}; the device transfer is a no-op (the
 * standby wire stays where it is) or fails. Numbered traffic runs both ways through the failover port all along; a
 * peer on the "network" drains every wire and sends towards the guest where it last saw the guest's MAC (as a
 * learning switch does). One thread, a fake clock, bounded loops. This is the shape the demo gives the real device.
 */
class MigrationWithFailoverPortTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    private static final MacAddress PEER = MacAddress.parse("02:00:00:00:00:99");
    private static final long STANDBY_FEATURES = VirtioNetFeature.VERSION_1.mask() | VirtioNetFeature.MAC.mask()
            | VirtioNetFeature.STANDBY.mask();
    private static final long PRIMARY_FEATURES = VirtioNetFeature.MAC.mask();
    private static final long MS = 1_000_000L;
    private static final int MAX_ROUNDS = 5_000;
    private static final int TX_PER_ROUND = 8;
    private static final int RX_PER_ROUND = 4;
    private static final int MAX_SEQ = 200_000;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final PortRegistry registry = new PortRegistry();
    private final PacketPool pool = PacketPool.create("migration-it", 8192);
    private final FailoverManager manager = new FailoverManager(registry,
            FailoverOptions.DEFAULT.withAnnounce(new AnnouncementSchedule(0, 0)), PairingExclusions.NONE, now::get);
    private final List<FailoverEvent> failoverEvents = new CopyOnWriteArrayList<>();
    private final List<MigrationEvent> migrationEvents = new CopyOnWriteArrayList<>();
    private final List<WirePair> wires = new ArrayList<>();
    private final List<WirePort> retired = new ArrayList<>();
    private final WirePair standby;
    private final Packet[] burst = new Packet[64];
    // traffic: what was handed over, and how often each number arrived
    private final int[] txArrived = new int[MAX_SEQ];
    private final int[] rxArrived = new int[MAX_SEQ];
    private int txSent;
    private int rxSent;
    private int txAtRequest;
    private int rxAtRequest;
    private WirePair learned;
    private FailoverPort fp;
    private MigrationSequence seq;

    MigrationWithFailoverPortTest() {
        manager.addListener(failoverEvents::add);
        standby = wire("vnet0", STANDBY_FEATURES, 0);
        registry.add(standby.a());
    }

    /** A wire pair with the guest's MAC on end A (the guest's side) and end B started (the network's side). */
    private WirePair wire(String name, long features, int n) {
        WirePair pair = WirePair.create(name, 1, MAC, MacAddress.parse("02:00:00:00:ee:0" + n), features, null);
        pair.b().configure(PortConfig.DEFAULT.withQueues(1, 1).withRingSize(1024));
        pair.b().start();
        wires.add(pair);
        return pair;
    }

    /**
     * A VF made of a wire pair: end A is what the guest sees (registered while plugged, so the failover manager
     * pairs it), end B is the network behind the VF.
     */
    private final class WireVf implements HostVf {
        final WirePair pair;
        WirePort plugged;
        boolean hidden = true;
        boolean released;
        int plugs;

        WireVf(String name, int n) {
            pair = wire(name, PRIMARY_FEATURES, n);
        }

        @Override
        public String name() {
            return pair.name() + "a";
        }

        @Override
        public void plug() {
            WirePort end = hidden ? pair.a() : pair.replug(true); // the same VF, a new port object (a hot-plug)
            hidden = false;
            plugged = end;
            plugs++;
            registry.add(end);
        }

        @Override
        public void requestUnplug(PrimaryReleased releasedNotice) {
            manager.prepareUnplug(name()).whenComplete((v, e) -> releasedNotice.onPrimaryReleased());
        }

        @Override
        public void cancelUnplugRequest() {
            // the guest's failover port cannot be stopped half-way; if it releases anyway, the sequence re-plugs
        }

        @Override
        public void unplug(RemovalReason reason) {
            WirePort end = plugged;
            plugged = null;
            pair.unplug(end, reason);
            registry.remove(end, reason);
            retired.add(end); // closed at the end: the guest released it, or its failover port closes it
        }

        @Override
        public void release() {
            released = true;
        }
    }

    /** The virtio device: its state moves at once (the standby wire stays), or the move fails. */
    private static final class WireDevice implements HostDevice {
        final boolean fails;
        int announces;

        WireDevice(boolean fails) {
            this.fails = fails;
        }

        @Override
        public CompletableFuture<Void> migrateTo(HostDevice target) {
            return fails ? CompletableFuture.failedFuture(new IllegalStateException("the target refused the rings"))
                    : CompletableFuture.completedFuture(null);
        }

        @Override
        public void requestAnnounce() {
            announces++;
        }
    }

    // ------------------------------------------------------------------ one round: traffic, then the control plane

    /**
     * One round. The network's frames towards the guest are sent after the guest polled and received in the next
     * round, so they are in flight (in the member's RX ring) while the control plane acts, as on a real wire.
     */
    private void round() {
        receiveAll();
        // the guest transmits numbered frames; TX may take fewer (the rest are freed and not counted as sent)
        int n = pool.allocBulk(burst, 0, TX_PER_ROUND);
        for (int i = 0; i < n; i++) {
            Frames.fill(burst[i], PEER, MAC, txSent + i, 64);
        }
        int sent = fp.state() == PortState.STARTED ? fp.txBurst(0, burst, 0, n) : 0;
        pool.freeBulk(burst, sent, n - sent);
        txSent += sent;
        // the network: drains every wire, learns where the guest's MAC was seen last
        for (WirePair w : wires) {
            WirePort b = w.b();
            int got;
            while ((got = b.rxBurst(0, burst, 0, burst.length)) > 0) {
                for (int i = 0; i < got; i++) {
                    txArrived[Frames.seq(burst[i])]++;
                }
                pool.freeBulk(burst, 0, got);
                learned = w;
            }
        }
        // the network sends towards the guest where it learned the MAC
        if (learned != null) {
            n = pool.allocBulk(burst, 0, RX_PER_ROUND);
            for (int i = 0; i < n; i++) {
                Frames.fill(burst[i], MAC, PEER, rxSent + i, 64);
            }
            int in = learned.b().txBurst(0, burst, 0, n);
            pool.freeBulk(burst, in, n - in);
            rxSent += in;
        }
        // the control plane: registry events, the failover manager, the host-side sequence
        for (int i = 0; i < 100 && registry.doWork() + manager.doWork() + (seq == null ? 0 : seq.doWork()) > 0; i++) {
            // until idle
        }
        now.addAndGet(MS);
    }

    /** The guest receives everything waiting for it. */
    private void receiveAll() {
        int got;
        while ((got = fp.rxBurst(0, burst, 0, burst.length)) > 0) {
            for (int i = 0; i < got; i++) {
                rxArrived[Frames.seq(burst[i])]++;
            }
            pool.freeBulk(burst, 0, got);
        }
    }

    private void roundsUntil(BooleanSupplier condition, String what) {
        for (int r = 0; r < MAX_ROUNDS; r++) {
            if (condition.getAsBoolean()) {
                return;
            }
            round();
        }
        throw new AssertionError("not within " + MAX_ROUNDS + " rounds: " + what + "; migration events: "
                + migrationEvents + "; failover events: " + failoverEvents);
    }

    /** The guest: its failover port forms from the standby; the host's sequence plugs the VF once STANDBY is seen. */
    private WireVf guestOnSource(WireDevice sourceDevice) {
        WireVf vf0 = new WireVf("vf0", 1);
        seq = new MigrationSequence("vm0", new MigrationHost("source", sourceDevice, vf0), MigrationOptions.DEFAULT,
                now::get);
        seq.addListener(migrationEvents::add);
        manager.start();
        for (int i = 0; i < 100 && registry.doWork() + manager.doWork() > 0; i++) {
            // the standby forms the failover port
        }
        fp = manager.failoverPorts().getFirst();
        fp.configure(PortConfig.DEFAULT.withQueues(1, 1).withRingSize(1024));
        fp.start();
        seq.standbyNegotiated(); // the guest's virtio driver negotiated STANDBY: the host plugs the VF
        roundsUntil(() -> fp.active().orElse(null) == vf0.plugged && vf0.plugged != null && !fp.switching(),
                "the VF is plugged, paired and active");
        return vf0;
    }

    private void markRequest() {
        txAtRequest = txSent;
        rxAtRequest = rxSent;
    }

    private void assertFlowedDuringTheMigration() {
        assertTrue(txSent - txAtRequest > 0 && rxSent - rxAtRequest > 0, "traffic both ways while the sequence ran:"
                + " tx " + (txSent - txAtRequest) + ", rx " + (rxSent - rxAtRequest));
    }

    /** Lets traffic settle, then checks that nothing was lost or duplicated either way. */
    private void assertNothingLostOrDuplicated() {
        int before = txSent;
        for (int r = 0; r < 50; r++) {
            round();
        }
        assertTrue(txSent > before, "traffic kept flowing after the migration");
        receiveAll(); // the last round's frames towards the guest
        int txLost = 0;
        int txDup = 0;
        for (int s = 0; s < txSent; s++) {
            txLost += txArrived[s] == 0 ? 1 : 0;
            txDup += txArrived[s] > 1 ? 1 : 0;
        }
        int rxLost = 0;
        int rxDup = 0;
        for (int s = 0; s < rxSent; s++) {
            rxLost += rxArrived[s] == 0 ? 1 : 0;
            rxDup += rxArrived[s] > 1 ? 1 : 0;
        }
        assertTrue(txSent > 500 && rxSent > 250, "enough traffic: tx " + txSent + ", rx " + rxSent);
        assertEquals(0, txLost, "guest → network lost of " + txSent);
        assertEquals(0, txDup, "guest → network duplicated");
        assertEquals(0, rxLost, "network → guest lost of " + rxSent);
        assertEquals(0, rxDup, "network → guest duplicated");
        for (int s = rxSent; s < MAX_SEQ; s++) {
            assertEquals(0, rxArrived[s]);
        }
    }

    // ------------------------------------------------------------------ the paths

    @Test
    void aGracefulMigrationLosesNothingAndThePairReformsOnTheTarget() {
        WireDevice sourceDevice = new WireDevice(false);
        WireDevice targetDevice = new WireDevice(false);
        WireVf vf0 = guestOnSource(sourceDevice);
        WireVf vf1 = new WireVf("vf1", 2);
        WirePort firstVf0 = vf0.plugged;
        roundsUntil(() -> txSent > 300, "traffic on the VF");

        markRequest();
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(new MigrationHost("target", targetDevice,
                vf1));
        roundsUntil(outcome::isDone, "the migration finishes");
        assertFlowedDuringTheMigration();
        assertEquals(MigrationEventType.MIGRATION_COMPLETED, outcome.join().type(), "outcome: " + outcome.join());
        roundsUntil(() -> fp.active().orElse(null) == vf1.plugged && !fp.switching(),
                "the pair re-forms with the target's VF active");
        assertEquals(MigrationState.COMPLETED, seq.state());
        assertTrue(vf0.released);
        assertEquals(1, targetDevice.announces);
        assertEquals(firstVf0, retired.getFirst(), "the source VF left the guest");
        assertSame(vf1.plugged, fp.primary().orElseThrow());

        MigrationEvent unplugged = migrationEvents.stream().filter(e -> e.type() == MigrationEventType.VF_UNPLUGGED)
                .findFirst().orElseThrow();
        assertEquals("graceful", unplugged.get("reason"));
        assertTrue((Long) unplugged.get("wait_unplug_ns") >= FailoverOptions.DEFAULT_GRACEFUL_DRAIN_NANOS,
                "the guest drained the VF before it released it: " + unplugged);
        assertEquals("graceful", failoverEvents.stream().filter(e -> e.type() == FailoverEventType.PRIMARY_UNPLUGGED)
                .findFirst().orElseThrow().data().get("reason"), "the guest saw a graceful unplug");
        assertTrue(failoverEvents.stream().filter(e -> e.type() == FailoverEventType.PRIMARY_ATTACHED).count() >= 2,
                "the guest took the target's VF: " + failoverEvents);
        assertNothingLostOrDuplicated();
    }

    @Test
    void aFailedMigrationReplugsTheSameVfOnTheSourceAndLosesNothing() {
        WireVf vf0 = guestOnSource(new WireDevice(true));
        WireVf vf1 = new WireVf("vf1", 2);
        WirePort firstVf0 = vf0.plugged;
        roundsUntil(() -> txSent > 300, "traffic on the VF");

        markRequest();
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(new MigrationHost("target",
                new WireDevice(false), vf1));
        roundsUntil(outcome::isDone, "the migration finishes");
        assertFlowedDuringTheMigration();
        MigrationEvent failed = outcome.join();
        assertEquals(MigrationEventType.MIGRATION_FAILED, failed.type());
        assertEquals("the device transfer failed: java.lang.IllegalStateException: the target refused the rings",
                failed.get("reason"));
        roundsUntil(() -> fp.active().orElse(null) == vf0.plugged && !fp.switching(),
                "the guest takes the VF back on the source");
        assertEquals(MigrationState.FAILED, seq.state());
        assertEquals(2, vf0.plugs, "the same VF plugged again");
        assertFalse(vf0.released);
        assertNotSame(firstVf0, vf0.plugged, "a new hot-plug of it: a new port object");
        assertEquals(firstVf0.name(), vf0.plugged.name(), "with the same name and MAC");
        assertEquals(firstVf0.mac(), vf0.plugged.mac());
        assertEquals(0, vf1.plugs, "the target's VF was never plugged");
        assertNothingLostOrDuplicated();
    }

    @Test
    void aCancelWhileTheGuestDrainsGivesItTheVfBackAndLosesNothing() {
        WireVf vf0 = guestOnSource(new WireDevice(false));
        roundsUntil(() -> txSent > 300, "traffic on the VF");
        markRequest();
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(new MigrationHost("target",
                new WireDevice(false), new WireVf("vf1", 2)));
        round(); // the request goes out; the guest switches to the standby and drains the VF (10 ms)
        assertEquals(MigrationState.WAIT_UNPLUG, seq.state());
        seq.cancel();
        roundsUntil(outcome::isDone, "the roll-back");
        assertFlowedDuringTheMigration();
        assertEquals("cancelled", outcome.join().get("reason"));
        // the guest released the VF anyway (its drain cannot be stopped): the host re-plugs it and it comes back
        roundsUntil(() -> vf0.plugs == 2 && fp.active().orElse(null) == vf0.plugged && !fp.switching(),
                "the guest takes the VF back");
        assertEquals("re-offer", migrationEvents.stream().filter(e -> e.type() == MigrationEventType.REPLUGGED)
                .findFirst().orElseThrow().get("reason"));
        assertEquals(MigrationState.FAILOVER_NEGOTIATED, seq.state());
        assertNothingLostOrDuplicated();
    }

    @AfterEach
    void tearDown() {
        try {
            if (seq != null) {
                seq.close();
            }
            for (FailoverPort f : manager.failoverPorts()) {
                f.close();
            }
            for (int i = 0; i < 100 && registry.doWork() + manager.doWork() > 0; i++) {
                // closed failover ports leave the registry
            }
            manager.close();
            for (WirePort end : retired) {
                if (end.state() != PortState.CLOSED) {
                    end.close();
                }
            }
            for (WirePair w : wires) {
                for (WirePort end : new WirePort[] {w.a(), w.b()}) {
                    if (end != null && end.owner().isEmpty() && end.state() != PortState.CLOSED) {
                        end.close();
                    }
                }
            }
            registry.close();
            assertEquals(0, pool.inUse(), "every buffer back in the pool");
        } finally {
            pool.close();
        }
    }
}

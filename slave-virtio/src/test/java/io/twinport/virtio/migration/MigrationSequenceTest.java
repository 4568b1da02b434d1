package io.twinport.virtio.migration;

import io.twinport.port.RemovalReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.twinport.virtio.migration.MigrationState.COMPLETED;
import static io.twinport.virtio.migration.MigrationState.FAILED;
import static io.twinport.virtio.migration.MigrationState.FAILOVER_NEGOTIATED;
import static io.twinport.virtio.migration.MigrationState.MIGRATING;
import static io.twinport.virtio.migration.MigrationState.NONE;
import static io.twinport.virtio.migration.MigrationState.UNPLUG_REQUESTED;
import static io.twinport.virtio.migration.MigrationState.WAIT_UNPLUG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every path of the host-side migration sequence, with fake host operations ({@link FakeHost}) and a fake clock:
 * the test calls {@code doWork()} and moves time, nothing sleeps.
 */
class MigrationSequenceTest {
    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(5_000 * MS);
    private final List<String> log = new ArrayList<>();
    private final List<MigrationEvent> events = new CopyOnWriteArrayList<>();
    private final FakeHost.Vf vfA = new FakeHost.Vf("vfA", log);
    private final FakeHost.Vf vfB = new FakeHost.Vf("vfB", log);
    private final FakeHost.Vf vfC = new FakeHost.Vf("vfC", log);
    private final FakeHost.Device devA = new FakeHost.Device("devA", log);
    private final FakeHost.Device devB = new FakeHost.Device("devB", log);
    private final FakeHost.Device devC = new FakeHost.Device("devC", log);
    private final MigrationHost hostA = new MigrationHost("hostA", devA, vfA);
    private final MigrationHost hostB = new MigrationHost("hostB", devB, vfB);
    private final MigrationHost hostC = new MigrationHost("hostC", devC, vfC);

    private MigrationSequence sequence(MigrationOptions options) {
        MigrationSequence seq = new MigrationSequence("vm0", hostA, options, now::get);
        seq.addListener(events::add);
        return seq;
    }

    /** A sequence on hostA with the guest's STANDBY negotiated and vfA plugged; events and log cleared. */
    private MigrationSequence negotiated(MigrationOptions options) {
        MigrationSequence seq = sequence(options);
        seq.standbyNegotiated();
        run(seq);
        assertTrue(vfA.plugged);
        events.clear();
        log.clear();
        return seq;
    }

    /** Runs the duty cycle until it is idle (bounded). */
    private static int run(MigrationSequence seq) {
        int total = 0;
        for (int i = 0; i < 100; i++) {
            int w = seq.doWork();
            if (w == 0) {
                return total;
            }
            total += w;
        }
        throw new AssertionError("the sequence never went idle");
    }

    private void advanceMillis(long ms) {
        now.addAndGet(ms * MS);
    }

    private List<String> names() {
        return events.stream().map(e -> e.type() == MigrationEventType.MIGRATION
                ? "MIGRATION:" + e.get("status") : e.type().name()).toList();
    }

    private MigrationEvent only(MigrationEventType type) {
        List<MigrationEvent> found = events.stream().filter(e -> e.type() == type).toList();
        assertEquals(1, found.size(), type + " in " + events);
        return found.getFirst();
    }

    // ------------------------------------------------------------------ happy path

    @Test
    void theVfIsHiddenUntilTheGuestNegotiatesStandbyThenPlugged() {
        MigrationSequence seq = sequence(MigrationOptions.DEFAULT);
        assertEquals(0, run(seq), "nothing to do before STANDBY");
        assertEquals(NONE, seq.state());
        assertFalse(vfA.plugged, "hidden, as QEMU's failover=on keeps it");
        seq.standbyNegotiated();
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertTrue(vfA.plugged);
        assertTrue(seq.vfPlugged());
        assertEquals(List.of("MIGRATION:failover-negotiated", "VF_PLUGGED"), names());
        MigrationEvent plugged = only(MigrationEventType.VF_PLUGGED);
        assertEquals(Map.of("vm", "vm0", "vf", "vfA", "host", "hostA", "nano_time", now.get()), plugged.data());
    }

    @Test
    void happyPathUnplugsWaitsMigratesAnnouncesAndPlugsTheTargetsVf() throws Exception {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        long start = now.get();
        CompletableFuture<Void> transfer = new CompletableFuture<>();
        devA.nextTransfer = transfer;

        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(hostB);
        assertEquals(UNPLUG_REQUESTED, seq.state(), "the request is recorded at once");
        run(seq);
        assertEquals(WAIT_UNPLUG, seq.state());
        assertEquals(1, vfA.unplugRequests);
        assertTrue(vfA.plugged, "the host waits for the guest before it unplugs");

        advanceMillis(7);
        assertEquals(0, run(seq), "waiting: nothing to do");
        vfA.guestReleases();
        run(seq);
        assertEquals(MIGRATING, seq.state());
        assertFalse(vfA.plugged);
        assertFalse(vfA.released, "resources kept until the migration is over");
        assertEquals(List.of(RemovalReason.GRACEFUL), vfA.unplugs);

        advanceMillis(3);
        assertEquals(0, run(seq), "the device's state is on its way");
        assertFalse(outcome.isDone());
        transfer.complete(null);
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertSame(hostB, seq.host());
        assertSame(vfB, seq.vf().orElseThrow());
        assertTrue(vfB.plugged);
        assertTrue(vfA.released, "the source's VF goes back to the source host");
        assertEquals(1, devB.announces, "the guest is told to announce itself through the target's device");
        assertEquals(0, devA.announces);

        assertEquals(List.of("vfA.requestUnplug", "vfA.unplug(GRACEFUL)", "devA.migrateTo(devB)",
                "devB.requestAnnounce", "vfA.release", "vfB.plug"), log);
        assertEquals(List.of("MIGRATION:unplug-requested", "UNPLUG_PRIMARY", "MIGRATION:wait-unplug", "WAIT_UNPLUG",
                "VF_UNPLUGGED", "MIGRATION:migrating", "REPLUGGED", "MIGRATION:completed", "MIGRATION_COMPLETED"),
                names());

        assertEquals(Map.of("vm", "vm0", "vf", "vfA", "host", "hostA", "target", "hostB", "nano_time", start),
                only(MigrationEventType.UNPLUG_PRIMARY).data());
        assertEquals(MigrationOptions.DEFAULT_UNPLUG_TIMEOUT_NANOS, only(MigrationEventType.WAIT_UNPLUG)
                .get("timeout_ns"));
        MigrationEvent unplugged = only(MigrationEventType.VF_UNPLUGGED);
        assertEquals("graceful", unplugged.get("reason"));
        assertEquals(7 * MS, unplugged.get("wait_unplug_ns"), "time in WAIT_UNPLUG, on the fake clock");
        MigrationEvent replugged = only(MigrationEventType.REPLUGGED);
        assertEquals("vfB", replugged.get("vf"));
        assertEquals("hostB", replugged.get("host"));
        assertEquals("migrated", replugged.get("reason"));
        assertEquals(3 * MS, replugged.get("virtio_only_ns"), "from the unplug to the target's plug");
        MigrationEvent done = only(MigrationEventType.MIGRATION_COMPLETED);
        assertEquals(List.of("vm", "source", "target", "vf", "wait_unplug_ns", "transfer_ns", "total_ns",
                "virtio_only_ns", "announce", "nano_time"), List.copyOf(done.data().keySet()));
        assertEquals("hostA", done.get("source"));
        assertEquals("hostB", done.get("target"));
        assertEquals("vfB", done.get("vf"));
        assertEquals(7 * MS, done.get("wait_unplug_ns"));
        assertEquals(3 * MS, done.get("transfer_ns"));
        assertEquals(10 * MS, done.get("total_ns"));
        assertEquals(3 * MS, done.get("virtio_only_ns"));
        assertEquals("requested", done.get("announce"));
        assertEquals(start + 10 * MS, done.nanoTime());
        assertSame(done, outcome.get(0, TimeUnit.SECONDS), "the outcome is the last event");
    }

    // ------------------------------------------------------------------ the guest does not answer

    @Test
    void unplugTimeoutRollsBackWithTheSameVfStillPlugged() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT.withUnplugTimeoutNanos(100 * MS));
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(hostB);
        run(seq);
        advanceMillis(99);
        assertEquals(0, run(seq));
        assertEquals(WAIT_UNPLUG, seq.state(), "not before the timeout");
        advanceMillis(1);
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertEquals(1, vfA.cancels, "the request is withdrawn");
        assertTrue(vfA.plugged, "never unplugged: the guest keeps it");
        assertFalse(vfA.released);
        assertSame(vfA, seq.vf().orElseThrow());
        assertSame(hostA, seq.host());
        assertEquals(List.of("vfA.requestUnplug", "vfA.cancelUnplugRequest"), log);
        assertEquals(List.of("MIGRATION:unplug-requested", "UNPLUG_PRIMARY", "MIGRATION:wait-unplug", "WAIT_UNPLUG",
                "MIGRATION:failover-negotiated", "MIGRATION_FAILED"), names());
        MigrationEvent failed = only(MigrationEventType.MIGRATION_FAILED);
        assertEquals("wait-unplug", failed.get("failed_in"));
        assertEquals("the guest did not release VF vfA within 100ms", failed.get("reason"));
        assertEquals(100 * MS, failed.get("wait_unplug_ns"));
        assertEquals("failover-negotiated", failed.get("state"));
        assertSame(failed, outcome.getNow(null));
        assertEquals(0, devA.announces + devB.announces);
        assertTrue(log.stream().noneMatch(s -> s.contains("migrateTo")), "the device never moved");
    }

    @Test
    void aLateAnswerAfterTheRollBackGivesTheGuestTheSameVfBack() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT.withUnplugTimeoutNanos(100 * MS));
        seq.requestMigration(hostB);
        run(seq);
        advanceMillis(100);
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        events.clear();
        log.clear();
        advanceMillis(4);
        vfA.guestReleases(); // the guest let the VF go after all: it no longer uses it
        run(seq);
        assertEquals(List.of("vfA.unplug(GRACEFUL)", "vfA.plug"), log, "unplugged and plugged again");
        assertEquals(2, vfA.plugs, "the same instance, plugged again");
        MigrationEvent replugged = only(MigrationEventType.REPLUGGED);
        assertEquals("re-offer", replugged.get("reason"));
        assertEquals(0L, replugged.get("virtio_only_ns"));
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertTrue(seq.vfPlugged());
        vfA.guestReleases(); // a second answer to the same request changes nothing
        assertEquals(0, run(seq));
    }

    @Test
    void unplugTimeoutWithForceUnplugsBySurpriseAndMigrates() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT.withUnplugTimeoutNanos(50 * MS)
                .withOnUnplugTimeout(UnplugTimeoutAction.FORCE_UNPLUG));
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(hostB);
        run(seq);
        advanceMillis(50);
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertEquals(List.of(RemovalReason.SURPRISE), vfA.unplugs);
        assertEquals(0, vfA.cancels);
        MigrationEvent unplugged = only(MigrationEventType.VF_UNPLUGGED);
        assertEquals("surprise", unplugged.get("reason"));
        assertEquals(50 * MS, unplugged.get("wait_unplug_ns"));
        assertEquals(MigrationEventType.MIGRATION_COMPLETED, outcome.getNow(null).type());
        assertTrue(vfB.plugged);
        assertTrue(vfA.released);
        vfA.guestReleases(); // the guest's answer arrives after all: harmless
        assertEquals(0, run(seq));
        assertTrue(vfB.plugged);
    }

    @Test
    void noTimeoutWaitsForEverAsQemuDoes() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT.withUnplugTimeoutNanos(0));
        seq.requestMigration(hostB);
        run(seq);
        advanceMillis(TimeUnit.HOURS.toMillis(10));
        assertEquals(0, run(seq));
        assertEquals(WAIT_UNPLUG, seq.state());
        assertEquals(0L, only(MigrationEventType.WAIT_UNPLUG).get("timeout_ns"));
    }

    // ------------------------------------------------------------------ cancel

    @Test
    void cancelInWaitUnplugWithdrawsTheRequestAndRollsBack() throws Exception {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(hostB);
        run(seq);
        advanceMillis(12);
        assertSame(outcome, seq.cancel());
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertEquals(1, vfA.cancels);
        assertTrue(vfA.plugged);
        MigrationEvent failed = outcome.get(0, TimeUnit.SECONDS);
        assertEquals(MigrationEventType.MIGRATION_FAILED, failed.type());
        assertEquals("cancelled", failed.get("reason"));
        assertEquals("wait-unplug", failed.get("failed_in"));
        assertEquals(12 * MS, failed.get("wait_unplug_ns"));
        seq.requestMigration(hostB); // may start again at once
        run(seq);
        assertEquals(WAIT_UNPLUG, seq.state());
        assertEquals(2, vfA.unplugRequests);
    }

    @Test
    void cancelBeforeTheRequestWentOutSendsNothing() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        seq.requestMigration(hostB);
        seq.cancel();
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertEquals(List.of(), log, "no request, so nothing to withdraw");
        assertEquals("unplug-requested", only(MigrationEventType.MIGRATION_FAILED).get("failed_in"));
    }

    @Test
    void cancelAfterTheGuestAlreadyReleasedGivesTheVfBack() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        seq.cancel(); // both before the control thread looks: the cancel wins
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertEquals(List.of("vfA.requestUnplug", "vfA.cancelUnplugRequest", "vfA.unplug(GRACEFUL)", "vfA.plug"),
                log, "the guest had let it go: unplugged and plugged again");
        assertEquals("re-offer", only(MigrationEventType.REPLUGGED).get("reason"));
        assertTrue(vfA.plugged);
    }

    // ------------------------------------------------------------------ failure after the unplug

    @Test
    void aFailedTransferReplugsTheSameVfOnTheSource() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        devA.nextTransfer = CompletableFuture.failedFuture(new java.io.IOException("target device went away"));
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(hostB);
        run(seq);
        advanceMillis(2);
        vfA.guestReleases();
        run(seq);
        assertEquals(FAILED, seq.state());
        assertSame(hostA, seq.host());
        assertSame(vfA, seq.vf().orElseThrow(), "the same VF instance");
        assertTrue(vfA.plugged);
        assertEquals(2, vfA.plugs, "plugged again: its resources were kept");
        assertFalse(vfA.released);
        assertFalse(vfB.plugged, "the target's VF is never touched");
        assertEquals(0, devB.announces);
        assertEquals(List.of("vfA.requestUnplug", "vfA.unplug(GRACEFUL)", "devA.migrateTo(devB)", "vfA.plug"), log);
        assertEquals(List.of("MIGRATION:unplug-requested", "UNPLUG_PRIMARY", "MIGRATION:wait-unplug", "WAIT_UNPLUG",
                "VF_UNPLUGGED", "MIGRATION:migrating", "REPLUGGED", "MIGRATION:failed", "MIGRATION_FAILED"), names());
        MigrationEvent replugged = only(MigrationEventType.REPLUGGED);
        assertEquals("roll-back", replugged.get("reason"));
        assertEquals("hostA", replugged.get("host"));
        assertEquals(0L, replugged.get("virtio_only_ns"));
        MigrationEvent failed = outcome.getNow(null);
        assertEquals(MigrationEventType.MIGRATION_FAILED, failed.type());
        assertEquals("migrating", failed.get("failed_in"));
        assertEquals("the device transfer failed: java.io.IOException: target device went away", failed.get("reason"));
        assertEquals("failed", failed.get("state"));
        assertEquals(2 * MS, failed.get("wait_unplug_ns"));
    }

    @Test
    void aTransferThatCannotStartFailsTheSameWay() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        devA.failMigrateTo = new IllegalStateException("no vhost-user connection on the target");
        seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        run(seq);
        assertEquals(FAILED, seq.state());
        assertTrue(vfA.plugged);
        assertEquals("the device transfer failed: java.lang.IllegalStateException: no vhost-user connection on the"
                + " target", only(MigrationEventType.MIGRATION_FAILED).get("reason"));
    }

    @Test
    void aTransferOverItsTimeoutIsCancelledAndTheVfReplugged() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT.withTransferTimeoutNanos(200 * MS));
        CompletableFuture<Void> transfer = new CompletableFuture<>();
        devA.nextTransfer = transfer;
        seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        run(seq);
        advanceMillis(199);
        assertEquals(0, run(seq));
        advanceMillis(1);
        run(seq);
        assertTrue(transfer.isCancelled(), "the device is told to stop");
        assertEquals(FAILED, seq.state());
        assertTrue(vfA.plugged);
        assertEquals("the device transfer did not finish within 200ms",
                only(MigrationEventType.MIGRATION_FAILED).get("reason"));
        assertEquals(200 * MS, only(MigrationEventType.REPLUGGED).get("virtio_only_ns"));
    }

    // ------------------------------------------------------------------ targets and hosts

    @Test
    void aTargetWithoutVfCompletesOnVirtioAndTakesAVfThatAppearsLater() {
        FakeHost.Vf late = new FakeHost.Vf("vfLate", log);
        MigrationHost bare = MigrationHost.withoutVf("hostB", devB);
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        seq.requestMigration(bare);
        run(seq);
        vfA.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertTrue(seq.vf().isEmpty());
        assertFalse(seq.vfPlugged());
        assertTrue(vfA.released);
        MigrationEvent done = only(MigrationEventType.MIGRATION_COMPLETED);
        assertNull(done.get("vf"));
        assertTrue(done.data().containsKey("virtio_only_ns"));
        assertNull(done.get("virtio_only_ns"), "still on virtio only");
        assertTrue(events.stream().noneMatch(e -> e.type() == MigrationEventType.REPLUGGED));
        assertEquals(1, devB.announces);

        advanceMillis(250);
        seq.plugVf(late);
        run(seq);
        assertTrue(late.plugged);
        assertTrue(seq.vfPlugged());
        MigrationEvent replugged = only(MigrationEventType.REPLUGGED);
        assertEquals("vfLate", replugged.get("vf"));
        assertEquals("hostB", replugged.get("host"));
        assertEquals("vf-appeared", replugged.get("reason"));
        assertEquals(250 * MS, replugged.get("virtio_only_ns"), "the whole time on virtio only");
        assertEquals(COMPLETED, seq.state());
    }

    @Test
    void aSourceWithoutVfMigratesWithoutAnUnplug() {
        MigrationSequence seq = new MigrationSequence("vm0", MigrationHost.withoutVf("hostA", devA),
                MigrationOptions.DEFAULT, now::get);
        seq.addListener(events::add);
        seq.standbyNegotiated();
        seq.requestMigration(hostB);
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertEquals(List.of("devA.migrateTo(devB)", "devB.requestAnnounce", "vfB.plug"), log);
        assertEquals(List.of("MIGRATION:failover-negotiated", "MIGRATION:unplug-requested", "MIGRATION:migrating",
                "VF_PLUGGED", "MIGRATION:completed", "MIGRATION_COMPLETED"), names());
        assertNull(only(MigrationEventType.MIGRATION_COMPLETED).get("virtio_only_ns"), "it never had a VF to lose");
    }

    @Test
    void twoMigrationsInARowGoOnFromTheTarget() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        log.clear();
        events.clear();

        CompletableFuture<MigrationEvent> second = seq.requestMigration(hostC);
        run(seq);
        assertEquals(1, vfB.unplugRequests, "the request goes to the VF of the host it runs on now");
        vfB.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertSame(hostC, seq.host());
        assertEquals(List.of("vfB.requestUnplug", "vfB.unplug(GRACEFUL)", "devB.migrateTo(devC)",
                "devC.requestAnnounce", "vfB.release", "vfC.plug"), log);
        MigrationEvent done = second.getNow(null);
        assertEquals("hostB", done.get("source"));
        assertEquals("hostC", done.get("target"));
        assertEquals(2L, seq.status().get("completed"));

        // and back to the first host, which has a new VF for the VM by now
        FakeHost.Vf vfA2 = new FakeHost.Vf("vfA2", log);
        seq.requestMigration(new MigrationHost("hostA", devA, vfA2));
        run(seq);
        vfC.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertTrue(vfA2.plugged);
        assertTrue(vfC.released);
    }

    @Test
    void aSecondMigrationAfterAFailureStartsFromTheSource() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        devA.nextTransfer = CompletableFuture.failedFuture(new IllegalStateException("refused"));
        seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        run(seq);
        assertEquals(FAILED, seq.state());
        devA.nextTransfer = CompletableFuture.completedFuture(null);
        seq.requestMigration(hostB);
        run(seq);
        assertEquals(2, vfA.unplugRequests, "the re-plugged VF is asked again");
        vfA.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertTrue(vfB.plugged);
        assertTrue(vfA.released);
        Map<String, Object> st = seq.status();
        assertEquals(1L, st.get("completed"));
        assertEquals(1L, st.get("failed"));
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void requestsInTheWrongStateAreRefusedNamingTheStateAndWhatWasExpected() {
        MigrationSequence seq = sequence(MigrationOptions.DEFAULT);
        var e = assertThrows(MigrationStateException.class, () -> seq.requestMigration(hostB));
        assertEquals("migration of vm0: cannot request a migration in state NONE; expected one of"
                + " FAILOVER_NEGOTIATED, COMPLETED, FAILED", e.getMessage());
        assertEquals(NONE, e.state());
        e = assertThrows(MigrationStateException.class, seq::cancel);
        assertEquals("migration of vm0: cannot cancel a migration in state NONE; expected one of UNPLUG_REQUESTED,"
                + " WAIT_UNPLUG", e.getMessage());
        seq.standbyNegotiated();
        e = assertThrows(MigrationStateException.class, seq::standbyNegotiated);
        assertEquals("migration of vm0: cannot take the guest's STANDBY negotiation in state FAILOVER_NEGOTIATED;"
                + " expected NONE", e.getMessage());
        run(seq);
        var same = assertThrows(IllegalArgumentException.class, () -> seq.requestMigration(
                new MigrationHost("hostA", devB, vfB)));
        assertEquals("migration of vm0: the target hostA is the host the VM runs on", same.getMessage());

        seq.requestMigration(hostB);
        e = assertThrows(MigrationStateException.class, () -> seq.requestMigration(hostC));
        assertEquals(UNPLUG_REQUESTED, e.state());
        run(seq);
        e = assertThrows(MigrationStateException.class, () -> seq.requestMigration(hostC));
        assertEquals("migration of vm0: cannot request a migration in state WAIT_UNPLUG; expected one of"
                + " FAILOVER_NEGOTIATED, COMPLETED, FAILED", e.getMessage());
        e = assertThrows(MigrationStateException.class, () -> seq.plugVf(vfC));
        assertEquals("migration of vm0: cannot plug a VF in state WAIT_UNPLUG; expected one of NONE,"
                + " FAILOVER_NEGOTIATED, COMPLETED, FAILED", e.getMessage());

        devA.nextTransfer = new CompletableFuture<>();
        vfA.guestReleases();
        run(seq);
        assertEquals(MIGRATING, seq.state());
        e = assertThrows(MigrationStateException.class, seq::cancel);
        assertEquals("migration of vm0: cannot cancel a migration in state MIGRATING; expected one of"
                + " UNPLUG_REQUESTED, WAIT_UNPLUG", e.getMessage());
        devA.lastTransfer.complete(null);
        run(seq);
        assertEquals(COMPLETED, seq.state());

        var plugged = assertThrows(IllegalStateException.class, () -> seq.plugVf(vfB));
        assertEquals("migration of vm0: VF vfB is already plugged on hostB", plugged.getMessage());
        var other = assertThrows(IllegalStateException.class, () -> seq.plugVf(vfC));
        assertEquals("migration of vm0: host hostB already has VF vfB for the VM (plugged); cannot add vfC",
                other.getMessage());
        assertEquals(COMPLETED, seq.state(), "refusals change nothing");
    }

    // ------------------------------------------------------------------ host operations that fail

    @Test
    void anUnplugRequestThatThrowsRollsBack() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        vfA.failRequest = new IllegalStateException("the guest's hot-plug slot is busy");
        CompletableFuture<MigrationEvent> outcome = seq.requestMigration(hostB);
        run(seq);
        assertEquals(FAILOVER_NEGOTIATED, seq.state());
        assertEquals("the unplug request for VF vfA failed: java.lang.IllegalStateException: the guest's hot-plug"
                + " slot is busy", outcome.getNow(null).get("reason"));
        assertEquals(0, vfA.cancels, "nothing went out, nothing to withdraw");
        assertTrue(vfA.plugged);
    }

    @Test
    void aPlugThatFailsIsReportedAndCanBeTriedAgain() {
        MigrationSequence seq = sequence(MigrationOptions.DEFAULT);
        vfA.failPlug = new IllegalStateException("IOMMU group busy");
        seq.standbyNegotiated();
        run(seq);
        assertFalse(vfA.plugged);
        MigrationEvent failed = only(MigrationEventType.VF_OP_FAILED);
        assertEquals("plug", failed.get("op"));
        assertEquals("vfA", failed.get("vf"));
        assertEquals("java.lang.IllegalStateException: IOMMU group busy", failed.get("error"));
        assertEquals(0, run(seq), "not retried in a loop");
        vfA.failPlug = null;
        seq.plugVf(vfA);
        run(seq);
        assertTrue(vfA.plugged);
        assertTrue(seq.vfPlugged());
    }

    @Test
    void aFailedTargetPlugStillCompletesOnVirtio() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        vfB.failPlug = new IllegalStateException("no free VF");
        seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertFalse(seq.vfPlugged());
        assertEquals("plug", only(MigrationEventType.VF_OP_FAILED).get("op"));
        assertNull(only(MigrationEventType.MIGRATION_COMPLETED).get("vf"));
        vfB.failPlug = null;
        seq.plugVf(vfB);
        run(seq);
        assertTrue(vfB.plugged);
        assertEquals("vf-appeared", only(MigrationEventType.REPLUGGED).get("reason"));
    }

    // ------------------------------------------------------------------ listeners, status, thread

    @Test
    void listenerExceptionsDoNotBreakTheSequenceOrOtherListeners() {
        MigrationSequence seq = sequence(MigrationOptions.DEFAULT);
        List<MigrationEvent> after = new ArrayList<>();
        seq.addListener(e -> {
            throw new IllegalStateException("a broken listener");
        });
        seq.addListener(after::add);
        seq.standbyNegotiated();
        CompletableFuture<MigrationEvent> outcome;
        run(seq);
        outcome = seq.requestMigration(hostB);
        run(seq);
        vfA.guestReleases();
        run(seq);
        assertEquals(COMPLETED, seq.state());
        assertEquals(events, after, "every listener heard every event");
        assertEquals(MigrationEventType.MIGRATION_COMPLETED, outcome.getNow(null).type());
    }

    @Test
    void listenersHearEventsOnTheThreadThatRunsDoWork() {
        MigrationSequence seq = sequence(MigrationOptions.DEFAULT);
        List<Thread> threads = new ArrayList<>();
        seq.addListener(e -> threads.add(Thread.currentThread()));
        seq.standbyNegotiated();
        assertTrue(threads.isEmpty(), "not on the requesting call");
        run(seq);
        assertFalse(threads.isEmpty());
        assertTrue(threads.stream().allMatch(t -> t == Thread.currentThread()));
    }

    @Test
    void statusShowsWhereTheSequenceIs() {
        MigrationSequence seq = negotiated(MigrationOptions.DEFAULT);
        advanceMillis(3);
        Map<String, Object> st = seq.status();
        assertEquals(List.of("vm", "state", "state_ns", "host", "vf", "vf_plugged", "target", "completed", "failed",
                "last"), List.copyOf(st.keySet()));
        assertEquals("failover-negotiated", st.get("state"));
        assertEquals(3 * MS, st.get("state_ns"));
        assertEquals("hostA", st.get("host"));
        assertEquals("vfA", st.get("vf"));
        assertEquals(true, st.get("vf_plugged"));
        assertNull(st.get("target"));
        assertNull(st.get("last"));
        seq.requestMigration(hostB);
        run(seq);
        st = seq.status();
        assertEquals("wait-unplug", st.get("state"));
        assertEquals("hostB", st.get("target"));
        seq.cancel();
        run(seq);
        @SuppressWarnings("unchecked")
        Map<String, Object> lastOutcome = (Map<String, Object>) seq.status().get("last");
        assertEquals("MIGRATION_FAILED", lastOutcome.get("event"));
        assertEquals("cancelled", lastOutcome.get("reason"));
        assertEquals("hostB", lastOutcome.get("target"));
    }

    @Test
    void optionsAreCheckedOnce() {
        var e = assertThrows(IllegalArgumentException.class, () -> MigrationOptions.DEFAULT
                .withUnplugTimeoutNanos(-1));
        assertEquals("migration: unplug timeout -1 ns must be >= 0 (0: wait for ever)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MigrationOptions.DEFAULT.withTransferTimeoutNanos(-5));
        assertEquals("migration: transfer timeout -5 ns must be >= 0 (0: wait for ever)", e.getMessage());
        assertEquals(TimeUnit.SECONDS.toNanos(30), MigrationOptions.DEFAULT.unplugTimeoutNanos());
        assertEquals(UnplugTimeoutAction.ROLL_BACK, MigrationOptions.DEFAULT.onUnplugTimeout());
        assertEquals(TimeUnit.SECONDS.toNanos(60), MigrationOptions.DEFAULT.transferTimeoutNanos());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void onItsOwnControlThreadAnAnswerFromAnotherThreadCompletesTheMigration() throws Exception {
        List<String> shared = new CopyOnWriteArrayList<>();
        FakeHost.Vf a = new FakeHost.Vf("vfA", shared);
        FakeHost.Vf b = new FakeHost.Vf("vfB", shared);
        MigrationSequence seq = new MigrationSequence("vm0", new MigrationHost("hostA",
                new FakeHost.Device("devA", shared), a), MigrationOptions.DEFAULT, System::nanoTime);
        List<Thread> listenerThreads = new CopyOnWriteArrayList<>();
        seq.addListener(e -> listenerThreads.add(Thread.currentThread()));
        Thread control = seq.startControlThread("migration-test-control");
        try {
            assertThrows(IllegalStateException.class, () -> seq.startControlThread("again"));
            seq.standbyNegotiated();
            awaitTrue(seq::vfPlugged, "the control thread plugs the VF");
            CompletableFuture<MigrationEvent> outcome = seq.requestMigration(new MigrationHost("hostB",
                    new FakeHost.Device("devB", shared), b));
            awaitTrue(() -> shared.contains("vfA.requestUnplug"), "the unplug request goes out");
            Thread guest = Thread.ofPlatform().start(a::guestReleases);
            guest.join(5_000);
            MigrationEvent done = outcome.get(10, TimeUnit.SECONDS);
            assertEquals(MigrationEventType.MIGRATION_COMPLETED, done.type());
            assertEquals(COMPLETED, seq.state());
            assertTrue(listenerThreads.stream().allMatch(t -> t == control), "listeners on the control thread");
        } finally {
            seq.close();
        }
        assertFalse(control.isAlive());
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }
}

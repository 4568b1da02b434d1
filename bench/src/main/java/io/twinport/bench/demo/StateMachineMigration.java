package io.twinport.bench.demo;

import io.twinport.port.RemovalReason;
import io.twinport.virtio.migration.HostDevice;
import io.twinport.virtio.migration.HostVf;
import io.twinport.virtio.migration.MigrationEvent;
import io.twinport.virtio.migration.MigrationEventType;
import io.twinport.virtio.migration.MigrationHost;
import io.twinport.virtio.migration.MigrationOptions;
import io.twinport.virtio.migration.MigrationSequence;
import io.twinport.virtio.migration.PrimaryReleased;
import io.twinport.virtio.migration.UnplugTimeoutAction;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's hosts driven by slave-virtio's host-side state machine ({@link MigrationSequence}): the demo's
 * {@link HostOperations} become its {@link HostVf} and {@link HostDevice}, its events go to the timeline as they
 * are ({@code MIGRATION}, {@code VF_PLUGGED}, {@code UNPLUG_PRIMARY}, {@code WAIT_UNPLUG}, {@code VF_UNPLUGGED},
 * {@code MIGRATION_COMPLETED}, {@code REPLUGGED}, ...), and it runs on its own control thread.
 *
 * <p>A surprise removal is the state machine's forced unplug: the unplug request never reaches the guest, and after
 * a 1 ms unplug timeout ({@link UnplugTimeoutAction#FORCE_UNPLUG}) the VF is pulled from under it. The transfer (the
 * pre-copy phase, then the virtio hand-over) runs on a thread of its own, since {@link HostDevice#migrateTo} must not
 * block.
 */
public final class StateMachineMigration implements HostMigration, AutoCloseable {
    /** The unplug timeout of a {@code --surprise} run: the guest is given no time. */
    static final long SURPRISE_UNPLUG_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long OUTCOME_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final HostOperations ops;
    private final Host source;
    private final Host target;
    private final boolean surprise;
    private final MigrationSequence sequence;
    private final MigrationHost targetHost;
    private final AutoCloseable listening;

    /**
     * @param ops                what the hosts do
     * @param source             where the guest runs first
     * @param target             where it goes
     * @param surprise           pull the VF without asking the guest
     * @param unplugTimeoutNanos how long WAIT_UNPLUG waits for the guest (graceful)
     * @param sink               where events go
     */
    public StateMachineMigration(HostOperations ops, Host source, Host target, boolean surprise,
                                 long unplugTimeoutNanos, EventSink sink) {
        this.ops = ops;
        this.source = source;
        this.target = target;
        this.surprise = surprise;
        MigrationOptions options = surprise
                ? MigrationOptions.DEFAULT.withUnplugTimeoutNanos(SURPRISE_UNPLUG_TIMEOUT_NANOS)
                        .withOnUnplugTimeout(UnplugTimeoutAction.FORCE_UNPLUG)
                : MigrationOptions.DEFAULT.withUnplugTimeoutNanos(unplugTimeoutNanos)
                        .withOnUnplugTimeout(UnplugTimeoutAction.FORCE_UNPLUG);
        // System.nanoTime: the events' times are on the timeline's clock
        this.sequence = new MigrationSequence("guest", new MigrationHost(source.name(), new Device(source),
                new Vf(source)), options, System::nanoTime);
        this.targetHost = new MigrationHost(target.name(), new Device(target), new Vf(target));
        this.listening = sequence.addListener(e -> {
            if (surprise && e.type() == MigrationEventType.UNPLUG_PRIMARY) {
                java.util.Map<String, Object> data = new java.util.LinkedHashMap<>(e.data());
                data.put("guest_told", false); // --surprise: the request is not passed on
                sink.onEvent(e.nanoTime(), e.type().wireName(), data);
            } else {
                sink.onEvent(e.nanoTime(), e.type().wireName(), e.data());
            }
        });
    }

    @Override
    public void start(long timeoutNanos) throws InterruptedException {
        sequence.startControlThread("demo-host-migration");
        long deadline = System.nanoTime() + timeoutNanos;
        while (!ops.standbyNegotiated(source)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the guest did not negotiate STANDBY with the " + source.name()
                        + "'s virtio device within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            Thread.sleep(1);
        }
        sequence.standbyNegotiated(); // the control thread plugs the source's VF
    }

    @Override
    public Outcome migrate(boolean pullVf) throws InterruptedException {
        if (pullVf != surprise) {
            throw new IllegalArgumentException("this sequence was made for a " + (surprise ? "surprise" : "graceful")
                    + " unplug");
        }
        CompletableFuture<MigrationEvent> outcome = sequence.requestMigration(targetHost);
        try {
            MigrationEvent last = outcome.get(OUTCOME_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
            return last.type() == MigrationEventType.MIGRATION_COMPLETED ? Outcome.COMPLETED : Outcome.FAILED;
        } catch (ExecutionException | TimeoutException e) {
            return Outcome.FAILED;
        }
    }

    /** Stops the state machine's control thread. */
    @Override
    public void close() {
        try {
            listening.close();
        } catch (Exception e) {
            // a listener handle does not fail
        }
        sequence.close();
    }

    /** A host's VF as the state machine sees it. */
    private final class Vf implements HostVf {
        private final Host host;

        Vf(Host host) {
            this.host = host;
        }

        @Override
        public String name() {
            return host.vf().guestPortName();
        }

        @Override
        public void plug() {
            ops.plugVf(host);
        }

        @Override
        public void requestUnplug(PrimaryReleased released) {
            if (surprise) {
                return; // the guest is never asked: the unplug timeout forces the unplug
            }
            ops.requestUnplug(host).thenRun(released::onPrimaryReleased);
        }

        @Override
        public void cancelUnplugRequest() {
            // the guest's FailoverManager has no way to take a prepareUnplug back; the state machine re-plugs the VF
            // if the guest releases it after a withdrawal
        }

        @Override
        public void unplug(RemovalReason reason) {
            ops.unplugVf(host, reason);
        }

        @Override
        public void release() {
            // the demo closes its VFs at the end
        }
    }

    /** A host's virtio device as the state machine sees it. */
    private final class Device implements HostDevice {
        private final Host host;

        Device(Host host) {
            this.host = host;
        }

        @Override
        public CompletableFuture<Void> migrateTo(HostDevice to) {
            Host next = ((Device) to).host;
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread.ofPlatform().name("demo-transfer").daemon(true).start(() -> {
                try {
                    ops.transfer(host, next);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            return done;
        }

        @Override
        public void requestAnnounce() {
            ops.announce(host);
        }
    }
}

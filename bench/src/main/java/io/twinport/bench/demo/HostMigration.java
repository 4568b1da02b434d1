package io.twinport.bench.demo;

import java.util.Map;

/**
 * The host-side migration sequence as the demo drives it: NONE, FAILOVER_NEGOTIATED (the source's VF is plugged),
 * then a migration: UNPLUG_REQUESTED, WAIT_UNPLUG, MIGRATING, COMPLETED or FAILED. It calls {@link HostOperations}
 * and reports every step to an {@link EventSink}.
 *
 * <p>{@link StateMachineMigration} drives slave-virtio's host-side state machine
 * ({@code io.twinport.virtio.migration.MigrationSequence}) with the demo's {@link HostOperations}.
 */
public interface HostMigration extends AutoCloseable {
    /** Where the events go (the demo's timeline). */
    @FunctionalInterface
    interface EventSink {
        /**
         * @param nanoTime when it happened, on {@code System.nanoTime()}'s clock
         * @param type     the event's name ({@code MIGRATION}, {@code VF_PLUGGED}, {@code UNPLUG_PRIMARY},
         *             {@code WAIT_UNPLUG}, {@code VF_UNPLUGGED}, {@code MIGRATION_COMPLETED},
         *             {@code MIGRATION_FAILED}, {@code REPLUGGED}: the names of the migration sequence's events)
         * @param data     details, insertion-ordered
         */
        void onEvent(long nanoTime, String type, Map<String, Object> data);
    }

    /** How a migration ended. */
    enum Outcome {
        /** The guest runs on the target. */
        COMPLETED,
        /** The guest still runs on the source (its VF re-plugged). */
        FAILED
    }

    /**
     * Waits until the guest negotiated STANDBY with the source's device (FAILOVER_NEGOTIATED), then plugs the
     * source's VF.
     *
     * @param timeoutNanos how long to wait
     * @throws IllegalStateException if the guest did not negotiate STANDBY in time
     * @throws InterruptedException  if interrupted
     */
    void start(long timeoutNanos) throws InterruptedException;

    /**
     * Runs one migration from the source to the target, to its end.
     *
     * @param surprise true: unplug the VF without warning the guest; false: ask the guest first and wait
     * @return the outcome
     * @throws InterruptedException if interrupted
     */
    Outcome migrate(boolean surprise) throws InterruptedException;

    /** Stops whatever runs the sequence. */
    @Override
    void close();
}

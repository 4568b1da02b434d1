package io.twinport.virtio.migration;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How a migration sequence behaves, each value with its default, checked once here.
 *
 * @param unplugTimeoutNanos   how long WAIT_UNPLUG waits for the guest to release the VF; 0 waits for ever (QEMU's
 *                             behaviour)
 * @param onUnplugTimeout      what happens then
 * @param transferTimeoutNanos how long MIGRATING waits for the virtio device's state to reach the target before the
 *                             migration fails (the transfer is cancelled, the VF re-plugged on the source); 0 waits
 *                             for ever
 */
public record MigrationOptions(long unplugTimeoutNanos, UnplugTimeoutAction onUnplugTimeout,
                               long transferTimeoutNanos) {
    /** Default {@link #unplugTimeoutNanos()}: 30 s (a Linux guest's PCIe hot-unplug alone waits 5 s). */
    public static final long DEFAULT_UNPLUG_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Default {@link #onUnplugTimeout()}: roll back. */
    public static final UnplugTimeoutAction DEFAULT_ON_UNPLUG_TIMEOUT = UnplugTimeoutAction.ROLL_BACK;
    /** Default {@link #transferTimeoutNanos()}: 60 s. */
    public static final long DEFAULT_TRANSFER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** The defaults. */
    public static final MigrationOptions DEFAULT = new MigrationOptions(DEFAULT_UNPLUG_TIMEOUT_NANOS,
            DEFAULT_ON_UNPLUG_TIMEOUT, DEFAULT_TRANSFER_TIMEOUT_NANOS);

    /** Checks the fields. */
    public MigrationOptions {
        if (unplugTimeoutNanos < 0) {
            throw new IllegalArgumentException("migration: unplug timeout " + unplugTimeoutNanos + " ns"
                    + " must be >= 0 (0: wait for ever)");
        }
        Objects.requireNonNull(onUnplugTimeout, "onUnplugTimeout");
        if (transferTimeoutNanos < 0) {
            throw new IllegalArgumentException("migration: transfer timeout " + transferTimeoutNanos + " ns"
                    + " must be >= 0 (0: wait for ever)");
        }
    }

    /**
     * @param nanos the unplug timeout (0: none)
     * @return a copy with it
     */
    public MigrationOptions withUnplugTimeoutNanos(long nanos) {
        return new MigrationOptions(nanos, onUnplugTimeout, transferTimeoutNanos);
    }

    /**
     * @param action what happens when the unplug times out
     * @return a copy with it
     */
    public MigrationOptions withOnUnplugTimeout(UnplugTimeoutAction action) {
        return new MigrationOptions(unplugTimeoutNanos, action, transferTimeoutNanos);
    }

    /**
     * @param nanos the transfer timeout (0: none)
     * @return a copy with it
     */
    public MigrationOptions withTransferTimeoutNanos(long nanos) {
        return new MigrationOptions(unplugTimeoutNanos, onUnplugTimeout, nanos);
    }
}

package io.twinport.virtio.migration;

/**
 * What the host-side migration sequence reports. Every event's data starts with {@code vm} and ends with
 * {@code nano_time} (the sequence's clock); durations are in nanoseconds ({@code _ns}). Names are distinct from the
 * failover port's events, which share the management socket.
 */
public enum MigrationEventType {
    /** The state changed (QEMU's MIGRATION event). Data: status, previous (state wire names). */
    MIGRATION,
    /** A VF was plugged into the guest for the first time on this host. Data: vf, host. */
    VF_PLUGGED,
    /** The guest was asked to let the VF go (QEMU's UNPLUG_PRIMARY, sent with the request). Data: vf, host, target. */
    UNPLUG_PRIMARY,
    /** Waiting for the guest to release the VF. Data: vf, host, timeout_ns (0: none). */
    WAIT_UNPLUG,
    /**
     * The host unplugged the VF; its resources are kept for a re-plug. Data: vf, host, reason ({@code graceful}: the
     * guest released it; {@code surprise}: forced after the unplug timeout), wait_unplug_ns.
     */
    VF_UNPLUGGED,
    /**
     * A VF was plugged into a guest that had been running on virtio only. Data: vf, host, reason
     * ({@code migrated}: the target's VF after a migration; {@code roll-back}: the source's VF again after a
     * failure; {@code vf-appeared}: a VF given later with {@code plugVf}; {@code re-offer}: the guest released the
     * VF after its request had been withdrawn, so it was unplugged and plugged again), virtio_only_ns.
     */
    REPLUGGED,
    /**
     * The VM runs on the target. Data: source, target, vf (the target's, or null), wait_unplug_ns, transfer_ns,
     * total_ns, virtio_only_ns (null while the guest is still on virtio only), announce ({@code requested}, or the
     * error).
     */
    MIGRATION_COMPLETED,
    /**
     * The migration did not happen; the VM runs on the source. Data: source, target, failed_in (the state it failed
     * in), reason, wait_unplug_ns, total_ns, state (where the sequence went: {@code failover-negotiated} when the VF
     * had not been unplugged, {@code failed} when it had and was re-plugged).
     */
    MIGRATION_FAILED,
    /** A host operation on a VF failed outside a migration's own outcome. Data: vf, host, op, error. */
    VF_OP_FAILED;

    /** @return the name on the management socket */
    public String wireName() {
        return name();
    }
}

package io.twinport.virtio.migration;

import io.twinport.port.RemovalReason;

/**
 * A VF as a host-side resource assigned to one VM: what QEMU does with a {@code vfio-pci} device that is the primary
 * of a failover pair. The sequence calls these on its control thread, one at a time; none of them may wait for the
 * guest, and none may call back into the sequence from another thread and wait for it.
 *
 * <p>The resources stay reserved from {@link #plug()} until {@link #release()}: an unplugged VF can be plugged
 * again (a roll-back re-plugs the same instance), a released one cannot.
 */
public interface HostVf {
    /** @return the VF's name as the guest sees it (the failover port's member name, e.g. {@code vf0a}) */
    String name();

    /** Hot-plugs the VF into the guest (again, after {@link #unplug}). */
    void plug();

    /**
     * Asks the guest to let the VF go (the graceful path of a migration: a PCIe hot-unplug request, or twinport's
     * {@code FailoverManager.prepareUnplug}), and returns without waiting. When the guest has released it, whoever
     * hears so calls {@code released.onPrimaryReleased()}, from any thread, at any time (also after the request was
     * withdrawn: the sequence knows which request it answers).
     *
     * @param released to be told when the guest has let the VF go
     */
    void requestUnplug(PrimaryReleased released);

    /**
     * Withdraws an unplug request (a roll-back: cancel, or the guest did not answer in time): the guest keeps the VF.
     * If the guest answers the withdrawn request anyway, the sequence unplugs and re-plugs the VF so it takes it back.
     */
    void cancelUnplugRequest();

    /**
     * Removes the VF from the guest; its resources stay reserved, so it can be plugged again.
     *
     * @param reason {@link RemovalReason#GRACEFUL} after the guest released it, {@link RemovalReason#SURPRISE} when
     *               forced after the unplug timeout
     */
    void unplug(RemovalReason reason);

    /** Returns the VF's resources to the host (the VM left this host); called once, after {@link #unplug}. */
    void release();
}

package io.twinport.virtio.migration;

import java.util.concurrent.CompletableFuture;

/**
 * The VM's virtio-net device on one host (a vhost-user back-end serving the guest's driver, with the device model's
 * config space). The sequence calls these on its control thread; neither may block.
 */
public interface HostDevice {
    /**
     * Moves the device's state to the device on the target: the rings where the source stopped them
     * (GET_VRING_BASE, then SET_VRING_BASE on the target), the negotiated features and the config space, so the
     * guest's queues resume there.
     *
     * @param target the device on the target host
     * @return completes when the target device runs the guest's queues; completes exceptionally (or this method
     *         throws) if the move failed, leaving this device in charge. It may be cancelled when it takes longer
     *         than {@link MigrationOptions#transferTimeoutNanos()}: the implementation then keeps or takes the
     *         queues back here.
     */
    CompletableFuture<Void> migrateTo(HostDevice target);

    /**
     * Asks the guest to announce itself (sets VIRTIO_NET_S_ANNOUNCE in the config space and notifies the driver, as a
     * host does after a migration; virtio 1.2, 5.1.6.5.4), so the network learns the VM's new place.
     */
    void requestAnnounce();
}

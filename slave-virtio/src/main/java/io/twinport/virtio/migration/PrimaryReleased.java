package io.twinport.virtio.migration;

/**
 * The guest's answer to one unplug request ({@link HostVf#requestUnplug}): the guest let the VF go (its failover port
 * switched to the standby, drained and released the member). Any thread; calling it more than once is harmless.
 */
@FunctionalInterface
public interface PrimaryReleased {
    /** The guest has released the VF this request was about. */
    void onPrimaryReleased();
}

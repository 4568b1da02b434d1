package io.twinport.bench.demo;

/**
 * The guest's virtio-net path through one host: that host's vhost-user device (the host side of the guest's
 * standby). Exactly one host's path serves the guest at a time; a migration hands the ring state over from the
 * source's path to the target's.
 */
public interface VirtioPath {
    /** @return the path's name, e.g. {@code src-virtio} */
    String path();

    /** @return the device's host side, polled by the peer (receives nothing and takes nothing while not serving) */
    HostPort hostPort();

    /** @return true while this host's device serves the guest */
    boolean serving();

    /**
     * @return true once the guest's driver negotiated VIRTIO_NET_F_STANDBY with this device (QEMU's
     *         {@code failover=on} keeps the VF hidden until then)
     */
    boolean standbyNegotiated();

    /**
     * Stops this device and moves its ring state to {@code target}'s device, which then serves the guest (the
     * MIGRATING step); returns once it does. While neither serves, the guest's TX is refused (its rings fill) and
     * nothing reaches it.
     *
     * @param target the target host's path
     * @throws IllegalStateException if this path does not serve the guest
     */
    void handOverTo(VirtioPath target);

    /**
     * Makes the guest's MAC known on this path after a migration: the device asks the guest to announce itself
     * (VIRTIO_NET_S_ANNOUNCE; the guest's failover port sends the RARPs).
     *
     * @return what was done, for the timeline
     */
    String announce();
}

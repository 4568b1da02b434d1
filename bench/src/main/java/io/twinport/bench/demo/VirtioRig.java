package io.twinport.bench.demo;

/**
 * The guest's virtio-net standby and both hosts' devices for it: the guest-side port (in the guest's registry,
 * offering STANDBY and the guest's MAC), the source host's path (serving from the start) and the target host's
 * (serving after the hand-over).
 *
 * <p>The demo's is {@link VhostUserRig}: our {@code VirtioNetPort} in server mode as the guest's driver, a
 * {@code VhostUserPort} per host as its device.
 */
public interface VirtioRig extends AutoCloseable {
    /** @return the guest-side port's name */
    String guestPortName();

    /** @return the source host's path */
    VirtioPath source();

    /** @return the target host's path */
    VirtioPath target();

    /** @return one line for the demo's header: what plays the virtio path */
    String describe();

    /** Releases everything (call once the peer stopped polling and the guest closed its failover port). */
    @Override
    void close();
}

package io.twinport.bench.demo;

import io.twinport.port.RemovalReason;

import java.util.concurrent.CompletableFuture;

/**
 * What the hosts do to the guest's devices: the operations a migration sequence calls, in the part QEMU and libvirt
 * play in a real migration. The demo implements them ({@code Demo}); a {@link HostMigration} decides when to call
 * them.
 */
public interface HostOperations {
    /**
     * @param host a host
     * @return true once the guest negotiated STANDBY with this host's virtio device
     */
    boolean standbyNegotiated(Host host);

    /**
     * Plugs the host's VF into the guest.
     *
     * @param host the host
     */
    void plugVf(Host host);

    /**
     * Asks the guest to let the host's VF go (the graceful notice).
     *
     * @param host the host
     * @return completes when the guest released it: the host may unplug it without loss
     */
    CompletableFuture<Void> requestUnplug(Host host);

    /**
     * Unplugs the host's VF.
     *
     * @param host   the host
     * @param reason graceful (after the guest released it) or surprise (without warning)
     */
    void unplugVf(Host host, RemovalReason reason);

    /**
     * Moves the guest: its memory while it runs on virtio on the source (pre-copy), then the virtio device's ring
     * state from the source's device to the target's (the stop-and-copy pause). Blocks until the target serves.
     *
     * @param source the source host
     * @param target the target host
     */
    void transfer(Host source, Host target);

    /**
     * Makes the guest's MAC known on the host's virtio path.
     *
     * @param host the host now serving the guest
     * @return what was done
     */
    String announce(Host host);
}

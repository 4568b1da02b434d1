package io.twinport.bench.demo;

import io.twinport.port.RemovalReason;

/**
 * A host's VF for the guest: a device the host plugs into the guest (it appears in the guest's registry with the
 * guest's MAC and no STANDBY, so the guest's failover manager takes it as the primary) and unplugs again. Its
 * {@link #hostPort() host side} is the "network" end the peer polls; it stays open after an unplug, so that frames
 * already on the wire are still counted, and closes with {@link #close()}.
 *
 * <p>Implementations: {@link WireVf} (an in-memory wire pair, the default) and {@link VethVf} ({@code --real}: a veth
 * pair, AF_PACKET on both ends). Plug, unplug and close run on the thread that drives the migration.
 */
public interface Vf extends AutoCloseable {
    /** @return the path's name, e.g. {@code src-vf} */
    String path();

    /**
     * @return the name of the guest-side port (the name the guest's failover port knows it by): while plugged, its
     *         name; before the first plug, the name it will have; after an unplug, the name it had
     */
    String guestPortName();

    /** @return the host side, polled by the peer (receives nothing and takes nothing while unplugged) */
    HostPort hostPort();

    /** @return true while plugged into the guest */
    boolean plugged();

    /**
     * Plugs the VF into the guest: its guest-side port appears in the guest's registry.
     *
     * @throws IllegalStateException if it is plugged already
     */
    void plug();

    /**
     * Unplugs the VF: its guest-side port leaves the guest's registry with {@code reason}.
     *
     * @param reason {@link RemovalReason#GRACEFUL} after the guest released it, {@link RemovalReason#SURPRISE}
     *               without warning
     * @throws IllegalStateException if it is not plugged
     */
    void unplug(RemovalReason reason);

    /**
     * @return frames the kernel dropped at this VF's receive rings so far, on both sides (AF_PACKET's
     *         {@code rx_missed}); 0 where nothing can drop (the in-memory wire pair refuses instead)
     */
    default long receiveDrops() {
        return 0;
    }

    /** Unplugs it if plugged and releases everything it holds (call once the peer stopped polling). */
    @Override
    void close();
}

package io.twinport.port;

/** What happened to a port. */
public enum PortEventType {
    /** A port appeared in the registry. */
    NEW,
    /** A port left the registry; the event carries a {@link RemovalReason}. */
    REMOVED,
    /** The port's link came up. */
    LINK_UP,
    /** The port's link went down. */
    LINK_DOWN,
    /**
     * The port's device asks the port's owner to announce its MAC on the network (virtio's VIRTIO_NET_S_ANNOUNCE,
     * which a host sets after it migrated the device, 5.1.6.5.3): whoever transmits on the port's behalf (a failover
     * port, for its members) sends the announcement frames.
     */
    ANNOUNCE_REQUESTED
}

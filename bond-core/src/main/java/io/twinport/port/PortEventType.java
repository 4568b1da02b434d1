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
    LINK_DOWN
}

package io.twinport.port;

/** Why a port was removed. */
public enum RemovalReason {
    /** The device vanished without warning (hot unplug, link deleted). */
    SURPRISE,
    /** The host warned first and waited (the graceful unplug of a migration). */
    GRACEFUL,
    /** The application closed or unregistered it. */
    CLOSED
}

package io.twinport.port;

/**
 * The life cycle of a port, in order. A port moves forward through configure and start, back from
 * {@link #STARTED} to {@link #CONFIGURED} on stop, and ends in {@link #REMOVED} (the device went away) or
 * {@link #CLOSED} (the application let it go). States at or after {@link #REMOVED} are final for the data path.
 */
public enum PortState {
    /** Created, not yet configured. */
    CREATED,
    /** Configured and stopped: may be reconfigured or started. */
    CONFIGURED,
    /** Started: the data path runs. */
    STARTED,
    /** The device disappeared (unplugged); only close remains. */
    REMOVED,
    /** Closed: every resource released. */
    CLOSED;

    /** @return true for {@link #REMOVED} and {@link #CLOSED} */
    public boolean isGone() {
        return compareTo(REMOVED) >= 0;
    }
}

package io.twinport.port;

import java.util.Objects;

/**
 * Something that happened to a port, delivered to registry listeners on the control thread.
 *
 * @param type      what happened
 * @param port      the port it happened to
 * @param reason    for {@link PortEventType#REMOVED}, why; otherwise null
 * @param nanoTime  when, on the {@link System#nanoTime()} clock of the thread that posted it
 */
public record PortEvent(PortEventType type, Port port, RemovalReason reason, long nanoTime) {
    /** Checks the fields. */
    public PortEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(port, "port");
        if ((type == PortEventType.REMOVED) != (reason != null)) {
            throw new IllegalArgumentException("event " + type + " for port " + port.name() + ": reason " + reason
                    + " must be given exactly for REMOVED");
        }
    }

    /**
     * @param type what happened (not REMOVED)
     * @param port to which port
     * @return the event, stamped now
     */
    public static PortEvent of(PortEventType type, Port port) {
        return new PortEvent(type, port, null, System.nanoTime());
    }

    /**
     * @param port   the port that left
     * @param reason why
     * @return a REMOVED event, stamped now
     */
    public static PortEvent removed(Port port, RemovalReason reason) {
        return new PortEvent(PortEventType.REMOVED, port, reason, System.nanoTime());
    }

    @Override
    public String toString() {
        return type + "(" + port.name() + (reason == null ? "" : ", " + reason) + ")";
    }
}

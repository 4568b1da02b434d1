package io.twinport.failover;

import java.util.Map;
import java.util.Objects;

/**
 * One failover event (QMP-like: an event name, data, a time stamp).
 *
 * @param type     what happened
 * @param port     the failover port's name
 * @param data     details, insertion-ordered; values are strings, numbers or booleans
 * @param nanoTime when, on the manager's clock
 */
public record FailoverEvent(FailoverEventType type, String port, Map<String, Object> data, long nanoTime) {
    /** Copies the data. */
    public FailoverEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(port, "port");
        data = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }

    @Override
    public String toString() {
        return type + "(" + port + ", " + data + ")";
    }
}

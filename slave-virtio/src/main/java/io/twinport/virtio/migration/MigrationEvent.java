package io.twinport.virtio.migration;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One event of a migration sequence (QMP-like: a name, data, a time stamp).
 *
 * @param type     what happened
 * @param data     details, insertion-ordered, starting with {@code vm}; values are strings, numbers, booleans or
 *                 null
 * @param nanoTime when, on the sequence's clock
 */
public record MigrationEvent(MigrationEventType type, Map<String, Object> data, long nanoTime) {
    /** Copies the data. */
    public MigrationEvent {
        Objects.requireNonNull(type, "type");
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    /**
     * @param key a data key
     * @return its value, or null
     */
    public Object get(String key) {
        return data.get(key);
    }

    @Override
    public String toString() {
        return type.name() + data;
    }
}

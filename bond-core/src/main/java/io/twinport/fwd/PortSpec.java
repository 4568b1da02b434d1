package io.twinport.fwd;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed, validated port spec in DPDK devargs style: {@code KIND[,key=value]...}, e.g.
 * {@code wire,queues=2,ringsize=512}. Every key is one the kind accepts and every value passed its check; keys not
 * given carry their defaults.
 */
public final class PortSpec {
    private final String text;
    private final PortKind kind;
    private final Map<String, String> values;
    private final Set<String> given;

    private PortSpec(String text, PortKind kind, Map<String, String> values, Set<String> given) {
        this.text = text;
        this.kind = kind;
        this.values = Collections.unmodifiableMap(values);
        this.given = Set.copyOf(given);
    }

    /**
     * Parses and validates a spec.
     *
     * @param text  e.g. {@code wire,queues=2}
     * @param kinds the kinds to choose from
     * @return the spec
     * @throws PortSpecException one line naming what is wrong: an unknown kind (listing the known ones), an unknown
     *                           key (listing the accepted ones), a bad value (naming key, value and what is
     *                           expected), a duplicate key, or a malformed pair
     */
    public static PortSpec parse(String text, PortKinds kinds) {
        Objects.requireNonNull(kinds, "kinds");
        if (text == null || text.isBlank()) {
            throw new PortSpecException("empty port spec: expected KIND[,key=value]... with KIND one of "
                    + kinds.namesText());
        }
        String[] parts = text.split(",", -1);
        String kindName = parts[0];
        PortKind kind = kinds.find(kindName);
        if (kind == null) {
            throw new PortSpecException("unknown port kind '" + kindName + "'; known kinds: " + kinds.namesText());
        }
        Map<String, SpecKey> accepted = new LinkedHashMap<>();
        for (SpecKey k : kind.keys()) {
            accepted.put(k.name(), k);
        }
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> given = new HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            String pair = parts[i];
            int eq = pair.indexOf('=');
            if (pair.isEmpty() || eq == 0) {
                throw new PortSpecException("empty key in '" + text + "': expected key=value pairs separated by ','"
                        + acceptedText(kind));
            }
            if (eq < 0) {
                throw new PortSpecException("key '" + pair + "' of kind " + kind.name()
                        + " has no value: expected key=value" + acceptedText(kind));
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            SpecKey sk = accepted.get(key);
            if (sk == null) {
                throw new PortSpecException("unknown key '" + key + "' for kind " + kind.name() + acceptedText(kind));
            }
            if (!given.add(key)) {
                throw new PortSpecException("key '" + key + "' given twice in '" + text + "'");
            }
            sk.check(kind.name(), value);
            values.put(key, value);
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        for (SpecKey k : kind.keys()) {
            String v = values.containsKey(k.name()) ? values.get(k.name()) : k.defaultValue();
            if (v != null) {
                resolved.put(k.name(), v);
            }
        }
        PortSpec spec = new PortSpec(text, kind, resolved, given);
        kind.validate(spec);
        return spec;
    }

    private static String acceptedText(PortKind kind) {
        if (kind.keys().isEmpty()) {
            return "; kind " + kind.name() + " accepts no keys";
        }
        StringBuilder sb = new StringBuilder("; accepted keys: ");
        for (int i = 0; i < kind.keys().size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(kind.keys().get(i).name());
        }
        return sb.toString();
    }

    /** @return the spec as given */
    public String text() {
        return text;
    }

    /** @return the kind */
    public PortKind kind() {
        return kind;
    }

    /** @return every key with a value (given or default), in the kind's key order */
    public Map<String, String> values() {
        return values;
    }

    /**
     * @param key a key of the kind
     * @return true if the spec gave it explicitly
     */
    public boolean given(String key) {
        return given.contains(key);
    }

    /**
     * @param key a key of the kind
     * @return its value (given or default), or null if it has neither
     */
    public String value(String key) {
        return values.get(key);
    }

    /**
     * @param key an integer key of the kind (its check already accepted the value)
     * @return its value
     * @throws IllegalArgumentException if the key has no value
     */
    public int intValue(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("port spec '" + text + "': key '" + key + "' has no value");
        }
        return Integer.parseInt(v);
    }

    @Override
    public String toString() {
        return text;
    }
}

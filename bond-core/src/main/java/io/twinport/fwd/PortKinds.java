package io.twinport.fwd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * A set of {@link PortKind}s by name: the installed ones (found with {@link ServiceLoader}), or a given list
 * (tests, embedding applications).
 */
public final class PortKinds {
    private final Map<String, PortKind> byName;

    private PortKinds(List<PortKind> kinds) {
        List<PortKind> sorted = new ArrayList<>(kinds);
        sorted.sort(Comparator.comparing(PortKind::name));
        Map<String, PortKind> m = new LinkedHashMap<>();
        for (PortKind k : sorted) {
            PortKind old = m.putIfAbsent(Objects.requireNonNull(k.name(), "kind name"), k);
            if (old != null) {
                throw new IllegalStateException("two port kinds are named " + k.name() + ": "
                        + old.getClass().getName() + " and " + k.getClass().getName());
            }
        }
        this.byName = m;
    }

    /**
     * @return every kind listed in {@code META-INF/services/io.twinport.fwd.PortKind} on the class path (through
     *         the thread's context class loader)
     * @throws IllegalStateException if two kinds share a name
     */
    public static PortKinds installed() {
        List<PortKind> kinds = new ArrayList<>();
        for (PortKind k : ServiceLoader.load(PortKind.class)) {
            kinds.add(k);
        }
        return new PortKinds(kinds);
    }

    /**
     * @param kinds the kinds
     * @return a set of exactly these kinds
     * @throws IllegalStateException if two kinds share a name
     */
    public static PortKinds of(PortKind... kinds) {
        return new PortKinds(List.of(kinds));
    }

    /**
     * @param name a kind's name
     * @return the kind, or null
     */
    public PortKind find(String name) {
        return byName.get(name);
    }

    /** @return the kinds, sorted by name */
    public List<PortKind> all() {
        return List.copyOf(byName.values());
    }

    /** @return the names, sorted */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** @return the names for a message, e.g. {@code "wire"}, or {@code "(none installed)"} */
    public String namesText() {
        return byName.isEmpty() ? "(none installed)" : String.join(", ", byName.keySet());
    }
}

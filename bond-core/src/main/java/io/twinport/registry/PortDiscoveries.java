package io.twinport.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * A set of {@link PortDiscovery}s by name: the installed ones (found with {@link ServiceLoader}), or a given list
 * (tests, embedding applications).
 */
public final class PortDiscoveries {
    private final Map<String, PortDiscovery> byName;

    private PortDiscoveries(List<PortDiscovery> discoveries) {
        List<PortDiscovery> sorted = new ArrayList<>(discoveries);
        sorted.sort(Comparator.comparing(PortDiscovery::name));
        Map<String, PortDiscovery> m = new LinkedHashMap<>();
        for (PortDiscovery d : sorted) {
            PortDiscovery old = m.putIfAbsent(Objects.requireNonNull(d.name(), "discovery name"), d);
            if (old != null) {
                throw new IllegalStateException("two port discoveries are named " + d.name() + ": "
                        + old.getClass().getName() + " and " + d.getClass().getName());
            }
        }
        this.byName = m;
    }

    /**
     * @return every discovery listed in {@code META-INF/services/io.twinport.registry.PortDiscovery} on the class
     *         path (through the thread's context class loader)
     * @throws IllegalStateException if two discoveries share a name
     */
    public static PortDiscoveries installed() {
        List<PortDiscovery> all = new ArrayList<>();
        for (PortDiscovery d : ServiceLoader.load(PortDiscovery.class)) {
            all.add(d);
        }
        return new PortDiscoveries(all);
    }

    /**
     * @param discoveries the discoveries
     * @return a set of exactly these
     * @throws IllegalStateException if two share a name
     */
    public static PortDiscoveries of(PortDiscovery... discoveries) {
        return new PortDiscoveries(List.of(discoveries));
    }

    /** @return the discoveries, sorted by name */
    public List<PortDiscovery> all() {
        return List.copyOf(byName.values());
    }

    /** @return the names for a message, e.g. {@code "netdev"}, or {@code "(none installed)"} */
    public String namesText() {
        return byName.isEmpty() ? "(none installed)" : String.join(", ", byName.keySet());
    }
}

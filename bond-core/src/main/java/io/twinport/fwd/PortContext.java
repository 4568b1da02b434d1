package io.twinport.fwd;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.registry.PortRegistry;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link PortKind} gets when it opens ports: the packet pool every port of the run shares, the registry the
 * ports go into, and default names that do not collide.
 */
public final class PortContext {
    private final PacketPool pool;
    private final PortRegistry registry;
    private final Map<String, Integer> next = new HashMap<>();

    /**
     * @param pool     the pool receive buffers come from
     * @param registry where the ports are added
     */
    public PortContext(PacketPool pool, PortRegistry registry) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** @return the pool receive buffers come from; what a port frees goes back there */
    public PacketPool pool() {
        return pool;
    }

    /** @return the registry the ports are added to */
    public PortRegistry registry() {
        return registry;
    }

    /**
     * A default name: {@code prefix0}, {@code prefix1}, ... in the order of the calls, skipping any that is a
     * prefix of a port name already registered (so {@code wire0} is skipped while {@code wire0a} exists).
     *
     * @param prefix e.g. {@code wire}
     * @return the next free name
     */
    public synchronized String nextName(String prefix) {
        int n = next.getOrDefault(prefix, 0);
        while (true) {
            String candidate = prefix + n++;
            if (!taken(candidate)) {
                next.put(prefix, n);
                return candidate;
            }
        }
    }

    private boolean taken(String candidate) {
        for (Port p : registry.ports()) {
            if (p.name().startsWith(candidate)) {
                return true;
            }
        }
        return false;
    }
}

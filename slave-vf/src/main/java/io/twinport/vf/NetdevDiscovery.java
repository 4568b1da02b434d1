package io.twinport.vf;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortDiscovery;
import io.twinport.registry.PortRegistry;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The discovery {@code netdev}: every Ethernet netdev of this network namespace (loopback never), or those whose
 * name matches the setting {@value PortDiscovery#NETDEVS} ({@code fwd --auto-netdevs REGEX}), becomes an
 * {@link AfPacketPort} in the registry while it exists, through a {@link NetdevWatcher} driven by
 * {@link Session#doWork()} on the registry's control thread (no thread of its own). Netdevs that already have an
 * {@link AfPacketPort} in the registry when it starts (opened from an {@code afpacket} spec) are left out, so no
 * netdev gets two ports. Ports are created with {@link AfPacketOptions#DEFAULT} and never configured here: a
 * failover port configures the ones it claims. Closing the session closes every port it created.
 */
public final class NetdevDiscovery implements PortDiscovery {
    private static final System.Logger LOG = System.getLogger(NetdevDiscovery.class.getName());

    /** For {@link java.util.ServiceLoader}. */
    public NetdevDiscovery() {
    }

    @Override
    public String name() {
        return "netdev";
    }

    @Override
    public String description() {
        return "Linux netdevs of this network namespace as afpacket ports, followed by rtnetlink (appear, go);"
                + " --auto-netdevs REGEX picks them by name (default: every Ethernet netdev except lo)";
    }

    @Override
    public void validate(Map<String, String> settings) {
        String regex = settings.get(NETDEVS);
        if (regex != null) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("netdev discovery: bad " + NETDEVS + " pattern '" + regex + "': "
                        + e.getDescription());
            }
        }
    }

    @Override
    public Session start(PortRegistry registry, PacketPool pool, Map<String, String> settings) {
        validate(settings);
        String regex = settings.get(NETDEVS);
        List<String> exclude = openAlready(registry);
        NetdevWatcher watcher = new NetdevWatcher(registry, pool, AfPacketOptions.DEFAULT, selection(regex,
                exclude));
        String what = (regex == null ? "every Ethernet netdev" : "netdevs ~ /" + regex + "/")
                + (exclude.isEmpty() ? "" : ", leaving out " + String.join(", ", exclude) + " (open already)");
        Session s = new Session(registry, watcher, what);
        try {
            watcher.start(); // the first dump registers the netdevs that exist now
        } catch (RuntimeException e) {
            s.collect();
            s.close();
            throw e;
        }
        s.collect();
        return s;
    }

    /**
     * @param regex   the names to take, or null for every name
     * @param exclude netdev names to leave out
     * @return the selection
     */
    static NetdevSelection selection(String regex, List<String> exclude) {
        if (regex == null && exclude.isEmpty()) {
            return NetdevSelection.ALL;
        }
        StringBuilder sb = new StringBuilder();
        if (!exclude.isEmpty()) {
            sb.append("(?!(?:");
            for (int i = 0; i < exclude.size(); i++) {
                sb.append(i > 0 ? "|" : "").append(Pattern.quote(exclude.get(i)));
            }
            sb.append(")$)");
        }
        sb.append("(?:").append(regex == null ? ".*" : regex).append(')');
        return NetdevSelection.named(sb.toString());
    }

    private static List<String> openAlready(PortRegistry registry) {
        List<String> names = new ArrayList<>();
        for (Port p : registry.ports()) {
            if (p instanceof AfPacketPort a && !a.state().isGone()) {
                names.add(a.ifName());
            }
        }
        return names;
    }

    /** A running netdev discovery. */
    static final class Session implements PortDiscovery.Session {
        private final PortRegistry registry;
        private final NetdevWatcher watcher;
        private final String what;
        // every port the watcher created, also after its netdev went (to close it at the end)
        private final Set<AfPacketPort> created = Collections.newSetFromMap(new IdentityHashMap<>());

        Session(PortRegistry registry, NetdevWatcher watcher, String what) {
            this.registry = registry;
            this.watcher = watcher;
            this.what = what;
        }

        void collect() {
            created.addAll(watcher.ports());
        }

        @Override
        public int doWork() {
            int n = watcher.doWork();
            if (n > 0) {
                collect(); // only when something happened: a new port is registered in this very cycle
            }
            return n;
        }

        @Override
        public String describe() {
            return what;
        }

        @Override
        public void close() {
            watcher.close();
            for (AfPacketPort p : created) {
                registry.remove(p, RemovalReason.CLOSED);
                try {
                    p.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "netdev discovery: closing " + p.name() + " failed: " + e.getMessage());
                }
            }
            created.clear();
        }
    }
}

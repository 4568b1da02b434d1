package io.twinport.virtio;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortDiscovery;
import io.twinport.registry.PortRegistry;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The discovery {@code vhost-dir}: every vhost-user back-end socket in one directory (the setting
 * {@value PortDiscovery#VHOST_DIR}: {@code fwd --auto-vhost-dir DIR}, else {@code TWINPORT_VHOST_DIR}) becomes a
 * {@link VirtioNetPort} in client mode while its back-end serves it: the way a guest image picks up its virtio-net
 * devices with no per-port configuration. A back-end that offers {@code VIRTIO_NET_F_STANDBY} (a host with
 * failover on) makes its port a standby, so the failover manager pairs it with the VF of the same MAC.
 *
 * <p>Driven by {@link Session#doWork()} on the registry's control thread, no thread of its own: the directory is
 * listed at most every {@value #SCAN_MILLIS} ms. A socket whose back-end refuses or fails the session (a stale file
 * left by a dead back-end) is logged once and tried again every {@value #RETRY_MILLIS} ms. A port whose back-end
 * goes away removes itself from the registry (client mode); the discovery then closes it and opens a new port when
 * a back-end serves that path again. Opening a port connects and negotiates on the control thread: one vhost-user
 * round trip per request, each bounded by the reply timeout. Ports get one queue pair and the other
 * {@link VirtioUserOptions} defaults, and names {@code virtio-0}, {@code virtio-1}, ... in the order their sockets
 * were first seen (a socket keeps its name when its back-end comes back); sockets that already have a port in the registry (opened from a
 * {@code virtio-user} spec) are left out. Without a directory the discovery does nothing.
 */
public final class VhostDirDiscovery implements PortDiscovery {
    /** Most often the directory is listed, in ms. */
    public static final long SCAN_MILLIS = 100;
    /** How long a socket whose back-end failed waits before it is tried again, in ms. */
    public static final long RETRY_MILLIS = 1000;
    /** How long opening a discovered socket waits for its back-end, in ms (it listens, or it is stale). */
    static final int CONNECT_TIMEOUT_MILLIS = 0;
    private static final System.Logger LOG = System.getLogger(VhostDirDiscovery.class.getName());
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final LongSupplier nanoClock;

    /** For {@link java.util.ServiceLoader}. */
    public VhostDirDiscovery() {
        this(System::nanoTime);
    }

    /** @param nanoClock the clock that paces scans and retries (a fake one in tests) */
    VhostDirDiscovery(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public String name() {
        return "vhost-dir";
    }

    @Override
    public String description() {
        return "vhost-user back-end sockets in a directory (--auto-vhost-dir DIR, else $TWINPORT_VHOST_DIR) as"
                + " virtio-user ports in client mode; a back-end that offers STANDBY makes a standby";
    }

    @Override
    public void validate(Map<String, String> settings) {
        String dir = settings.get(VHOST_DIR);
        if (dir != null && !Files.isDirectory(Path.of(dir))) {
            throw new IllegalArgumentException("vhost-dir discovery: " + VHOST_DIR + " '" + dir + "' is not a"
                    + " directory" + (Files.exists(Path.of(dir)) ? "" : " (it does not exist)"));
        }
    }

    @Override
    public Session start(PortRegistry registry, PacketPool pool, Map<String, String> settings) {
        validate(settings);
        String dir = settings.get(VHOST_DIR);
        Session s = new Session(registry, pool, dir == null ? null : Path.of(dir), nanoClock);
        s.doWork(); // the sockets there now are registered before start returns
        return s;
    }

    /** A running vhost-dir discovery. Control thread only. */
    static final class Session implements PortDiscovery.Session {
        private final PortRegistry registry;
        private final PacketPool pool;
        private final Path dir;
        private final LongSupplier nanoClock;
        private final Map<Path, VirtioNetPort> open = new LinkedHashMap<>();
        private final Map<Path, Long> retryAt = new HashMap<>();
        private final Map<Path, String> names = new HashMap<>();
        private final Set<String> listFailures = new HashSet<>();
        private long nextScan;
        private boolean scanned;

        Session(PortRegistry registry, PacketPool pool, Path dir, LongSupplier nanoClock) {
            this.registry = registry;
            this.pool = pool;
            this.dir = dir;
            this.nanoClock = nanoClock;
        }

        @Override
        public int doWork() {
            if (dir == null) {
                return 0;
            }
            int work = reap();
            long now = nanoClock.getAsLong();
            if (scanned && now - nextScan < 0) {
                return work;
            }
            scanned = true;
            nextScan = now + TimeUnit.MILLISECONDS.toNanos(SCAN_MILLIS);
            for (Path socket : sockets()) {
                if (open.containsKey(socket) || openElsewhere(socket)) {
                    continue;
                }
                Long at = retryAt.get(socket);
                if (at != null && now - at < 0) {
                    continue;
                }
                work += open(socket, now);
            }
            return work;
        }

        /** Closes the ports whose back-end went (they left the registry by themselves). */
        private int reap() {
            int work = 0;
            for (var it = open.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                VirtioNetPort p = e.getValue();
                if (p.state().isGone()) {
                    LOG.log(Level.INFO, "vhost-dir discovery: " + p.name() + " (" + e.getKey() + ") is gone: "
                            + p.failure().orElse("removed") + "; waiting for a back-end on that socket again");
                    closeQuietly(p);
                    it.remove();
                    work++;
                }
            }
            return work;
        }

        private int open(Path socket, long now) {
            // a socket keeps its port name across back-end restarts
            String name = names.computeIfAbsent(socket, k -> "virtio-" + names.size());
            VirtioUserOptions o = new VirtioUserOptions(socket.toString(), VirtioUserOptions.QUEUES_DEFAULT,
                    false, VirtioUserOptions.FAILOVER_DEFAULT, null, VirtioUserOptions.QUEUE_SIZE_DEFAULT,
                    VirtioUserOptions.MRG_RXBUF_DEFAULT, CONNECT_TIMEOUT_MILLIS,
                    VirtioUserOptions.REPLY_TIMEOUT_DEFAULT);
            try {
                VirtioNetPort p = VirtioNetPort.open(name, o, pool, registry);
                open.put(socket, p);
                if (retryAt.remove(socket) != null) {
                    LOG.log(Level.INFO, "vhost-dir discovery: " + socket + " serves now: " + name);
                }
                return 1;
            } catch (RuntimeException e) {
                if (retryAt.put(socket, now + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS)) == null) {
                    LOG.log(Level.WARNING, "vhost-dir discovery: no port on " + socket + ": " + e.getMessage()
                            + "; trying again every " + RETRY_MILLIS + " ms");
                }
                return 0;
            }
        }

        private boolean openElsewhere(Path socket) {
            for (Port p : registry.ports()) {
                if (p instanceof VirtioNetPort v && !v.state().isGone() && !open.containsValue(v)
                        && v.device().name().equals(socket.toString())) {
                    return true;
                }
            }
            return false;
        }

        /** @return the sockets in the directory, sorted (so ports are named in a stable order) */
        private Set<Path> sockets() {
            Set<Path> found = new TreeSet<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    if (isSocket(p)) {
                        found.add(p);
                    }
                }
                listFailures.clear();
            } catch (IOException | RuntimeException e) {
                if (listFailures.add(String.valueOf(e.getMessage()))) {
                    LOG.log(Level.WARNING, "vhost-dir discovery: cannot list " + dir + ": " + e);
                }
            }
            return found;
        }

        private static boolean isSocket(Path p) {
            try {
                Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return false;
            }
        }

        /** @return the ports open now, by socket */
        Map<Path, VirtioNetPort> ports() {
            return Map.copyOf(open);
        }

        @Override
        public String describe() {
            return dir == null ? "no directory (--auto-vhost-dir DIR or $TWINPORT_VHOST_DIR)" : "sockets in " + dir;
        }

        @Override
        public void close() {
            List<VirtioNetPort> ports = new ArrayList<>(open.values());
            open.clear();
            for (VirtioNetPort p : ports) {
                registry.remove(p, RemovalReason.CLOSED);
                closeQuietly(p);
            }
        }

        private static void closeQuietly(VirtioNetPort p) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "vhost-dir discovery: closing " + p.name() + " failed: " + e.getMessage());
            }
        }
    }
}

package io.twinport.vf;

import io.twinport.mem.PacketPool;
import io.twinport.port.PortException;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;

import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The hot-plug watcher: follows the netdevs of this network namespace through rtnetlink ({@code RTMGRP_LINK}) and
 * the RX sockets of the ports it knows, and tells the {@link PortRegistry}:
 * <ul>
 *   <li>a netdev appears ({@code RTM_NEWLINK} for a new ifindex, or in the first dump) and the
 *       {@link NetdevSelection} takes it: a new {@link AfPacketPort} is registered (NEW, with its MAC and sysfs
 *       identity);</li>
 *   <li>a netdev disappears ({@code RTM_DELLINK}: deleted, or moved to another namespace), or an RX socket of
 *       its port reports an error and the kernel has reset the socket's binding, whichever is seen first: the
 *       port goes to REMOVED and leaves the registry (REMOVED, {@link RemovalReason#SURPRISE});</li>
 *   <li>carrier or admin state changes ({@code IFF_UP && IFF_RUNNING} in {@code RTM_NEWLINK}, or ENETDOWN on the
 *       socket): LINK_UP / LINK_DOWN;</li>
 *   <li>a rename: the port keeps its registry name and keeps working (it is bound by ifindex);
 *       {@link AfPacketPort#ifName()} follows, and {@link NetdevListener}s hear about it.</li>
 * </ul>
 *
 * <p>Driven Agrona-style: {@link #doWork()} reads what is pending without blocking, checks the ports' sockets and
 * returns how much it did, so tests call it by hand; {@link #startThread} runs it on a thread that sleeps in
 * {@code poll(2)} on the netlink socket (woken at once by a link message) for at most {@code checkIntervalMs}
 * between socket checks. Ports it creates are never closed by it: whoever uses a port closes it, as for any port.
 */
public final class NetdevWatcher implements AutoCloseable {
    /** Default longest sleep of the watcher thread between socket checks. */
    public static final int CHECK_INTERVAL_MS_DEFAULT = 5;

    private static final System.Logger LOG = System.getLogger(NetdevWatcher.class.getName());

    private final PortRegistry registry;
    private final PacketPool pool;
    private final AfPacketOptions options;
    private final NetdevSelection selection;
    private final Sysfs sysfs;
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final List<NetdevListener> listeners = new CopyOnWriteArrayList<>();

    // the agent's state: touched only by the thread that calls doWork() (and start() before it)
    private final Map<Integer, Tracked> byIndex = new HashMap<>();
    private final Rtnetlink.Handler handler = new Rtnetlink.Handler() {
        @Override
        public void onNewLink(Netdev link) {
            onLinkMessage(link);
        }

        @Override
        public void onDelLink(Netdev link) {
            onLinkGone(link.ifindex(), "RTM_DELLINK");
        }

        @Override
        public void onOverrun() {
            LOG.log(Level.WARNING, "netdev watcher: rtnetlink messages were lost (ENOBUFS); resynchronising");
            resync();
        }
    };
    private Rtnetlink events;
    private volatile Thread thread;
    private volatile boolean running;
    private volatile boolean closeOnExit;

    /** One netdev the watcher knows, and the ports bound to it. */
    private static final class Tracked {
        Netdev dev;
        final List<AfPacketPort> ports = new ArrayList<>(1);

        Tracked(Netdev dev) {
            this.dev = dev;
        }
    }

    /**
     * @param registry  where ports are added and removed
     * @param pool      the pool the ports it creates receive into
     * @param options   the options of the ports it creates
     * @param selection which netdevs become ports
     */
    public NetdevWatcher(PortRegistry registry, PacketPool pool, AfPacketOptions options, NetdevSelection selection) {
        this(registry, pool, options, selection, Sysfs.SYSTEM);
    }

    /**
     * @param registry  where ports are added and removed
     * @param pool      the pool the ports it creates receive into
     * @param options   the options of the ports it creates
     * @param selection which netdevs become ports
     * @param sysfs     where identities are read
     */
    public NetdevWatcher(PortRegistry registry, PacketPool pool, AfPacketOptions options, NetdevSelection selection,
                         Sysfs sysfs) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.options = Objects.requireNonNull(options, "options");
        this.selection = Objects.requireNonNull(selection, "selection");
        this.sysfs = Objects.requireNonNull(sysfs, "sysfs");
    }

    /**
     * Subscribes to link messages, then takes a dump of every link (subscribing first, so no change falls between
     * the two) and registers the netdevs the selection takes. Call once, before {@link #doWork()}, on the thread
     * that will call it.
     *
     * @return this watcher
     */
    public synchronized NetdevWatcher start() {
        if (events != null) {
            throw new IllegalStateException("netdev watcher: already started");
        }
        events = Rtnetlink.openEvents();
        resync();
        return this;
    }

    /**
     * @param listener told about renames, on the registry's control thread
     * @return a handle that removes it
     */
    public AutoCloseable addListener(NetdevListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(listener);
    }

    /**
     * Follows a port created elsewhere (e.g. by {@link AfPacketPort#open}): its link, rename and removal are
     * handled like those of the ports the watcher creates. Takes effect on the next {@link #doWork()}.
     *
     * @param port the port
     */
    public void attach(AfPacketPort port) {
        Objects.requireNonNull(port, "port");
        commands.add(() -> {
            Tracked t = byIndex.get(port.ifindex());
            if (t == null) {
                Netdev dev = Kernel.links().getLink(port.ifindex());
                if (dev == null) {
                    removed(port, "gone before it was attached");
                    return;
                }
                t = new Tracked(dev);
                byIndex.put(dev.ifindex(), t);
            }
            if (!t.ports.contains(port)) {
                t.ports.add(port);
            }
            port.onLink(t.dev.linkUp());
            if (!t.dev.name().equals(port.ifName())) {
                renamed(t, port.ifName(), t.dev.name());
            }
        });
    }

    /**
     * The duty cycle: runs queued commands, reads every pending link message, checks the started ports' sockets.
     *
     * @return how many things it did (0: idle)
     */
    public int doWork() {
        Rtnetlink ev = events;
        if (ev == null) {
            throw new IllegalStateException("netdev watcher: not started");
        }
        int n = 0;
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run();
            n++;
        }
        n += ev.readEvents(handler);
        n += checkSockets();
        return n;
    }

    /**
     * Runs {@link #doWork()} on a daemon thread until {@link #close()}: between cycles it sleeps in {@code poll(2)}
     * on the netlink socket, at most {@value #CHECK_INTERVAL_MS_DEFAULT} ms. Starts the watcher if needed.
     *
     * @param name the thread's name
     * @return the thread
     */
    public synchronized Thread startThread(String name) {
        if (thread != null) {
            throw new IllegalStateException("netdev watcher: thread already running: " + thread.getName());
        }
        if (events == null) {
            start();
        }
        running = true;
        Rtnetlink ev = events;
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            while (running) {
                try {
                    if (doWork() == 0) {
                        ev.await(CHECK_INTERVAL_MS_DEFAULT);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "netdev watcher: duty cycle failed; going on", e);
                    ev.await(CHECK_INTERVAL_MS_DEFAULT);
                }
            }
            if (closeOnExit) {
                closeSocket();
            }
        });
        thread = t;
        t.start();
        return t;
    }

    /** @return the ports the watcher follows now (a snapshot; call on the watcher's thread or when it is idle) */
    public synchronized List<AfPacketPort> ports() {
        List<AfPacketPort> all = new ArrayList<>();
        for (Tracked t : byIndex.values()) {
            all.addAll(t.ports);
        }
        return all;
    }

    // ---------------------------------------------------------------- handlers (the agent's thread)

    private void onLinkMessage(Netdev dev) {
        Tracked t = byIndex.get(dev.ifindex());
        if (t == null) {
            t = new Tracked(dev);
            byIndex.put(dev.ifindex(), t);
            consider(t);
            return;
        }
        Netdev old = t.dev;
        t.dev = dev;
        if (!old.name().equals(dev.name())) {
            renamed(t, old.name(), dev.name());
            if (t.ports.isEmpty()) {
                consider(t); // the new name may match the selection
            }
        }
        for (AfPacketPort p : t.ports) {
            p.onLink(dev.linkUp());
        }
    }

    private void consider(Tracked t) {
        Netdev dev = t.dev;
        if (selection.none() || !dev.isEthernet()) {
            return;
        }
        NetdevIdentity identity;
        try {
            identity = sysfs.identity(dev.name(), dev.kind());
        } catch (UncheckedIOException e) {
            LOG.log(Level.WARNING, "netdev watcher: " + e.getMessage() + "; taking it as a virtual netdev", e);
            identity = new NetdevIdentity(null, false, dev.kind(), false, 0);
        }
        if (!selection.accepts(dev, identity)) {
            return;
        }
        String portName = registry.find(dev.name()).isPresent() ? dev.name() + "@" + dev.ifindex() : dev.name();
        AfPacketPort port;
        try {
            port = AfPacketPort.create(portName, dev, identity, pool, options);
            registry.add(port);
        } catch (PortException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "netdev watcher: netdev " + dev.name() + " (ifindex " + dev.ifindex()
                    + ") not registered: " + e.getMessage());
            return;
        }
        t.ports.add(port);
        LOG.log(Level.INFO, "netdev watcher: NEW " + port + " mac " + dev.mac() + " " + identity);
    }

    private void renamed(Tracked t, String from, String to) {
        for (AfPacketPort p : t.ports) {
            p.onRenamed(to);
            LOG.log(Level.INFO, "netdev watcher: netdev " + from + " renamed " + to + "; port " + p.name()
                    + " keeps its name and its binding (ifindex " + p.ifindex() + ")");
            for (NetdevListener l : listeners) {
                registry.execute(() -> l.onRenamed(p, from, to));
            }
        }
    }

    private void onLinkGone(int ifindex, String why) {
        Tracked t = byIndex.remove(ifindex);
        if (t == null) {
            return;
        }
        for (AfPacketPort p : t.ports) {
            removed(p, why);
        }
    }

    private void removed(AfPacketPort port, String why) {
        port.onNetdevRemoved();
        registry.remove(port, RemovalReason.SURPRISE);
        LOG.log(Level.INFO, "netdev watcher: REMOVED " + port + " (" + why + ")");
    }

    private int checkSockets() {
        int n = 0;
        List<Integer> gone = null;
        for (Tracked t : byIndex.values()) {
            for (AfPacketPort p : t.ports) {
                if (p.state() != PortState.STARTED) {
                    continue;
                }
                AfPacketPort.Health h;
                try {
                    h = p.checkSockets();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "netdev watcher: checking the sockets of " + p + " failed", e);
                    continue;
                }
                if (h == AfPacketPort.Health.GONE) {
                    if (gone == null) {
                        gone = new ArrayList<>();
                    }
                    gone.add(t.dev.ifindex());
                } else if (h == AfPacketPort.Health.DOWN) {
                    p.onLink(false);
                    n++;
                }
            }
        }
        if (gone != null) {
            for (int ifindex : gone) {
                onLinkGone(ifindex, "ENETDOWN on the packet socket, binding reset");
                n++;
            }
        }
        return n;
    }

    private void resync() {
        List<Netdev> now = Kernel.links().dumpLinks();
        Set<Integer> present = new HashSet<>();
        for (Netdev dev : now) {
            present.add(dev.ifindex());
            onLinkMessage(dev);
        }
        for (Integer ifindex : new ArrayList<>(byIndex.keySet())) {
            if (!present.contains(ifindex)) {
                onLinkGone(ifindex, "missing from a resynchronising dump");
            }
        }
    }

    /**
     * Tells the thread to stop and close the netlink socket itself, without waiting for it: for callers that hold a
     * lock the thread may need (a port's monitor, from the port's close). Ports are not closed.
     */
    void closeAsync() {
        synchronized (this) {
            if (thread == null) {
                closeSocket();
                return;
            }
            closeOnExit = true;
            running = false;
        }
    }

    private synchronized void closeSocket() {
        if (events != null) {
            events.close();
            events = null;
        }
    }

    /** Stops the thread, if any, and closes the netlink socket. Ports are not closed. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = thread;
            running = false;
        }
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        closeSocket();
    }
}

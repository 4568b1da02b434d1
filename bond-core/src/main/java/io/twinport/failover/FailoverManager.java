package io.twinport.failover;

import io.twinport.policy.pairing.IgnoredPort;
import io.twinport.policy.pairing.Pair;
import io.twinport.policy.pairing.Pairing;
import io.twinport.policy.pairing.PairingCandidate;
import io.twinport.policy.pairing.PairingConflict;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.policy.selection.MemberRole;
import io.twinport.port.Claim;
import io.twinport.port.Port;
import io.twinport.port.PortEvent;
import io.twinport.port.PortException;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortListener;
import io.twinport.registry.PortRegistry;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Watches a registry and forms failover ports by itself (DESIGN.md, "Forming by itself"): whenever the set of ports
 * changes it asks {@link Pairing#decide} which ports pair up, creates a {@link FailoverPort} for each new standby
 * (claiming it first), attaches primary candidates (claiming them first), and detaches members that disappear. The
 * order in which ports appear never matters: every change re-reads the whole registry. Failover ports are added to
 * the registry as ports of their own, named {@code failover0}, {@code failover1}, ...
 *
 * <p>Everything runs on the control thread: registry events arrive there, and {@link #doWork()} (the duty cycle of
 * every failover port) must be called there too; {@link #startControlThread} runs both the registry's and this
 * manager's duty cycles on one thread.
 */
public final class FailoverManager implements PortListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FailoverManager.class.getName());

    private final PortRegistry registry;
    private final FailoverOptions options;
    private final PairingExclusions exclusions;
    private final LongSupplier clock;
    private final List<FailoverListener> listeners = new CopyOnWriteArrayList<>();
    // control thread state
    private final Map<String, FailoverPort> byKey = new LinkedHashMap<>();
    private final Set<String> closedKeys = new HashSet<>();
    private final Set<String> reportedConflicts = new HashSet<>();
    private final Set<Port> failedAttach = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Port> unplugging = Collections.newSetFromMap(new IdentityHashMap<>());
    private int nextId;
    private AutoCloseable registration;
    private volatile Thread controlThread;
    private volatile boolean running;

    /**
     * @param registry   the registry to watch
     * @param options    behaviour of the failover ports it forms
     * @param exclusions ports never paired
     * @param clock      the control thread's clock ({@code System::nanoTime}, or a fake in tests)
     */
    public FailoverManager(PortRegistry registry, FailoverOptions options, PairingExclusions exclusions,
                           LongSupplier clock) {
        this.registry = registry;
        this.options = options;
        this.exclusions = exclusions;
        this.clock = clock;
    }

    /** Starts watching: existing ports are reported first, so they are paired too. */
    public synchronized void start() {
        if (registration == null) {
            registration = registry.addListener(this);
        }
    }

    /**
     * @param listener told about every failover event, on the control thread
     * @return a handle that removes it
     */
    public AutoCloseable addListener(FailoverListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** @return the failover ports formed so far and not closed */
    public synchronized List<FailoverPort> failoverPorts() {
        return List.copyOf(byKey.values());
    }

    /**
     * @param member a port
     * @return the failover port that holds it as a member
     */
    public synchronized Optional<FailoverPort> failoverPortOf(Port member) {
        for (FailoverPort fp : byKey.values()) {
            if (fp.primary().orElse(null) == member || fp.standby().orElse(null) == member) {
                return Optional.of(fp);
            }
        }
        return Optional.empty();
    }

    /**
     * The host warns that it will unplug {@code memberName} (a migration's graceful path). The member is switched
     * away from, drained, stopped and released; it is not paired again until it has been removed.
     *
     * @param memberName the member's port name
     * @return completes when the host may unplug it
     * @throws IllegalArgumentException if no failover port holds a member of that name
     */
    public synchronized CompletableFuture<Void> prepareUnplug(String memberName) {
        for (FailoverPort fp : byKey.values()) {
            for (Optional<Port> m : List.of(fp.primary(), fp.standby())) {
                if (m.isPresent() && m.get().name().equals(memberName)) {
                    unplugging.add(m.get());
                    return fp.prepareUnplug(m.get());
                }
            }
        }
        throw new IllegalArgumentException("no failover port has a member named " + memberName + "; members: "
                + memberNames());
    }

    private List<String> memberNames() {
        List<String> names = new ArrayList<>();
        for (FailoverPort fp : byKey.values()) {
            fp.primary().ifPresent(p -> names.add(p.name()));
            fp.standby().ifPresent(p -> names.add(p.name()));
        }
        return names;
    }

    // ------------------------------------------------------------------ control thread

    @Override
    public synchronized void onPortEvent(PortEvent event) {
        Port port = event.port();
        if (port instanceof FailoverPort) {
            return;
        }
        switch (event.type()) {
            case REMOVED -> {
                unplugging.remove(port);
                failedAttach.remove(port);
                for (FailoverPort fp : byKey.values()) {
                    fp.detach(port);
                }
                reconcile();
            }
            case NEW -> reconcile();
            case LINK_UP, LINK_DOWN -> failoverPortOf(port).ifPresent(fp -> fp.memberLinkChanged(port));
            case ANNOUNCE_REQUESTED -> failoverPortOf(port).ifPresent(fp -> fp.memberAnnounceRequested(port));
        }
    }

    /**
     * The duty cycle: every failover port's {@link FailoverPort#doWork()}; failover ports the application closed
     * leave the registry (and their pair is not formed again).
     *
     * @return work done (0: idle)
     */
    public synchronized int doWork() {
        int work = 0;
        for (var it = byKey.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            FailoverPort fp = e.getValue();
            if (fp.state() == PortState.CLOSED) {
                it.remove();
                closedKeys.add(e.getKey());
                registry.remove(fp, RemovalReason.CLOSED);
                work++;
                continue;
            }
            work += fp.doWork();
        }
        return work;
    }

    private void reconcile() {
        Set<String> ours = new HashSet<>();
        for (FailoverPort fp : byKey.values()) {
            ours.add(fp.name());
        }
        List<PairingCandidate> candidates = new ArrayList<>();
        for (Port p : registry.ports()) {
            if (p instanceof FailoverPort || p.state().isGone() || unplugging.contains(p)) {
                continue;
            }
            Optional<String> owner = p.owner();
            if (owner.isPresent() && !ours.contains(owner.get())) {
                continue; // someone else's port
            }
            candidates.add(new PairingCandidate(p.name(), p.info().driver(), p.info().mac(), p.info().features(),
                    p.info().identity().busAddress(), p.info().identity().pairId()));
        }
        Pairing pairing = Pairing.decide(candidates, exclusions);
        for (PairingConflict c : pairing.conflicts()) {
            if (reportedConflicts.add(c.describe())) {
                LOG.log(Level.WARNING, "failover pairing conflict: " + c.describe());
                emit(new FailoverEvent(FailoverEventType.CONFLICT, c.standby().map(this::portNameFor).orElse("none"),
                        Map.of("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT), "key", c.key().toString(),
                                "ports", String.join(",", c.ports())), clock.getAsLong()));
            }
        }
        for (IgnoredPort ignored : pairing.ignored()) {
            LOG.log(Level.DEBUG, "not paired: " + ignored);
        }
        for (Pair pair : pairing.pairs()) {
            formOrUpdate(pair);
        }
    }

    private String portNameFor(String standbyName) {
        for (FailoverPort fp : byKey.values()) {
            if (fp.standby().map(Port::name).orElse("").equals(standbyName)) {
                return fp.name();
            }
        }
        return "none";
    }

    private void formOrUpdate(Pair pair) {
        String key = pair.key().toString();
        if (closedKeys.contains(key)) {
            return;
        }
        FailoverPort fp = byKey.get(key);
        Port standby = registry.find(pair.standby().name()).orElse(null);
        if (standby == null) {
            return;
        }
        if (fp == null) {
            String name = "failover" + nextId;
            Claim claim = tryClaim(standby, name);
            if (claim == null) {
                return;
            }
            nextId++;
            fp = new FailoverPort(name, claim, options, clock, this::emit);
            byKey.put(key, fp);
            registry.add(fp);
            emit(new FailoverEvent(FailoverEventType.FAILOVER_NEGOTIATED, name, Map.of("standby", standby.name(),
                    "mac", standby.info().mac().toString(), "key", key), clock.getAsLong()));
        } else if (fp.standby().isEmpty() && !failedAttach.contains(standby)) {
            Claim claim = tryClaim(standby, fp.name());
            if (claim != null && !fp.attach(MemberRole.STANDBY, claim)) {
                failedAttach.add(standby);
            }
        }
        if (pair.primary().isPresent() && fp.primary().isEmpty()) {
            Port primary = registry.find(pair.primary().get().name()).orElse(null);
            if (primary != null && !failedAttach.contains(primary)) {
                Claim claim = tryClaim(primary, fp.name());
                if (claim != null && !fp.attach(MemberRole.PRIMARY, claim)) {
                    failedAttach.add(primary);
                }
            }
        }
    }

    private static Claim tryClaim(Port port, String owner) {
        if (port.owner().map(owner::equals).orElse(false)) {
            return null; // ours already
        }
        try {
            return port.claim(owner);
        } catch (PortException e) {
            LOG.log(Level.DEBUG, e.getMessage());
            return null;
        }
    }

    private void emit(FailoverEvent e) {
        for (FailoverListener l : listeners) {
            try {
                l.onFailoverEvent(e);
            } catch (RuntimeException ex) {
                LOG.log(Level.ERROR, "failover listener " + l + " failed on " + e, ex);
            }
        }
    }

    /**
     * Runs the registry's and this manager's duty cycles on one new daemon thread, spinning briefly and then parking
     * (at most 1 ms) when idle, until {@link #close()}.
     *
     * @param name the thread's name
     * @return the thread
     */
    public synchronized Thread startControlThread(String name) {
        if (controlThread != null) {
            throw new IllegalStateException("failover manager: control thread already running: "
                    + controlThread.getName());
        }
        start();
        running = true;
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            int idle = 0;
            while (running) {
                int work = registry.doWork() + doWork();
                if (work > 0) {
                    idle = 0;
                } else if (++idle < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 1_000_000L);
                }
            }
        });
        controlThread = t;
        registry.wakeOnWork(t); // registry work (events, execute()) unparks it at once
        t.start();
        return t;
    }

    /** Stops the control thread, if any, and stops watching. Failover ports are left as they are. */
    @Override
    public void close() {
        Thread t;
        AutoCloseable reg;
        synchronized (this) {
            running = false;
            t = controlThread;
            reg = registration;
            registration = null;
        }
        if (t != null) {
            registry.wakeOnWork(null);
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            controlThread = null;
        }
        if (reg != null) {
            try {
                reg.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "failover manager: unregistering failed", e);
            }
        }
    }
}

package io.twinport.fwd;

import io.twinport.failover.FailoverEvent;
import io.twinport.failover.FailoverEventType;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.PacketPool;
import io.twinport.policy.config.Durations;
import io.twinport.policy.config.TwinportConfig;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.Port;
import io.twinport.port.PortEventType;
import io.twinport.port.PortInfo;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortDiscoveries;
import io.twinport.registry.PortDiscovery;
import io.twinport.registry.PortRegistry;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The {@code --auto} part of a fwd run: the discoveries, the failover manager that pairs what they find, and what
 * was seen (for the message when nothing pairs). Everything here runs on the run's main thread, which is the
 * registry's control thread: {@link #doWork()} is called next to {@link PortRegistry#doWork()} in every loop of the
 * run, so registry events, the manager's duty cycle and the discoveries' duty cycles are one thread, in order.
 */
final class FwdAuto {
    /** Once a failover port has formed: how long nothing new must happen before forwarding starts. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final FwdOptions options;
    private final PrintStream err;
    private final PortDiscoveries discoveries;
    private final List<PortDiscovery.Session> sessions = new ArrayList<>();
    private final List<String> sessionNames = new ArrayList<>();
    // control thread state
    private final Map<String, Port> seen = new LinkedHashMap<>();
    private final List<String> conflicts = new ArrayList<>();
    private final List<String> failedSessions = new ArrayList<>();
    private boolean forwarding;
    private FailoverManager manager;
    private AutoCloseable seenListener;

    FwdAuto(FwdOptions options, PrintStream err, PortDiscoveries discoveries) {
        this.options = options;
        this.err = err;
        this.discoveries = discoveries;
    }

    /** @return the manager, once {@link #start} has run */
    FailoverManager manager() {
        return manager;
    }

    /**
     * Starts the manager, then the discoveries (ports that exist already are registered as they start).
     *
     * @return null, or why it failed
     */
    String start(PortRegistry registry, PacketPool pool) {
        seenListener = registry.addListener(e -> {
            if (e.type() == PortEventType.NEW && !(e.port() instanceof FailoverPort)) {
                seen.put(e.port().name(), e.port());
            }
        });
        FailoverOptions failover;
        try {
            failover = FailoverOptions.from(TwinportConfig.fromSystem());
        } catch (RuntimeException e) {
            return "--auto: twinport configuration refused: " + e.getMessage();
        }
        manager = new FailoverManager(registry, failover, PairingExclusions.NONE, System::nanoTime);
        manager.addListener(this::onFailoverEvent);
        manager.start();
        if (discoveries.all().isEmpty()) {
            err.println("fwd: note: --auto: no port discovery installed; pairing the --port ports only");
        }
        for (PortDiscovery d : discoveries.all()) {
            try {
                PortDiscovery.Session s = d.start(registry, pool, options.discoverySettings());
                sessions.add(s);
                sessionNames.add(d.name() + " (" + s.describe() + ")");
            } catch (RuntimeException e) {
                return "--auto: discovery " + d.name() + " failed to start: " + e.getMessage();
            }
        }
        return null;
    }

    /** The duty cycles of the manager and the discoveries; the caller runs the registry's. */
    int doWork() {
        int work = manager == null ? 0 : manager.doWork();
        for (int i = 0; i < sessions.size(); i++) {
            try {
                work += sessions.get(i).doWork();
            } catch (RuntimeException e) {
                String msg = "--auto: discovery " + sessionNames.get(i) + " failed: " + e;
                if (!failedSessions.contains(msg)) {
                    failedSessions.add(msg);
                    err.println("fwd: " + msg + "; going on");
                }
            }
        }
        return work;
    }

    /**
     * Runs the control plane until at least one failover port has formed and nothing new happened for a moment,
     * or until {@code --auto-wait}.
     *
     * @param registry    the registry, whose duty cycle runs here too
     * @param interrupted true when the run was interrupted
     * @return the failover ports formed, sorted by name; empty if none
     */
    List<FailoverPort> awaitFailoverPorts(PortRegistry registry, BooleanSupplier interrupted) {
        long start = System.nanoTime();
        long deadline = start + options.autoWait().toNanos();
        long changed = start;
        int lastSeen = -1;
        int lastFormed = -1;
        int lastMembers = -1;
        while (!interrupted.getAsBoolean()) {
            registry.doWork();
            doWork();
            long now = System.nanoTime();
            List<FailoverPort> formed = manager.failoverPorts();
            int members = 0;
            for (FailoverPort fp : formed) {
                members += (fp.primary().isPresent() ? 1 : 0) + (fp.standby().isPresent() ? 1 : 0);
            }
            if (seen.size() != lastSeen || formed.size() != lastFormed || members != lastMembers) {
                lastSeen = seen.size();
                lastFormed = formed.size();
                lastMembers = members;
                changed = now;
            }
            if ((!formed.isEmpty() && now - changed >= SETTLE_NANOS) || now >= deadline) {
                break;
            }
            LockSupport.parkNanos(TICK_NANOS);
        }
        List<FailoverPort> formed = new ArrayList<>(manager.failoverPorts());
        formed.sort(Comparator.comparing(Port::name));
        for (FailoverPort fp : formed) {
            err.println("fwd: --auto: " + fp.name() + " (mac " + fp.mac() + "): standby "
                    + fp.standby().map(Port::name).orElse("none") + ", primary "
                    + fp.primary().map(Port::name).orElse("none yet"));
        }
        return formed;
    }

    /** @return why nothing formed: the discoveries, the ports seen and what they offered, the conflicts */
    String nothingFormed() {
        StringBuilder sb = new StringBuilder("--auto: no failover port formed within "
                + Durations.format(options.autoWait().toNanos()) + "; discoveries: "
                + (sessionNames.isEmpty() ? "none" : String.join(", ", sessionNames)));
        if (seen.isEmpty()) {
            sb.append("; no port seen");
            return sb.toString();
        }
        sb.append("; ports seen: ");
        boolean anyStandby = false;
        int i = 0;
        for (Port p : seen.values()) {
            PortInfo info = p.info();
            boolean standby = (info.features() & VirtioNetFeature.STANDBY.mask()) != 0;
            boolean mac = (info.features() & VirtioNetFeature.MAC.mask()) != 0;
            anyStandby |= standby && mac;
            if (i++ > 0) {
                sb.append(", ");
            }
            sb.append(p.name()).append(" (").append(info.driver()).append(", mac ").append(info.mac())
                    .append(standby ? (mac ? ", STANDBY" : ", STANDBY without MAC") : ", no STANDBY").append(')');
        }
        if (!conflicts.isEmpty()) {
            sb.append("; pairing conflicts: ").append(String.join("; ", conflicts));
        } else if (!anyStandby) {
            sb.append("; none negotiated STANDBY with a MAC (a standby, e.g. a virtio-net device with"
                    + " failover=on, anchors every failover port)");
        }
        return sb.toString();
    }

    /** From now on, a failover port that forms is reported and not forwarded on. */
    void forwardingStarted() {
        forwarding = true;
    }

    private void onFailoverEvent(FailoverEvent e) {
        if (e.type() == FailoverEventType.CONFLICT) {
            String text = e.port() + ": " + e.data().get("kind") + " " + e.data().get("key") + " between "
                    + e.data().get("ports");
            conflicts.add(text);
            err.println("fwd: --auto: pairing conflict: " + text);
        } else if (e.type() == FailoverEventType.FAILOVER_NEGOTIATED && forwarding) {
            err.println("fwd: --auto: failover port " + e.port() + " formed after forwarding started (standby "
                    + e.data().get("standby") + ", mac " + e.data().get("mac") + "); not forwarded on");
        }
    }

    /**
     * Tear-down, in order: every failover port is closed (which releases its members' claims) and leaves the
     * registry, the manager stops, the discoveries close (closing the ports they added).
     *
     * @param failures where a failure is reported
     */
    void close(PortRegistry registry, List<String> failures) {
        if (manager != null) {
            for (FailoverPort fp : manager.failoverPorts()) {
                try {
                    fp.close();
                } catch (RuntimeException e) {
                    failures.add("port " + fp.name() + ": close failed: " + e.getMessage());
                }
                registry.remove(fp, RemovalReason.CLOSED);
            }
            registry.doWork();
            manager.doWork();
            manager.close();
        }
        for (PortDiscovery.Session s : sessions) {
            s.close();
        }
        sessions.clear();
        if (seenListener != null) {
            try {
                seenListener.close();
            } catch (Exception e) {
                failures.add("--auto: " + e.getMessage());
            }
        }
    }
}

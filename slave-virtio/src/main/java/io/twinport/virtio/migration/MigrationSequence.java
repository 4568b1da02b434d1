package io.twinport.virtio.migration;

import io.twinport.mgmt.MgmtCommand;
import io.twinport.mgmt.MgmtServer;
import io.twinport.policy.config.Durations;
import io.twinport.port.RemovalReason;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import static io.twinport.virtio.migration.MigrationState.COMPLETED;
import static io.twinport.virtio.migration.MigrationState.FAILED;
import static io.twinport.virtio.migration.MigrationState.FAILOVER_NEGOTIATED;
import static io.twinport.virtio.migration.MigrationState.MIGRATING;
import static io.twinport.virtio.migration.MigrationState.NONE;
import static io.twinport.virtio.migration.MigrationState.UNPLUG_REQUESTED;
import static io.twinport.virtio.migration.MigrationState.WAIT_UNPLUG;

/**
 * The host side of a live migration of one VM with a failover pair, the part QEMU and libvirt play: ask the guest to
 * let the VF go, wait for it (with a timeout, unlike QEMU), unplug the VF keeping its resources, move the virtio
 * device to the target, tell the guest to announce itself, plug the target's VF; on failure re-plug the same VF on
 * the source. Every step is a {@link MigrationEvent}. See {@link MigrationState} for the diagram.
 *
 * <p>Threads (Agrona-style): requests ({@link #standbyNegotiated}, {@link #requestMigration}, {@link #cancel},
 * {@link #plugVf}) come from any thread; each checks the state at once and throws a
 * {@link MigrationStateException} naming the state and what was expected, else records the request and returns.
 * Everything else happens in {@link #doWork()} on one control thread: the host operations ({@link HostVf},
 * {@link HostDevice}), the timeouts on the injected clock, and the delivery of events to listeners. No lock is
 * held while a host operation or a listener runs, so they may call back into the sequence. Tests call
 * {@link #doWork()} and advance a fake clock; {@link #startControlThread} runs it on a thread of its own.
 *
 * <p>The sequence is reusable: after COMPLETED the VM runs on the target, which is the source of the next migration;
 * after FAILED or a roll-back it runs on the same host as before.
 */
public final class MigrationSequence implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MigrationSequence.class.getName());
    private static final Set<MigrationState> SETTLED = EnumSet.of(FAILOVER_NEGOTIATED, COMPLETED, FAILED);
    private static final Set<MigrationState> WAITING = EnumSet.of(UNPLUG_REQUESTED, WAIT_UNPLUG);
    private static final Set<MigrationState> PLUGGABLE = EnumSet.of(NONE, FAILOVER_NEGOTIATED, COMPLETED, FAILED);
    /** Steps per {@link #doWork()} at most, so one call is bounded even if host operations complete at once. */
    private static final int MAX_STEPS = 16;

    private final String vm;
    private final MigrationOptions options;
    private final LongSupplier clock;
    private final List<MigrationListener> listeners = new CopyOnWriteArrayList<>();

    // Guarded by this. Requests change the state only from NONE and the settled states; the control thread changes
    // it from every other state, so a step that runs a host operation outside the lock finds its state unchanged.
    private final ArrayDeque<Pending> events = new ArrayDeque<>();
    private MigrationState state = NONE;
    private long stateSince;
    private MigrationHost host;
    private HostVf vf;
    private boolean vfPlugged;
    private boolean plugFailed;
    private long virtioOnlySince = -1;
    private long lastVirtioOnlyNanos = -1;
    // the migration in progress
    private MigrationHost source;
    private MigrationHost target;
    private HostVf heldVf;
    private long requestedAt;
    private long waitSince;
    private long waitUnplugNanos;
    private long transferStart;
    private CompletableFuture<Void> transfer;
    private CompletableFuture<MigrationEvent> outcome;
    private boolean cancelRequested;
    private boolean requestSent;
    private String requestError;
    // unplug requests: each has an id; the guest's answers raise releasedId
    private long requestId;
    private long releasedId;
    private HostVf withdrawnVf;
    private long withdrawnId;
    // for queries
    private long completedCount;
    private long failedCount;
    private Map<String, Object> last;

    private volatile Thread controlThread;
    private volatile boolean running;

    /**
     * @param vm      the VM's name, in every event and query
     * @param host    where the VM runs now, with the VF reserved for it there, if any (plugged once the guest
     *                negotiates STANDBY)
     * @param options timeouts and what happens on them
     * @param clock   the control thread's clock in nanoseconds ({@code System::nanoTime}, or a fake in tests)
     */
    public MigrationSequence(String vm, MigrationHost host, MigrationOptions options, LongSupplier clock) {
        this.vm = Objects.requireNonNull(vm, "vm");
        this.host = Objects.requireNonNull(host, "host");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.vf = host.vf();
        this.stateSince = clock.getAsLong();
    }

    // ------------------------------------------------------------------ requests (any thread)

    /**
     * The guest's driver negotiated VIRTIO_NET_F_STANDBY on the virtio device: the VF, hidden until now (as with
     * QEMU's {@code failover=on}), is plugged by the control thread. NONE → FAILOVER_NEGOTIATED.
     *
     * @throws MigrationStateException unless the state is NONE
     */
    public synchronized void standbyNegotiated() {
        require("take the guest's STANDBY negotiation", EnumSet.of(NONE));
        setState(FAILOVER_NEGOTIATED, clock.getAsLong());
        wake();
    }

    /**
     * Starts a migration to {@code target}: → UNPLUG_REQUESTED (or straight to MIGRATING when the guest has no VF
     * plugged). The control thread does the rest.
     *
     * @param target where the VM is to run
     * @return completes, on the control thread after the listeners heard it, with the migration's last event:
     *         MIGRATION_COMPLETED or MIGRATION_FAILED
     * @throws MigrationStateException  unless the state is FAILOVER_NEGOTIATED, COMPLETED or FAILED
     * @throws IllegalArgumentException if the target is the host the VM runs on
     */
    public synchronized CompletableFuture<MigrationEvent> requestMigration(MigrationHost target) {
        Objects.requireNonNull(target, "target");
        require("request a migration", SETTLED);
        if (target.name().equals(host.name())) {
            throw new IllegalArgumentException("migration of " + vm + ": the target " + target.name()
                    + " is the host the VM runs on");
        }
        long now = clock.getAsLong();
        this.source = host;
        this.target = target;
        requestedAt = now;
        waitSince = now;
        waitUnplugNanos = 0;
        transferStart = now;
        transfer = null;
        heldVf = null;
        cancelRequested = false;
        requestSent = false;
        requestError = null;
        lastVirtioOnlyNanos = -1;
        outcome = new CompletableFuture<>();
        setState(UNPLUG_REQUESTED, now);
        wake();
        return outcome;
    }

    /**
     * Cancels the migration before the VF is unplugged: the unplug request is withdrawn, → FAILOVER_NEGOTIATED with
     * MIGRATION_FAILED (reason {@code cancelled}). Once the VF is unplugged (MIGRATING) the migration can no longer
     * be cancelled; it completes or fails (bounded by the transfer timeout).
     *
     * @return the migration's outcome (as {@link #requestMigration} returned it)
     * @throws MigrationStateException unless the state is UNPLUG_REQUESTED or WAIT_UNPLUG
     */
    public synchronized CompletableFuture<MigrationEvent> cancel() {
        require("cancel a migration", WAITING);
        cancelRequested = true;
        wake();
        return outcome;
    }

    /**
     * Gives the host the VM runs on a VF for it (one appeared on a target that had none, or a plug failed and is to
     * be tried again): the control thread plugs it once the guest negotiated STANDBY.
     *
     * @param newVf the VF
     * @throws MigrationStateException unless the state is NONE, FAILOVER_NEGOTIATED, COMPLETED or FAILED
     * @throws IllegalStateException   if the host already has another VF for the VM, or this one is plugged
     */
    public synchronized void plugVf(HostVf newVf) {
        Objects.requireNonNull(newVf, "vf");
        require("plug a VF", PLUGGABLE);
        if (vf != null && vf != newVf) {
            throw new IllegalStateException("migration of " + vm + ": host " + host.name() + " already has VF "
                    + vf.name() + " for the VM (" + (vfPlugged ? "plugged" : "not plugged") + "); cannot add "
                    + newVf.name());
        }
        if (vf == newVf && vfPlugged) {
            throw new IllegalStateException("migration of " + vm + ": VF " + newVf.name() + " is already plugged on "
                    + host.name());
        }
        vf = newVf;
        plugFailed = false;
        wake();
    }

    private void require(String request, Set<MigrationState> expected) {
        if (!expected.contains(state)) {
            throw new MigrationStateException(vm, request, state, expected);
        }
    }

    /** Called through the {@link PrimaryReleased} of request {@code id}; any thread. */
    private synchronized void released(long id) {
        if (id > releasedId) {
            releasedId = id;
        }
        wake();
    }

    // ------------------------------------------------------------------ listeners and queries

    /**
     * @param listener told about every event, on the control thread; an exception it throws is logged and does not
     *                 stop the sequence or the other listeners
     * @return a handle that removes it
     */
    public AutoCloseable addListener(MigrationListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Serves this sequence on a management socket: every event goes to its clients as a JSON line
     * ({@link MgmtServer#publishEvent}) and {@code query-migration} lists {@link #status()}.
     *
     * @param server the management server
     * @return a handle that stops both
     */
    public AutoCloseable serveOn(MgmtServer server) {
        Objects.requireNonNull(server, "server");
        AutoCloseable events = addListener(e -> server.publishEvent(e.type().wireName(), e.data()));
        AutoCloseable entry = server.addQueryEntry(MgmtCommand.QUERY_MIGRATION, this::status);
        return () -> {
            try (entry; events) {
                // both removed
            }
        };
    }

    /** @return the VM's name */
    public String vm() {
        return vm;
    }

    /** @return the state now */
    public synchronized MigrationState state() {
        return state;
    }

    /** @return the host the VM runs on now */
    public synchronized MigrationHost host() {
        return host;
    }

    /** @return the VF reserved for the VM on its host now (plugged or not), if any */
    public synchronized Optional<HostVf> vf() {
        return Optional.ofNullable(vf);
    }

    /** @return whether that VF is plugged into the guest */
    public synchronized boolean vfPlugged() {
        return vfPlugged;
    }

    /**
     * @return what {@code query-migration} shows: vm, state, state_ns (time in it), host, vf, vf_plugged, target
     *         (while a migration runs, else null), completed and failed (counts), last (the last outcome: event,
     *         source, target, reason, or null)
     */
    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vm", vm);
        m.put("state", state.wireName());
        m.put("state_ns", clock.getAsLong() - stateSince);
        m.put("host", host.name());
        m.put("vf", vf == null ? null : vf.name());
        m.put("vf_plugged", vfPlugged);
        m.put("target", state.isSettled() || state == NONE ? null : target.name());
        m.put("completed", completedCount);
        m.put("failed", failedCount);
        m.put("last", last);
        return m;
    }

    // ------------------------------------------------------------------ control thread

    /**
     * The duty cycle: advances the sequence as far as it can now (host operations, timeouts), then delivers the
     * events to the listeners. Call it from one thread only.
     *
     * @return work done (0: idle)
     */
    public int doWork() {
        int work = 0;
        for (int i = 0; i < MAX_STEPS; i++) {
            int w = step();
            if (w == 0) {
                break;
            }
            work += w;
        }
        return work + deliver();
    }

    private int step() {
        MigrationState s;
        synchronized (this) {
            s = state;
        }
        return switch (s) {
            case NONE -> 0;
            case FAILOVER_NEGOTIATED, COMPLETED, FAILED -> settledStep();
            case UNPLUG_REQUESTED -> unplugRequestedStep();
            case WAIT_UNPLUG -> waitUnplugStep();
            case MIGRATING -> migratingStep();
        };
    }

    /** Settled: plug a VF that is not plugged; take a VF back that the guest released after a withdrawn request. */
    private int settledStep() {
        HostVf v;
        boolean reoffer = false;
        synchronized (this) {
            v = vf;
            if (withdrawnVf != null && releasedId >= withdrawnId) {
                // the guest let the VF go although the request was withdrawn: it does not use it any more
                reoffer = withdrawnVf == v && vfPlugged;
                withdrawnVf = null;
                if (!reoffer) {
                    return 1;
                }
            } else if (v == null || vfPlugged || plugFailed) {
                return 0;
            }
        }
        if (reoffer) {
            try {
                v.unplug(RemovalReason.GRACEFUL);
            } catch (RuntimeException e) {
                vfOpFailed(v, "unplug", e);
                return 1;
            }
            synchronized (this) {
                vfPlugged = false;
                virtioOnlySince = clock.getAsLong();
            }
            plug(v, "re-offer");
            return 1;
        }
        plug(v, "vf-appeared");
        return 1;
    }

    private int unplugRequestedStep() {
        HostVf v;
        long id;
        boolean cancelled;
        synchronized (this) {
            cancelled = cancelRequested;
        }
        if (cancelled) {
            return rollBack("cancelled"); // nothing was sent yet
        }
        synchronized (this) {
            long now = clock.getAsLong();
            if (vf == null || !vfPlugged) {
                heldVf = vf; // never plugged (or its plug failed): nothing for the guest to release
                setState(MIGRATING, now);
                transferStart = now;
                return 1;
            }
            v = vf;
            emit(MigrationEventType.UNPLUG_PRIMARY, now, "vf", v.name(), "host", host.name(), "target",
                    target.name());
            waitSince = now;
            setState(WAIT_UNPLUG, now);
            emit(MigrationEventType.WAIT_UNPLUG, now, "vf", v.name(), "host", host.name(), "timeout_ns",
                    options.unplugTimeoutNanos());
            requestSent = true;
            if (withdrawnVf == v && releasedId >= withdrawnId) {
                // the guest already let it go, answering a request that was withdrawn: that answer stands
                withdrawnVf = null;
                requestId = withdrawnId;
                return 1;
            }
            withdrawnVf = null; // a new request for the same VF supersedes a withdrawn one
            id = ++requestId;
        }
        try {
            v.requestUnplug(() -> released(id));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "migration of " + vm + ": the unplug request for VF " + v.name() + " failed", e);
            synchronized (this) {
                requestSent = false;
                requestError = String.valueOf(e);
            }
        }
        return 1;
    }

    private int waitUnplugStep() {
        HostVf v;
        RemovalReason how = null;
        String rollBackReason = null;
        synchronized (this) {
            long now = clock.getAsLong();
            v = vf;
            long timeout = options.unplugTimeoutNanos();
            if (cancelRequested) {
                rollBackReason = "cancelled";
            } else if (requestError != null) {
                rollBackReason = "the unplug request for VF " + v.name() + " failed: " + requestError;
            } else if (releasedId >= requestId) {
                how = RemovalReason.GRACEFUL;
            } else if (timeout > 0 && now - waitSince >= timeout) {
                if (options.onUnplugTimeout() == UnplugTimeoutAction.ROLL_BACK) {
                    rollBackReason = "the guest did not release VF " + v.name() + " within "
                            + Durations.format(timeout);
                } else {
                    how = RemovalReason.SURPRISE;
                }
            } else {
                return 0;
            }
        }
        if (rollBackReason != null) {
            return rollBack(rollBackReason);
        }
        try {
            v.unplug(how);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "migration of " + vm + ": unplugging VF " + v.name() + " failed", e);
            return rollBack("unplugging VF " + v.name() + " failed: " + e);
        }
        synchronized (this) {
            long now = clock.getAsLong();
            waitUnplugNanos = now - waitSince;
            vfPlugged = false;
            heldVf = v;
            virtioOnlySince = now;
            emit(MigrationEventType.VF_UNPLUGGED, now, "vf", v.name(), "host", host.name(), "reason",
                    how == RemovalReason.GRACEFUL ? "graceful" : "surprise", "wait_unplug_ns", waitUnplugNanos);
            setState(MIGRATING, now);
            transferStart = now;
        }
        return 1;
    }

    /**
     * Before the VF is unplugged: withdraw the request, back to FAILOVER_NEGOTIATED, MIGRATION_FAILED. Called
     * without the lock (it runs a host operation).
     */
    private int rollBack(String reason) {
        HostVf v;
        boolean sent;
        synchronized (this) {
            v = vf;
            sent = requestSent;
        }
        if (sent) {
            try {
                v.cancelUnplugRequest();
            } catch (RuntimeException e) {
                vfOpFailed(v, "cancel-unplug-request", e);
            }
        }
        synchronized (this) {
            long now = clock.getAsLong();
            MigrationState failedIn = state;
            if (failedIn == WAIT_UNPLUG) {
                waitUnplugNanos = now - waitSince;
            }
            if (sent) {
                withdrawnVf = v; // if the guest answers it anyway, it gets the VF back (settledStep)
                withdrawnId = requestId;
            }
            setState(FAILOVER_NEGOTIATED, now);
            finish(MigrationEventType.MIGRATION_FAILED, now, false, "source", source.name(), "target",
                    target.name(), "failed_in", failedIn.wireName(), "reason", reason, "wait_unplug_ns",
                    waitUnplugNanos, "total_ns", now - requestedAt, "state", FAILOVER_NEGOTIATED.wireName());
        }
        return 1;
    }

    private int migratingStep() {
        CompletableFuture<Void> t;
        MigrationHost src;
        MigrationHost dst;
        boolean timedOut;
        synchronized (this) {
            t = transfer;
            src = host;
            dst = target;
            long timeout = options.transferTimeoutNanos();
            timedOut = t != null && !t.isDone() && timeout > 0 && clock.getAsLong() - transferStart >= timeout;
        }
        if (t == null) {
            CompletableFuture<Void> started;
            try {
                started = src.device().migrateTo(dst.device());
                if (started == null) {
                    throw new IllegalStateException("migrateTo returned null");
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "migration of " + vm + ": the device transfer did not start", e);
                return fail("the device transfer failed: " + e);
            }
            synchronized (this) {
                transfer = started;
            }
            return 1;
        }
        if (timedOut) {
            t.cancel(true);
            return fail("the device transfer did not finish within "
                    + Durations.format(options.transferTimeoutNanos()));
        }
        if (!t.isDone()) {
            return 0;
        }
        try {
            t.get();
        } catch (CancellationException e) {
            return fail("the device transfer was cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : e.getCause();
            return fail("the device transfer failed: " + cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // not reached: the future is done
            return 0;
        }
        return complete();
    }

    /** After the VF was unplugged: re-plug the same VF on the source, FAILED, MIGRATION_FAILED. */
    private int fail(String reason) {
        HostVf v;
        synchronized (this) {
            v = heldVf;
            heldVf = null;
            if (v != null) {
                vf = v;
                plugFailed = false;
            }
        }
        if (v != null) {
            plug(v, "roll-back");
        }
        synchronized (this) {
            long now = clock.getAsLong();
            transfer = null;
            setState(FAILED, now);
            finish(MigrationEventType.MIGRATION_FAILED, now, false, "source", source.name(), "target",
                    target.name(), "failed_in", MIGRATING.wireName(), "reason", reason, "wait_unplug_ns",
                    waitUnplugNanos, "total_ns", now - requestedAt, "state", FAILED.wireName());
        }
        return 1;
    }

    /** The device runs on the target: announce, give the source VF back, plug the target's VF, COMPLETED. */
    private int complete() {
        MigrationHost src;
        MigrationHost dst;
        HostVf old;
        synchronized (this) {
            src = host;
            dst = target;
            old = heldVf;
        }
        String announce = "requested";
        try {
            dst.device().requestAnnounce();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "migration of " + vm + ": the announce request on " + dst.name() + " failed", e);
            announce = "failed: " + e;
        }
        if (old != null) {
            try {
                old.release();
            } catch (RuntimeException e) {
                vfOpFailed(old, "release", e);
            }
        }
        HostVf next;
        long transferNanos;
        synchronized (this) {
            transferNanos = clock.getAsLong() - transferStart;
            host = dst;
            vf = dst.vf();
            vfPlugged = false;
            plugFailed = false;
            heldVf = null;
            transfer = null;
            next = vf;
        }
        if (next != null) {
            plug(next, "migrated");
        }
        synchronized (this) {
            long now = clock.getAsLong();
            setState(COMPLETED, now);
            finish(MigrationEventType.MIGRATION_COMPLETED, now, true, "source", src.name(), "target", dst.name(),
                    "vf", vfPlugged ? vf.name() : null, "wait_unplug_ns", waitUnplugNanos, "transfer_ns",
                    transferNanos, "total_ns", now - requestedAt, "virtio_only_ns",
                    vfPlugged && lastVirtioOnlyNanos >= 0 ? lastVirtioOnlyNanos : null, "announce", announce);
        }
        return 1;
    }

    /** Plugs {@code v} (the VF of the current host); REPLUGGED if the guest was on virtio only, else VF_PLUGGED. */
    private void plug(HostVf v, String reason) {
        try {
            v.plug();
        } catch (RuntimeException e) {
            synchronized (this) {
                if (vf == v) {
                    plugFailed = true;
                }
            }
            vfOpFailed(v, "plug", e);
            return;
        }
        synchronized (this) {
            long now = clock.getAsLong();
            if (vf == v) {
                vfPlugged = true;
            }
            if (virtioOnlySince >= 0) {
                lastVirtioOnlyNanos = now - virtioOnlySince;
                virtioOnlySince = -1;
                emit(MigrationEventType.REPLUGGED, now, "vf", v.name(), "host", host.name(), "reason", reason,
                        "virtio_only_ns", lastVirtioOnlyNanos);
            } else {
                emit(MigrationEventType.VF_PLUGGED, now, "vf", v.name(), "host", host.name());
            }
        }
    }

    private void vfOpFailed(HostVf v, String op, RuntimeException e) {
        LOG.log(Level.WARNING, "migration of " + vm + ": " + op + " of VF " + v.name() + " failed", e);
        synchronized (this) {
            emit(MigrationEventType.VF_OP_FAILED, clock.getAsLong(), "vf", v.name(), "host", host.name(), "op", op,
                    "error", String.valueOf(e));
        }
    }

    // ------------------------------------------------------------------ events (lock held)

    private void setState(MigrationState next, long now) {
        MigrationState previous = state;
        state = next;
        stateSince = now;
        emit(MigrationEventType.MIGRATION, now, "status", next.wireName(), "previous", previous.wireName());
    }

    private void emit(MigrationEventType type, long now, Object... kv) {
        events.add(new Pending(event(type, now, kv), null));
    }

    private void finish(MigrationEventType type, long now, boolean completed, Object... kv) {
        MigrationEvent e = event(type, now, kv);
        if (completed) {
            completedCount++;
        } else {
            failedCount++;
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("event", type.wireName());
        summary.put("source", e.get("source"));
        summary.put("target", e.get("target"));
        summary.put("reason", e.get("reason"));
        summary.put("total_ns", e.get("total_ns"));
        last = summary;
        events.add(new Pending(e, outcome));
    }

    private MigrationEvent event(MigrationEventType type, long now, Object... kv) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("vm", vm);
        for (int i = 0; i < kv.length; i += 2) {
            data.put((String) kv[i], kv[i + 1]);
        }
        data.put("nano_time", now);
        return new MigrationEvent(type, data, now);
    }

    /** Delivers queued events to the listeners, outside the lock; completes an outcome after its event. */
    private int deliver() {
        int n = 0;
        while (true) {
            Pending p;
            synchronized (this) {
                p = events.poll();
            }
            if (p == null) {
                return n;
            }
            for (MigrationListener l : listeners) {
                try {
                    l.onMigrationEvent(p.event);
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "migration listener " + l + " failed on " + p.event, e);
                }
            }
            if (p.outcome != null) {
                p.outcome.complete(p.event);
            }
            n++;
        }
    }

    private record Pending(MigrationEvent event, CompletableFuture<MigrationEvent> outcome) {
    }

    // ------------------------------------------------------------------ running it

    private void wake() {
        Thread t = controlThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Runs {@link #doWork()} on a new daemon thread, spinning briefly and then parking (at most 1 ms, so timeouts
     * are noticed) when idle, until {@link #close()}; requests wake it at once. Do not call {@link #doWork()}
     * yourself after this.
     *
     * @param name the thread's name
     * @return the thread
     * @throws IllegalStateException if one is running already
     */
    public synchronized Thread startControlThread(String name) {
        if (controlThread != null) {
            throw new IllegalStateException("migration of " + vm + ": control thread already running: "
                    + controlThread.getName());
        }
        running = true;
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            int idle = 0;
            while (running) {
                if (doWork() > 0) {
                    idle = 0;
                } else if (++idle < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 1_000_000L);
                }
            }
        });
        controlThread = t;
        t.start();
        return t;
    }

    /**
     * Stops the control thread, if any (waiting up to 5 s). Host resources are left as they are: a migration in
     * progress stays where it is, and {@link #doWork()} may be called again to continue it.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = controlThread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                controlThread = null;
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "MigrationSequence[" + vm + ", " + state + " on " + host + "]";
    }
}

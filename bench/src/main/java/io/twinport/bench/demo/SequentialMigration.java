package io.twinport.bench.demo;

import io.twinport.port.RemovalReason;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's host-side migration sequence: a STAND-IN, run step by step on the calling thread, until the host-side
 * state machine ({@code io.twinport.virtio.migration}) is available. Its states and event names are that state
 * machine's: {@code MIGRATION} (data: status, previous) on every state change, {@code VF_PLUGGED},
 * {@code UNPLUG_PRIMARY}, {@code WAIT_UNPLUG}, {@code VF_UNPLUGGED}, {@code MIGRATION_COMPLETED},
 * {@code MIGRATION_FAILED}, {@code REPLUGGED}.
 *
 * <pre>
 *  NONE ─► FAILOVER_NEGOTIATED ─migrate─► UNPLUG_REQUESTED ─► WAIT_UNPLUG ─► MIGRATING ─► COMPLETED
 *                                  └─ surprise: the VF is pulled at once ───────────►┘          └─► FAILED (source VF back)
 * </pre>
 *
 * When the guest does not release the VF within the unplug timeout, it is unplugged anyway (a forced, surprise
 * unplug; the event says so). The real state machine also rolls back, cancels and handles a target without a VF.
 */
public final class SequentialMigration implements HostMigration {
    private final HostOperations ops;
    private final Host source;
    private final Host target;
    private final long unplugTimeoutNanos;
    private final EventSink sink;
    private String state = "none";

    /**
     * @param ops                what the hosts do
     * @param source             where the guest runs first
     * @param target             where it goes
     * @param unplugTimeoutNanos how long WAIT_UNPLUG waits for the guest
     * @param sink               where events go
     */
    public SequentialMigration(HostOperations ops, Host source, Host target, long unplugTimeoutNanos,
                               EventSink sink) {
        this.ops = ops;
        this.source = source;
        this.target = target;
        this.unplugTimeoutNanos = unplugTimeoutNanos;
        this.sink = sink;
    }

    @Override
    public void start(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!ops.standbyNegotiated(source)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the guest did not negotiate STANDBY with the " + source.name()
                        + "'s virtio device within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            Thread.sleep(1);
        }
        moveTo("failover-negotiated");
        ops.plugVf(source);
        emit("VF_PLUGGED", "vf", source.vf().path(), "host", source.name());
    }

    @Override
    public Outcome migrate(boolean surprise) throws InterruptedException {
        long begin = System.nanoTime();
        long waitNanos = 0;
        String unplugReason;
        if (surprise) {
            ops.unplugVf(source, RemovalReason.SURPRISE);
            unplugReason = "surprise";
        } else {
            moveTo("unplug-requested");
            CompletableFuture<Void> released = ops.requestUnplug(source);
            emit("UNPLUG_PRIMARY", "vf", source.vf().path(), "host", source.name(), "target", target.name());
            moveTo("wait-unplug");
            emit("WAIT_UNPLUG", "vf", source.vf().path(), "host", source.name(), "timeout_ns", unplugTimeoutNanos);
            long waitBegin = System.nanoTime();
            try {
                released.get(unplugTimeoutNanos, TimeUnit.NANOSECONDS);
                unplugReason = "graceful";
            } catch (TimeoutException e) {
                unplugReason = "surprise (forced: the guest did not release it within "
                        + TimeUnit.NANOSECONDS.toMillis(unplugTimeoutNanos) + " ms)";
            } catch (ExecutionException e) {
                unplugReason = "surprise (forced: the guest failed to release it: " + e.getCause() + ")";
            }
            waitNanos = System.nanoTime() - waitBegin;
            ops.unplugVf(source, unplugReason.equals("graceful") ? RemovalReason.GRACEFUL : RemovalReason.SURPRISE);
        }
        emit("VF_UNPLUGGED", "vf", source.vf().path(), "host", source.name(), "reason", unplugReason,
                "wait_unplug_ns", waitNanos);
        moveTo("migrating");
        long virtioOnly = System.nanoTime();
        long transferBegin = System.nanoTime();
        try {
            ops.transfer(source, target);
        } catch (RuntimeException e) {
            moveTo("failed");
            ops.plugVf(source);
            emit("REPLUGGED", "vf", source.vf().path(), "host", source.name(), "reason", "roll-back",
                    "virtio_only_ns", System.nanoTime() - virtioOnly);
            emit("MIGRATION_FAILED", "source", source.name(), "target", target.name(), "failed_in", "migrating",
                    "reason", String.valueOf(e.getMessage()), "total_ns", System.nanoTime() - begin);
            return Outcome.FAILED;
        }
        long transferNanos = System.nanoTime() - transferBegin;
        moveTo("completed");
        String announce = ops.announce(target);
        emit("MIGRATION_COMPLETED", "source", source.name(), "target", target.name(), "vf", target.vf().path(),
                "wait_unplug_ns", waitNanos, "transfer_ns", transferNanos, "total_ns", System.nanoTime() - begin,
                "announce", announce);
        ops.plugVf(target);
        emit("REPLUGGED", "vf", target.vf().path(), "host", target.name(), "reason", "migrated",
                "virtio_only_ns", System.nanoTime() - virtioOnly);
        return Outcome.COMPLETED;
    }

    private void moveTo(String next) {
        String previous = state;
        state = next;
        emit("MIGRATION", "status", next, "previous", previous);
    }

    private void emit(String type, Object... kv) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            data.put((String) kv[i], kv[i + 1]);
        }
        sink.onEvent(type, data);
    }
}

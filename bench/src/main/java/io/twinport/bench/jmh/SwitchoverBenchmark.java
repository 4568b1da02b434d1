package io.twinport.bench.jmh;

import io.twinport.failover.FailoverEvent;
import io.twinport.failover.FailoverEventType;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.PortConfig;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Switchover cost: the time from the moment the active primary goes away until every queue of the failover port
 * has acknowledged the switch to the standby (the port's {@code SWITCHED} event), as a distribution
 * ({@link Mode#SampleTime}: JMH reports the median, p99 and max of the invocations). One invocation is one switch.
 *
 * <ul>
 *   <li>{@code trigger=surprise}: the primary's wire end is unplugged and leaves the registry (REMOVED, surprise);
 *       the time includes the registry delivering the event, the manager detaching the member, publishing the new
 *       routing to every queue, the queues acknowledging it on their next bursts, and the duty cycle noticing.</li>
 *   <li>{@code trigger=graceful}: {@link FailoverManager#prepareUnplug(String)} (the host's warning); the time runs
 *       until TX has left the member on every queue ({@code SWITCHED}); RX draining and the release follow, untimed.</li>
 *   <li>{@code datapath=inline}: the benchmark thread is both the control thread (registry and manager duty cycles)
 *       and the application: between duty cycles it polls every RX and TX queue once, as a single-threaded
 *       application's loop would.</li>
 *   <li>{@code datapath=thread}: one separate data-path thread polls every queue in a loop (started once per trial);
 *       the benchmark thread is only the control thread. On a busy machine this includes the wait for that thread
 *       to be scheduled, which is real.</li>
 * </ul>
 * Between invocations (untimed) the member is plugged back in and the port fails back to it.
 *
 * <p>The failover port logs its events at DEBUG through {@link System.Logger} (a console line per event at INFO
 * used to cost more than the switch itself); the fork also raises the {@code io.twinport.failover} loggers to
 * WARNING, so that no other log line of the failover package lands inside the measurement.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SwitchoverBenchmark {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:57");
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Held so that the level set on it stays (java.util.logging keeps loggers weakly). */
    private static final Logger FAILOVER_LOG = Logger.getLogger("io.twinport.failover");

    /** Queue pairs of the failover port. */
    @Param({"1", "4", "16"})
    public int queues;

    /** {@code surprise}: the member is removed; {@code graceful}: the host asks first. */
    @Param({"surprise", "graceful"})
    public String trigger;

    /** {@code inline}: the benchmark thread polls the queues; {@code thread}: a data-path thread does. */
    @Param({"inline", "thread"})
    public String datapath;

    private PortRegistry registry;
    private FailoverManager manager;
    private WirePair standby;
    private WirePair primary;
    private FailoverPort fp;
    private boolean inline;
    private boolean graceful;
    private CompletableFuture<Void> unplugDone;
    private final Packet[] pkts = new Packet[32];
    private Thread dataPath;
    private volatile boolean stop;
    private final AtomicReference<Throwable> dataPathFailure = new AtomicReference<>();

    // written by the listener, which runs on this (the control) thread
    private boolean switched;
    private long switchNs;

    /** Forms the failover port over two wire members, with the primary active. */
    @Setup(Level.Trial)
    public void setUp() {
        inline = "inline".equals(datapath);
        graceful = "graceful".equals(trigger);
        if (!inline && !"thread".equals(datapath)) {
            throw new IllegalArgumentException("datapath " + datapath + ": expected inline or thread");
        }
        if (!graceful && !"surprise".equals(trigger)) {
            throw new IllegalArgumentException("trigger " + trigger + ": expected surprise or graceful");
        }
        FAILOVER_LOG.setLevel(java.util.logging.Level.WARNING);
        registry = new PortRegistry();
        FailoverOptions options = FailoverOptions.DEFAULT.withAnnounce(new AnnouncementSchedule(0, 0))
                .withGracefulDrainNanos(0);
        manager = new FailoverManager(registry, options, PairingExclusions.NONE, System::nanoTime);
        manager.addListener(this::onFailoverEvent);
        standby = member("sstby", VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask(), 1);
        primary = member("sprim", VirtioNetFeature.MAC.mask(), 2);
        manager.start();
        registry.doWork();
        fp = manager.failoverPorts().getFirst();
        fp.configure(PortConfig.DEFAULT.withQueues(queues, queues).withRingSize(256));
        fp.start();
        if (!inline) {
            dataPath = Thread.ofPlatform().name("switchover-datapath").daemon().start(this::pollLoop);
        }
        runUntil(() -> fp.active().orElse(null) == primary.a() && !fp.switching(), "the primary to be active");
    }

    private WirePair member(String name, long features, int n) {
        WirePair pair = WirePair.create(name, 16, MAC, MacAddress.fromLong(0x02_00_00_00_ef_00L + n), features,
                null);
        pair.b().configure(PortConfig.DEFAULT.withQueues(16, 16).withRingSize(256));
        pair.b().start();
        registry.add(pair.a());
        return pair;
    }

    private void onFailoverEvent(FailoverEvent e) {
        if (e.type() == FailoverEventType.SWITCHED) {
            switched = true;
            if (e.data().get("switch_ns") instanceof Long ns) {
                switchNs = ns;
            }
        }
    }

    private void pollLoop() {
        try {
            while (!stop) {
                pollAllQueues();
            }
        } catch (Throwable t) {
            dataPathFailure.set(t);
        }
    }

    /** What an application's loop does once: RX every queue (nothing arrives here), TX what it received. */
    private void pollAllQueues() {
        for (int q = 0; q < queues; q++) {
            int n = fp.rxBurst(q, pkts, 0, pkts.length);
            int sent = fp.txBurst(q, pkts, 0, n);
            for (int i = sent; i < n; i++) {
                pkts[i].free();
            }
        }
    }

    /** Untimed: plugs the primary back in (after a switch) and waits until the port has failed back to it. */
    @Setup(Level.Invocation)
    public void failBack() {
        WirePort end = primary.a();
        if (end != null && fp.primary().orElse(null) == end && fp.active().orElse(null) == end) {
            return; // the first invocation: nothing to undo
        }
        if (graceful) {
            CompletableFuture<Void> done = unplugDone;
            runUntil(() -> done == null || done.isDone(), "the graceful unplug to complete");
            if (end != null) {
                primary.unplug(end, RemovalReason.GRACEFUL);
                registry.remove(end, RemovalReason.GRACEFUL);
                runUntil(() -> !fp.switching(), "the control plane to settle");
                end.close(); // released, not closed, by the failover port: the host closes it
            }
        } else {
            runUntil(() -> !fp.switching(), "the removed member to be released");
        }
        WirePort back = primary.replug(true);
        registry.add(back);
        runUntil(() -> fp.active().orElse(null) == back && !fp.switching(), "the fail-back to the primary");
    }

    /**
     * One switch: takes the active primary away and runs until every queue has acknowledged the standby.
     *
     * @return the switch time the port itself reported ({@code switch_ns}), consumed by JMH
     */
    @Benchmark
    public long switchover() {
        switched = false;
        WirePort end = primary.a();
        if (graceful) {
            unplugDone = manager.prepareUnplug(end.name());
        } else {
            primary.unplug(end, RemovalReason.SURPRISE);
            registry.remove(end, RemovalReason.SURPRISE);
        }
        runUntil(() -> switched, "SWITCHED");
        return switchNs;
    }

    /** Runs the duty cycles (and, inline, the data path) until {@code done}; bounded. */
    private void runUntil(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (!done.getAsBoolean()) {
            registry.doWork();
            if (inline) {
                pollAllQueues();
            } else {
                Throwable t = dataPathFailure.get();
                if (t != null) {
                    throw new IllegalStateException("the data-path thread failed", t);
                }
                Thread.onSpinWait();
            }
            manager.doWork();
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("switchover benchmark: no " + what + " within 10 s (" + queues
                        + " queues, " + trigger + ", " + datapath + "): " + fp.selection());
            }
        }
    }

    /** Stops the data-path thread and closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop = true;
        if (dataPath != null) {
            dataPath.join(10_000);
            if (dataPath.isAlive()) {
                throw new IllegalStateException("the data-path thread did not stop within 10 s");
            }
        }
        fp.close();
        manager.doWork();
        manager.close();
        standby.close();
        primary.close();
        registry.close();
    }
}

package io.twinport.fwd;

import io.twinport.failover.FailoverPort;
import io.twinport.mem.PacketPool;
import io.twinport.mgmt.Json;
import io.twinport.mgmt.MgmtOptions;
import io.twinport.mgmt.MgmtServer;
import io.twinport.policy.config.Durations;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEventType;
import io.twinport.port.PortStats;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortDiscoveries;
import io.twinport.registry.PortRegistry;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * One run of the fwd tool, on the calling (main) thread: opens, configures and starts the ports, starts one
 * {@link Forwarder} thread per queue, prints statistics and the summary, stops, closes, and checks that every
 * packet buffer went back to the pool. Everything here is control path; the data path is in {@link Forwarder}.
 *
 * <p>The main thread is the registry's control thread: every loop here calls {@link PortRegistry#doWork()} (and
 * with {@code --auto} the failover manager's and the discoveries' duty cycles, {@link FwdAuto#doWork()}); no other
 * thread runs them.
 */
final class FwdRun {
    /** How long to wait for links to come up before forwarding anyway. */
    private static final long LINK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** txonly with --count: how long the RX counters must stand still after every share was sent and drained. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** How long the main loop sleeps between checks. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long a forwarding thread may take to stop. */
    private static final long JOIN_MILLIS = 5_000;

    private final FwdOptions options;
    private final PrintStream out;
    private final PrintStream err;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final List<String> failures = new ArrayList<>();
    private final Map<String, RemovalReason> removed = new HashMap<>();

    // every port opened from a --port spec (closed at the end), and the ports forwarded on with their specs (null for
    // a failover port); without --auto the two lists hold the same ports
    private final List<Port> opened = new ArrayList<>();
    private final List<Port> ports = new ArrayList<>();
    private final List<PortSpec> specOfPort = new ArrayList<>();
    private final FwdAuto auto;
    private final List<Forwarder> forwarders = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private PortStats[] baseline;
    private MgmtServer mgmt;

    FwdRun(FwdOptions options, PrintStream out, PrintStream err, PortDiscoveries discoveries) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.auto = options.auto() ? new FwdAuto(options, err, discoveries) : null;
    }

    /** @return the exit status */
    int run() {
        Thread hook = Thread.ofPlatform().name("fwd-shutdown").unstarted(this::onShutdown);
        boolean hooked = addShutdownHook(hook);
        PortRegistry registry = new PortRegistry();
        PacketPool pool;
        try {
            pool = PacketPool.create("fwd", options.totalNumMbufs());
        } catch (RuntimeException e) {
            err.println("fwd: cannot create the packet pool of " + options.totalNumMbufs() + " buffers: "
                    + e.getMessage());
            done.countDown();
            removeShutdownHook(hook, hooked);
            return Fwd.EXIT_FAILED;
        }
        boolean threadsStopped = true;
        try {
            if (setUp(registry, pool) && startMgmt(registry)) {
                threadsStopped = forward(registry, pool);
            }
        } finally {
            if (mgmt != null) {
                mgmt.close(); // before the ports close: no command may read a closed port
            }
            if (threadsStopped) {
                closeAll(registry);
                checkPool(pool);
                pool.close();
            } else {
                failures.add("ports and pool left open: a forwarding thread did not stop");
            }
            registry.close();
            for (String f : failures) {
                err.println("fwd: " + f);
            }
            out.flush();
            err.flush();
            done.countDown();
            removeShutdownHook(hook, hooked);
        }
        return failures.isEmpty() ? Fwd.EXIT_OK : Fwd.EXIT_FAILED;
    }

    // ------------------------------------------------------------------ set-up

    private boolean setUp(PortRegistry registry, PacketPool pool) {
        registry.addListener(e -> {
            if (e.type() == PortEventType.REMOVED) {
                removed.put(e.port().name(), e.reason());
            }
        });
        PortContext context = new PortContext(pool, registry);
        for (PortSpec spec : options.ports()) {
            List<Port> fromSpec;
            try {
                fromSpec = spec.kind().open(spec, context);
            } catch (RuntimeException e) {
                failures.add("--port '" + spec.text() + "': open failed: " + e.getMessage());
                return false;
            }
            for (Port p : fromSpec) {
                opened.add(p);
                ports.add(p);
                specOfPort.add(spec);
            }
        }
        if (auto != null && !autoPorts(registry, pool)) {
            return false;
        }
        PortConfig proposed = PortConfig.DEFAULT.withQueues(options.queues(), options.queues())
                .withRxModes(true, false); // promiscuous, as testpmd
        for (int i = 0; i < ports.size(); i++) {
            Port p = ports.get(i);
            PortSpec spec = specOfPort.get(i);
            try {
                p.configure(spec == null ? proposed : spec.kind().portConfig(spec, proposed));
            } catch (RuntimeException e) {
                failures.add("port " + p.name() + ": configure failed: " + e.getMessage());
                return false;
            }
        }
        for (Port p : ports) {
            try {
                p.start();
            } catch (RuntimeException e) {
                failures.add("port " + p.name() + ": start failed: " + e.getMessage());
                return false;
            }
        }
        long until = System.nanoTime() + LINK_WAIT_NANOS;
        while (!allLinksUp() && System.nanoTime() < until && !interrupted.get()) {
            controlWork(registry);
            LockSupport.parkNanos(TICK_NANOS);
        }
        for (Port p : ports) {
            if (!p.linkUp()) {
                err.println("fwd: note: port " + p.name() + ": link is down; forwarding anyway");
            }
        }
        return true;
    }

    /**
     * {@code --auto}: starts the failover manager and the discoveries, waits for failover ports to form, and makes the
     * failover ports, then the {@code --port} ports that did not become members, the ports to forward on. Nothing is
     * configured yet; discovered ports that did not pair up never are.
     */
    private boolean autoPorts(PortRegistry registry, PacketPool pool) {
        String failed = auto.start(registry, pool);
        if (failed != null) {
            failures.add(failed);
            return false;
        }
        List<FailoverPort> formed = auto.awaitFailoverPorts(registry, interrupted::get);
        if (formed.isEmpty()) {
            failures.add(interrupted.get() ? "--auto: interrupted before a failover port formed"
                    : auto.nothingFormed());
            return false;
        }
        List<Port> given = List.copyOf(ports);
        List<PortSpec> givenSpecs = List.copyOf(specOfPort);
        ports.clear();
        specOfPort.clear();
        for (FailoverPort fp : formed) {
            ports.add(fp);
            specOfPort.add(null);
        }
        for (int i = 0; i < given.size(); i++) {
            Port p = given.get(i);
            if (p.owner().isPresent()) {
                err.println("fwd: --auto: port " + p.name() + " is a member of " + p.owner().get());
                continue;
            }
            ports.add(p);
            specOfPort.add(givenSpecs.get(i));
        }
        return true;
    }

    /** The control thread's duty cycles: the registry's, and with --auto the manager's and the discoveries'. */
    private void controlWork(PortRegistry registry) {
        registry.doWork();
        if (auto != null) {
            auto.doWork();
        }
    }

    /**
     * Serves the management socket if asked to: query-ports and query-stats over this run's ports (commands run on
     * this thread, in the main loop's {@code registry.doWork()}); without --auto there is no failover manager, so
     * query-failover returns an empty list.
     */
    private boolean startMgmt(PortRegistry registry) {
        if (options.mgmtSocket() == null) {
            return true;
        }
        try {
            mgmt = auto == null ? MgmtServer.start(MgmtOptions.of(options.mgmtSocket()), registry)
                    : MgmtServer.start(MgmtOptions.of(options.mgmtSocket()), registry, auto.manager(),
                    System::nanoTime);
        } catch (IOException | RuntimeException e) {
            failures.add("--mgmt-socket: " + e.getMessage());
            return false;
        }
        err.println("fwd: note: management socket on " + mgmt.path() + " (./twinport status --socket "
                + mgmt.path() + ")");
        return true;
    }

    private boolean allLinksUp() {
        for (Port p : ports) {
            if (!p.linkUp()) {
                return false;
            }
            if (p instanceof FailoverPort fp && fp.active().isEmpty()) {
                return false; // its members' link events are still on their way: TX would take nothing yet
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ forwarding

    /** @return true if every forwarding thread stopped */
    private boolean forward(PortRegistry registry, PacketPool pool) {
        int n = ports.size();
        Port[] portArray = ports.toArray(new Port[0]);
        int[] peers = new int[n];
        byte[][] frames = new byte[n][];
        for (int i = 0; i < n; i++) {
            peers[i] = (i ^ 1) < n ? i ^ 1 : i;
        }
        for (int i = 0; i < n; i++) {
            frames[i] = Frames.udp(portArray[i].mac(), portArray[peers[i]].mac(), options.txpkts());
        }
        int queues = options.queues();
        boolean counted = options.counted();
        AtomicLongArray rxLeft = null;
        if (counted && options.mode() == FwdMode.RXONLY) {
            rxLeft = new AtomicLongArray(n);
            for (int i = 0; i < n; i++) {
                rxLeft.set(i, options.count());
            }
        }
        for (int q = 0; q < queues; q++) {
            long[] txLeft = null;
            if (counted && options.mode() == FwdMode.TXONLY) {
                // queue q's share of the count: the shares add up to exactly --count per port
                long share = options.count() / queues + (q < options.count() % queues ? 1 : 0);
                txLeft = new long[n];
                Arrays.fill(txLeft, share);
            }
            forwarders.add(new Forwarder(options.mode(), q, portArray, peers, pool, options.burst(), frames,
                    options.txFirst(), txLeft, rxLeft, stop));
        }
        baseline = new PortStats[n];
        for (int i = 0; i < n; i++) {
            baseline[i] = portArray[i].stats();
        }
        printBanner(peers);

        if (auto != null) {
            auto.forwardingStarted();
        }
        long start = System.nanoTime();
        for (Forwarder f : forwarders) {
            Thread t = Thread.ofPlatform().name("fwd-q" + f.queue()).daemon(true).unstarted(f);
            threads.add(t);
            t.start();
        }
        long deadline = options.duration().isZero() ? Long.MAX_VALUE : start + options.duration().toNanos();
        long period = options.statsPeriod().toNanos();
        long nextStats = period == 0 ? Long.MAX_VALUE : start + period;
        Sample previous = sample(start);
        long lastRx = -1;
        long quietSince = start;
        long end;
        while (true) {
            controlWork(registry);
            long now = System.nanoTime();
            if (portsFailed(registry) || forwardersFailed()) {
                end = now;
                break;
            }
            if (counted && options.mode() == FwdMode.TXONLY && allSentAndDrained()) {
                long rx = sample(now).totalRx();
                if (rx != lastRx) {
                    lastRx = rx;
                    quietSince = now;
                } else if (now - quietSince >= QUIET_NANOS) {
                    end = now;
                    break;
                }
            }
            if (counted && options.mode() == FwdMode.RXONLY && allReceived()) {
                end = now;
                break;
            }
            if (now >= deadline || interrupted.get() || Thread.currentThread().isInterrupted()) {
                end = now;
                break;
            }
            if (now >= nextStats) {
                Sample current = sample(now);
                print(current, previous, (now - start) / 1e9, false);
                previous = current;
                nextStats += period;
            }
            LockSupport.parkNanos(Math.min(TICK_NANOS, Math.max(1, Math.min(deadline, nextStats) - now)));
        }
        stop.set(true);
        boolean stopped = true;
        // an interrupt ended the run (--duration 0): clear it so the joins below wait, and restore it afterwards
        boolean wasInterrupted = Thread.interrupted();
        for (Thread t : threads) {
            try {
                t.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                wasInterrupted = true;
            }
            if (t.isAlive()) {
                failures.add("forwarding thread " + t.getName() + " did not stop within " + JOIN_MILLIS + " ms");
                stopped = false;
            }
        }
        if (wasInterrupted) {
            Thread.currentThread().interrupt();
        }
        forwardersFailed();
        double seconds = (end - start) / 1e9;
        Sample last = sample(System.nanoTime());
        Sample first = new Sample(start, new long[n][Sample.FIELDS]);
        print(last, first, seconds, true);
        if (pool.allocFailures() > 0 && !options.json()) {
            out.println("pool: " + pool.allocFailures() + " buffer allocations failed (pool of "
                    + pool.capacity() + "; raise --total-num-mbufs)");
        }
        return stopped;
    }

    private boolean allSentAndDrained() {
        for (Forwarder f : forwarders) {
            if (!f.txDone() || !f.drained()) {
                return false;
            }
        }
        return true;
    }

    private boolean allReceived() {
        long now = System.nanoTime();
        Sample s = sample(now);
        for (int i = 0; i < ports.size(); i++) {
            if (s.values[i][Sample.RX] < options.count()) {
                return false;
            }
        }
        return true;
    }

    private boolean portsFailed(PortRegistry registry) {
        boolean failed = false;
        for (Port p : ports) {
            if (p.state().isGone()) {
                if (!failed) {
                    registry.doWork(); // deliver a REMOVED event that may be queued, for its reason
                }
                failed = true;
                RemovalReason reason = removed.get(p.name());
                failures.add("port " + p.name() + " failed: it is " + p.state()
                        + (reason == null ? "" : " (" + reason + ")"));
            }
        }
        return failed;
    }

    private boolean forwardersFailed() {
        boolean failed = false;
        for (int q = 0; q < forwarders.size(); q++) {
            Throwable t = forwarders.get(q).failure();
            if (t != null) {
                String msg = "forwarding thread fwd-q" + q + " failed: " + t;
                if (!failures.contains(msg)) {
                    failures.add(msg);
                }
                failed = true;
            }
        }
        return failed;
    }

    // ------------------------------------------------------------------ tear-down

    private void closeAll(PortRegistry registry) {
        if (auto != null) {
            auto.close(registry, failures); // failover ports first: closing them releases their members
        }
        for (Port p : opened) {
            try {
                p.close();
            } catch (RuntimeException e) {
                failures.add("port " + p.name() + ": close failed: " + e.getMessage());
            }
            registry.remove(p, RemovalReason.CLOSED);
        }
        registry.doWork();
    }

    private void checkPool(PacketPool pool) {
        int inUse = pool.inUse();
        if (inUse != 0) {
            failures.add("leak: " + inUse + " packet buffer" + (inUse == 1 ? "" : "s")
                    + " still in use after the ports were closed (pool " + pool.name() + ", " + pool.capacity()
                    + " buffers)");
        }
        if (pool.doubleFrees() != 0) {
            failures.add("pool " + pool.name() + ": " + pool.doubleFrees() + " double frees");
        }
    }

    private void onShutdown() {
        interrupted.set(true);
        stop.set(true);
        try {
            done.await(3, TimeUnit.SECONDS); // let the run print its summary and close the ports
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean addShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException | SecurityException e) {
            return false;
        }
    }

    private static void removeShutdownHook(Thread hook, boolean hooked) {
        if (!hooked) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (Ctrl-C): the hook is running and returns once we are done
        }
    }

    // ------------------------------------------------------------------ statistics

    /** Counters of every port at one instant, relative to the baseline taken before forwarding. */
    private static final class Sample {
        static final int RX = 0;
        static final int TX = 1;
        static final int RX_MISSED = 2;
        static final int RX_ERRORS = 3;
        static final int TX_ERRORS = 4;
        static final int TX_DROPPED = 5;
        static final int FIELDS = 6;

        final long nanos;
        final long[][] values;

        Sample(long nanos, long[][] values) {
            this.nanos = nanos;
            this.values = values;
        }

        long totalRx() {
            long sum = 0;
            for (long[] v : values) {
                sum += v[RX];
            }
            return sum;
        }
    }

    private Sample sample(long nanos) {
        long[][] v = new long[ports.size()][Sample.FIELDS];
        for (int i = 0; i < ports.size(); i++) {
            PortStats s = ports.get(i).stats();
            PortStats b = baseline[i];
            v[i][Sample.RX] = s.rxPackets() - b.rxPackets();
            v[i][Sample.TX] = s.txPackets() - b.txPackets();
            v[i][Sample.RX_MISSED] = s.rxMissed() - b.rxMissed();
            v[i][Sample.RX_ERRORS] = s.rxErrors() - b.rxErrors();
            v[i][Sample.TX_ERRORS] = s.txErrors() - b.txErrors();
            long dropped = 0;
            for (Forwarder f : forwarders) {
                dropped += f.dropped(i);
            }
            v[i][Sample.TX_DROPPED] = dropped;
        }
        return new Sample(nanos, v);
    }

    private void printBanner(int[] peers) {
        if (options.json()) {
            return;
        }
        StringBuilder pairs = new StringBuilder();
        for (int i = 0; i < peers.length; i++) {
            if (peers[i] < i) {
                continue;
            }
            if (!pairs.isEmpty()) {
                pairs.append(", ");
            }
            pairs.append(ports.get(i).name());
            if (peers[i] != i) {
                pairs.append(" <-> ").append(ports.get(peers[i]).name());
            } else {
                pairs.append(" <-> itself");
            }
        }
        int queues = options.queues();
        out.println("fwd: " + options.mode().cliName() + " on " + ports.size() + " port" + plural(ports.size())
                + " (" + pairs + "), " + queues + " queue" + plural(queues) + " and forwarding thread"
                + plural(queues) + ", burst " + options.burst()
                + (options.mode() == FwdMode.TXONLY || options.txFirst() ? ", frames of " + options.txpkts()
                + " bytes" : "")
                + (options.counted() ? ", count " + options.count() + " per port" : "")
                + (options.duration().isZero() ? ", until interrupted"
                : ", for " + Durations.format(options.duration().toNanos())));
        int cpus = Runtime.getRuntime().availableProcessors();
        if (queues > cpus) {
            err.println("fwd: note: " + queues + " busy-polling forwarding threads on " + cpus
                    + " CPUs: they share CPUs and slow each other down");
        }
        out.flush();
    }

    private static String plural(int n) {
        return n == 1 ? "" : "s";
    }

    private void print(Sample current, Sample previous, double seconds, boolean summary) {
        double dt = (current.nanos - previous.nanos) / 1e9;
        if (summary) {
            dt = seconds;
        }
        if (options.json()) {
            StringBuilder sb = new StringBuilder(256);
            sb.append("{\"summary\":").append(summary).append(",\"ports\":[");
            for (int i = 0; i < ports.size(); i++) {
                long[] v = current.values[i];
                long[] p = previous.values[i];
                if (i > 0) {
                    sb.append(',');
                }
                sb.append("{\"port\":");
                Json.string(sb, ports.get(i).name());
                sb.append(",\"rx_packets\":").append(v[Sample.RX])
                        .append(",\"tx_packets\":").append(v[Sample.TX])
                        .append(",\"rx_missed\":").append(v[Sample.RX_MISSED])
                        .append(",\"rx_errors\":").append(v[Sample.RX_ERRORS])
                        .append(",\"tx_errors\":").append(v[Sample.TX_ERRORS])
                        .append(",\"tx_dropped\":").append(v[Sample.TX_DROPPED])
                        .append(",\"rx_pps\":").append(rate(v[Sample.RX] - p[Sample.RX], dt))
                        .append(",\"tx_pps\":").append(rate(v[Sample.TX] - p[Sample.TX], dt))
                        .append('}');
            }
            sb.append("],\"seconds\":").append(String.format(Locale.ROOT, "%.3f", seconds)).append('}');
            out.println(sb);
        } else {
            if (summary) {
                out.println(String.format(Locale.ROOT, "==== summary: %s, %d port%s, %.3f s (rates are averages)"
                        + " ====", options.mode().cliName(), ports.size(), plural(ports.size()), seconds));
            } else {
                out.println(String.format(Locale.ROOT, "---- %.3f s ----", seconds));
            }
            for (int i = 0; i < ports.size(); i++) {
                long[] v = current.values[i];
                long[] p = previous.values[i];
                String name = String.format(Locale.ROOT, "port %d %-10s", i, ports.get(i).name());
                out.println(String.format(Locale.ROOT, "%s RX-packets: %-12d RX-missed: %-8d RX-errors: %-8d"
                        + " Rx-pps: %d", name, v[Sample.RX], v[Sample.RX_MISSED], v[Sample.RX_ERRORS],
                        rate(v[Sample.RX] - p[Sample.RX], dt)));
                out.println(String.format(Locale.ROOT, "%s TX-packets: %-12d TX-errors: %-8d TX-dropped: %-7d"
                        + " Tx-pps: %d", " ".repeat(name.length()), v[Sample.TX], v[Sample.TX_ERRORS],
                        v[Sample.TX_DROPPED], rate(v[Sample.TX] - p[Sample.TX], dt)));
            }
        }
        out.flush();
    }

    private static long rate(long packets, double seconds) {
        return seconds <= 0 ? 0 : Math.round(packets / seconds);
    }
}

package io.twinport.bench.demo;

import io.twinport.bench.example.EchoService;
import io.twinport.failover.FailoverEvent;
import io.twinport.failover.FailoverEventType;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.PacketPool;
import io.twinport.mgmt.Json;
import io.twinport.netty.TwinportChannelStats;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.port.PortEventType;
import io.twinport.port.RemovalReason;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * {@code twinport demo}: a live migration of a guest whose data plane runs on a failover port, with an in-process
 * source host, target host, guest and peer, printed as it happens.
 *
 * <pre>
 *              source host                                   target host
 *   ┌──────────────────────────────────┐          ┌──────────────────────────────────┐
 *   │ VF src-vf ──┐  vhost-user src-virtio│─hand-over─►│ vhost-user dst-virtio ┌── VF dst-vf │
 *   └─────────────┼─────────┬────────────┘ (vrings) └─────────┬────────────┼─────────────┘
 *                 │         └──── DIR/vnet0.sock ─────────────┘            │
 *        guest:   primary   standby: VirtioNetPort vnet0 (server mode)     primary (plugged after)
 *                 └── failover0 ── application: numbered frames both ways
 *   peer ("network"): polls the host side of all four paths, learns where the guest's MAC is, counts every frame
 * </pre>
 *
 * The sequence: the guest's failover port forms from the virtio standby (the source's device offers STANDBY and the
 * MAC); the host sees STANDBY negotiated and plugs the source's VF; traffic runs on the VF for a phase; the host asks
 * the guest to release the VF (or, with {@code --surprise}, pulls it), waits, unplugs it, and moves the guest (a
 * phase on virtio while its memory moves, then the vhost-user hand-over: the source's vring state to the target's
 * device, which connects to the guest's socket); the target asks the guest to announce itself and plugs its VF;
 * traffic returns to a VF for a phase; the senders stop, what is in flight arrives, and the counts are printed.
 *
 * <p>The host-side sequence is slave-virtio's {@code MigrationSequence} ({@link #migration}). The virtio path is
 * named in one place, {@link #virtioRig}.
 */
public final class Demo {
    /** Exit status: the migration completed and nothing was lost or duplicated where nothing may be. */
    public static final int EXIT_OK = 0;
    /** Exit status: something was lost, duplicated or leaked where nothing may be, or the migration failed. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: the command line was refused, or {@code --real} cannot run here. */
    public static final int EXIT_USAGE = 2;
    /** The guest's MAC (a locally administered address). */
    public static final MacAddress GUEST_MAC = MacAddress.parse("52:54:00:12:34:56");
    /** The peer's MAC. */
    public static final MacAddress PEER_MAC = MacAddress.parse("02:00:00:00:ee:01");
    /** {@code --app udp-echo}: the guest's echo service (the Netty example's handlers). */
    static final EchoService ECHO_SERVICE = new EchoService(GUEST_MAC, ipv4(10, 0, 0, 1), 7);
    /** {@code --app udp-echo}: the peer's address and port, and the service's. */
    static final Peer.Echo ECHO = new Peer.Echo(ipv4(10, 0, 0, 2), 40000, ECHO_SERVICE.ipv4(),
            ECHO_SERVICE.udpPort());
    /** The paths, in the peer's counter order. */
    public static final List<String> PATHS = List.of("src-vf", "src-virtio", "dst-vf", "dst-virtio");
    /**
     * With {@code --real}, how long the guest's failover port keeps receiving from a VF it lets go: longer than the
     * library's default ({@link FailoverOptions#DEFAULT_GRACEFUL_DRAIN_NANOS}, which the wire-pair VFs use), because
     * the kernel drops a frame the peer still sends to a veth the guest no longer reads (a wire pair refuses it, so
     * it is retried), and on a loaded machine the peer can take that long to learn the new path. Measured: 10 ms lost
     * 90 frames at 20,000 frames/s, 200 ms none.
     */
    public static final long REAL_GRACEFUL_DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How long the host waits for the guest to release the VF. */
    public static final long UNPLUG_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long PLAIN_PROGRESS_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int POOL_BUFFERS = 16384;
    /** Events are printed once they are this old, so that events from different threads come out in order. */
    private static final long PRINT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final DemoOptions options;
    private final PrintStream out;
    private final boolean tty;
    private Timeline timeline;
    private final List<Timeline.Event> unprinted = new ArrayList<>();
    private int progressWidth;

    private Demo(DemoOptions options, PrintStream out, boolean tty) {
        this.options = options;
        this.out = out;
        this.tty = tty;
    }

    /**
     * Runs {@code twinport demo}.
     *
     * @param args the arguments after {@code demo}
     * @param out  standard output
     * @param err  standard error
     * @return the exit status
     * @throws InterruptedException if interrupted
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("twinport demo: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(DemoOptions.HELP);
            return EXIT_OK;
        }
        if (options.real()) {
            String missing = Veth.missing();
            if (missing != null) {
                err.println("twinport demo --real: " + missing);
                return EXIT_USAGE;
            }
        }
        boolean tty = out == System.out && System.console() != null && System.console().isTerminal()
                && !options.json();
        // The failover port logs each of its events at INFO, the virtio driver and device their connections and the
        // hand-over; the timeline prints all of that already, in order. Warnings still go to standard error.
        java.util.logging.Logger failoverLog = java.util.logging.Logger.getLogger("io.twinport.failover");
        java.util.logging.Logger virtioLog = java.util.logging.Logger.getLogger("io.twinport.virtio");
        java.util.logging.Level level = failoverLog.getLevel();
        java.util.logging.Level virtioLevel = virtioLog.getLevel();
        failoverLog.setLevel(java.util.logging.Level.WARNING);
        virtioLog.setLevel(java.util.logging.Level.WARNING);
        DemoResult result;
        try {
            result = new Demo(options, out, tty).execute();
        } catch (DemoException e) {
            err.println("twinport demo: " + e.getMessage());
            return EXIT_FAILED;
        } finally {
            failoverLog.setLevel(level);
            virtioLog.setLevel(virtioLevel);
        }
        if (options.reportDir() != null) {
            try {
                DemoReport.write(options.reportDir(), result);
                if (!options.json()) {
                    out.println("report: " + options.reportDir().resolve(DemoReport.JSON_FILE) + ", "
                            + options.reportDir().resolve(DemoReport.SVG_FILE));
                }
            } catch (IOException e) {
                err.println("twinport demo: --report " + options.reportDir() + ": cannot write the report: "
                        + e.getMessage());
                return EXIT_FAILED;
            }
        }
        return result.problems().isEmpty() ? EXIT_OK : EXIT_FAILED;
    }

    /** The demo could not run to its end; the message says where it stopped. */
    static final class DemoException extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        DemoException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // ------------------------------------------------------------------ the seams

    /**
     * The virtio path: the guest's {@code VirtioNetPort} (server mode) and each host's vhost-user device
     * ({@link VhostUserRig}); the hand-over is reported on the timeline as a host event.
     */
    private static VirtioRig virtioRig(Guest guest, PacketPool hostPool, Timeline timeline) {
        return new VhostUserRig(GUEST_MAC, guest.registry(), guest.pool(), hostPool,
                (nanoTime, type, data) -> timeline.post(nanoTime, "host", type, data));
    }

    /** The host-side sequence: slave-virtio's migration state machine, driving the demo's hosts. */
    private static HostMigration migration(HostOperations ops, Host source, Host target, boolean surprise,
                                           Timeline timeline) {
        return new StateMachineMigration(ops, source, target, surprise, UNPLUG_TIMEOUT_NANOS,
                (nanoTime, type, data) -> timeline.post(nanoTime, "host", type, data));
    }

    private static Vf vf(boolean real, String path, String wireName, String vethTag, MacAddress hostMac, Guest guest,
                         PacketPool hostPool, List<String> created) {
        return real ? new VethVf(path, vethTag, GUEST_MAC, guest.registry(), guest.pool(), hostPool, created)
                : new WireVf(path, wireName, GUEST_MAC, hostMac, guest.registry());
    }

    // ------------------------------------------------------------------ the run

    private DemoResult execute() throws InterruptedException, DemoException {
        long start = System.nanoTime();
        timeline = new Timeline(start, PATHS);
        PacketPool guestPool = PacketPool.create("demo-guest", POOL_BUFFERS);
        PacketPool hostPool = PacketPool.create("demo-hosts", POOL_BUFFERS);
        long rate = options.ratePps();
        Guest guest = new Guest(GUEST_MAC, PEER_MAC, guestPool, rate, options.real() ? REAL_GRACEFUL_DRAIN_NANOS
                : FailoverOptions.DEFAULT_GRACEFUL_DRAIN_NANOS);
        List<String> vethNames = new ArrayList<>();
        List<AutoCloseable> toClose = new ArrayList<>();
        Thread cleanupHook = null;
        VirtioRig rig = null;
        Peer peer = null;
        Thread hostThread = null;
        AtomicReference<Throwable> hostFailure = new AtomicReference<>();
        AtomicReference<HostMigration.Outcome> outcome = new AtomicReference<>();
        List<String> problems = new ArrayList<>();
        DirectionCounts toNetwork;
        DirectionCounts toGuest;
        long[] perPath = new long[PATHS.size()];
        long receiveDrops = 0;
        Map<String, Object> echoSummary = null;
        String vfKind = options.real() ? "veth pairs, AF_PACKET on both ends" : "in-memory wire pairs";
        try {
            if (options.real()) {
                cleanupHook = Thread.ofPlatform().unstarted(() -> Veth.deleteAll(vethNames));
                Runtime.getRuntime().addShutdownHook(cleanupHook); // Ctrl-C: no veth left behind
            }
            AutoCloseable listening = guest.addListener(e -> onGuestEvent(e));
            toClose.add(listening);
            rig = virtioRig(guest, hostPool, timeline);
            toClose.add(watchStandby(guest, rig.guestPortName()));
            Vf srcVf = vf(options.real(), "src-vf", "tpsrcvf", "s", MacAddress.parse("02:00:00:00:5f:01"), guest,
                    hostPool, vethNames);
            Vf dstVf = vf(options.real(), "dst-vf", "tpdstvf", "d", MacAddress.parse("02:00:00:00:df:01"), guest,
                    hostPool, vethNames);
            toClose.add(srcVf);
            toClose.add(dstVf);
            Host source = new Host("source", srcVf, rig.source());
            Host target = new Host("target", dstVf, rig.target());
            String mode = options.surprise() ? "surprise unplug" : "graceful unplug";
            header(mode, vfKind, rig.describe());

            guest.boot();
            FailoverPort fp = guest.awaitFailoverPort(WAIT_NANOS);
            peer = new Peer(List.of(srcVf.hostPort(), rig.source().hostPort(), dstVf.hostPort(),
                    rig.target().hostPort()), PEER_MAC, GUEST_MAC, hostPool, rate, echo() ? ECHO : null,
                    (path, what) -> timeline.post(System.nanoTime(), "peer", "LEARNED",
                            ordered("mac", GUEST_MAC.toString(), "path", path, "from", what)));
            peer.start();
            if (echo()) {
                guest.startEchoService(ECHO_SERVICE);
            } else {
                guest.startApplication();
            }

            HostOperations ops = new DemoHostOperations(guest);
            HostMigration sequence = migration(ops, source, target, options.surprise(), timeline);
            toClose.add(sequence);
            hostThread = Thread.ofPlatform().name("demo-host").start(() -> {
                try {
                    sequence.start(WAIT_NANOS);
                    awaitActive(fp, srcVf.guestPortName());
                    sleep(options.phaseNanos());              // phase 1: on the source's VF
                    HostMigration.Outcome o = sequence.migrate(options.surprise());
                    outcome.set(o);
                    if (o == HostMigration.Outcome.COMPLETED) {
                        awaitActive(fp, dstVf.guestPortName());
                    }
                    sleep(options.phaseNanos());              // phase 3: on the target's VF
                } catch (Throwable t) {
                    hostFailure.set(t);
                }
            });
            watch(hostThread::isAlive, Long.MAX_VALUE, peer, guest);
            if (hostFailure.get() != null) {
                throw new DemoException("the host side stopped: " + hostFailure.get(), hostFailure.get());
            }

            // the end: no new frames; what waits in the backlogs goes out, what is in flight arrives
            guest.stopGenerating();
            peer.stopGenerating();
            Peer p = peer;
            long[] lastSeen = {-1, 0};
            watch(() -> !settled(guest, p, lastSeen, echo()), TimeUnit.SECONDS.toNanos(3), peer, guest);
            guest.stopApplication();
            peer.stop();
            sample(peer, guest, true);
            progressDone();
            printEvents(true);
            if (echo()) {
                // requests: sent by the peer, counted as they reach the guest's pipeline; replies: counted at the
                // peer against the same numbers (a request lost on the way in is a reply lost too)
                toNetwork = DirectionCounts.of("replies->peer", peer.sender(), peer.received(), peer.unsent());
                toGuest = DirectionCounts.of("requests->guest", peer.sender(), guest.received(), peer.unsent());
                echoSummary = echoSummary(guest);
                if (!guest.channelOpenThroughout()) {
                    problems.add("the guest's Netty channel closed during the run: "
                            + guest.channel().closeCause());
                }
            } else {
                toNetwork = DirectionCounts.of("guest->network", guest.sender(), peer.received(), guest.unsent());
                toGuest = DirectionCounts.of("network->guest", peer.sender(), guest.received(), peer.unsent());
            }
            for (int i = 0; i < perPath.length; i++) {
                perPath[i] = peer.rxFrames(i) + peer.txFrames(i);
            }
            receiveDrops = srcVf.receiveDrops() + dstVf.receiveDrops();
            check(guest.failure(), "the guest's application thread failed", problems);
            check(peer.failure(), "the peer's thread failed", problems);
        } catch (RuntimeException e) {
            throw new DemoException("stopped: " + e, e);
        } finally {
            progressDone();
            if (hostThread != null) {
                hostThread.interrupt();
                hostThread.join(10_000);
            }
            guest.stopApplication();
            if (peer != null) {
                peer.stop();
            }
            guest.close(); // the failover port releases its members; their hosts close them below
            for (AutoCloseable c : toClose) {
                closeQuietly(c);
            }
            if (rig != null) {
                rig.close();
            }
            if (cleanupHook != null) {
                Veth.deleteAll(vethNames);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanupHook);
                } catch (IllegalStateException e) {
                    // shutting down already: the hook runs
                }
            }
        }
        if (guestPool.inUse() != 0) {
            problems.add("leak: " + guestPool.inUse() + " guest packet buffers still in use after the run");
        }
        if (hostPool.inUse() != 0) {
            problems.add("leak: " + hostPool.inUse() + " host packet buffers still in use after the run");
        }
        guestPool.close();
        hostPool.close();
        HostMigration.Outcome o = outcome.get();
        if (o != HostMigration.Outcome.COMPLETED) {
            problems.add("the migration did not complete (" + o + ")");
        }
        for (DirectionCounts d : List.of(toNetwork, toGuest)) {
            if (d.duplicated() > 0) {
                problems.add(d.direction() + ": " + d.duplicated() + " frames duplicated");
            }
            if (!options.surprise() && d.lost() > 0) {
                problems.add(d.direction() + ": " + d.lost() + " frames lost in a graceful migration"
                        + (receiveDrops > 0 ? " (the kernel dropped " + receiveDrops + " frames at full AF_PACKET"
                        + " receive rings: a receiving thread was not scheduled in time)" : ""));
            }
        }
        List<Timeline.Event> events = timeline.events();
        DemoResult result = new DemoResult(options.surprise() ? "surprise" : "graceful", vfKind,
                rig == null ? "" : rig.describe(), "host sequence: MigrationSequence (slave-virtio)", options.ratePps(), options.phaseNanos(), PATHS, events, timeline.samples(), toNetwork, toGuest,
                perPath, receiveDrops, DemoResult.switchovers(events), DemoResult.virtioOnlyNanos(events),
                o == null ? "none" : o.name(), echoSummary, problems, System.nanoTime() - start);
        summary(result);
        return result;
    }

    private static boolean settled(Guest guest, Peer peer, long[] last, boolean echo) {
        if (guest.sender().backlog() != 0 || peer.sender().backlog() != 0) {
            return false;
        }
        long arrived = guest.received().unique() + peer.received().unique();
        // echo: every request arrives at the guest and its reply at the peer
        long expected = echo ? 2 * peer.sender().sent() : guest.sender().sent() + peer.sender().sent();
        if (arrived == expected) {
            return true; // everything arrived
        }
        long now = System.nanoTime();
        if (arrived != last[0]) {
            last[0] = arrived;
            last[1] = now;
            return false;
        }
        return now - last[1] > TimeUnit.MILLISECONDS.toNanos(300); // nothing more arrives
    }

    private boolean echo() {
        return DemoOptions.APP_UDP_ECHO.equals(options.app());
    }

    private static int ipv4(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** What the echo application did: its handlers' counts and its channel's. */
    private static Map<String, Object> echoSummary(Guest guest) {
        EchoService.Handlers h = guest.handlers();
        TwinportChannelStats st = guest.channel().stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", DemoOptions.APP_UDP_ECHO);
        m.put("service", ECHO_SERVICE.toString());
        m.put("answered_udp", h.udp().answered());
        m.put("answered_icmp", h.icmp().answered());
        m.put("answered_arp", h.arp().answered());
        m.put("unanswered", h.unanswered().dropped());
        m.put("channel_rx", st.rxFrames());
        m.put("channel_rx_zero_copy", st.rxZeroCopy());
        m.put("channel_tx", st.txFrames());
        m.put("channel_tx_zero_copy", st.txZeroCopy());
        m.put("channel_tx_blocked", st.txBlocked());
        m.put("channel_open_throughout", guest.channelOpenThroughout());
        return m;
    }

    private static void check(Throwable t, String what, List<String> problems) {
        if (t != null) {
            problems.add(what + ": " + t);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // cleanup: the pool check at the end reports anything left
        }
    }

    private static void awaitActive(FailoverPort fp, String memberName) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!fp.active().map(Port::name).orElse("").equals(memberName)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the guest's failover port did not make " + memberName
                        + " active within " + TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS) + " s; active: "
                        + fp.active().map(Port::name).orElse("none"));
            }
            Thread.sleep(1);
        }
    }

    private static void sleep(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /**
     * Puts the standby's own port events on the timeline: its link (down while no host's device serves it, during
     * the hand-over) and its device's announce requests.
     */
    private AutoCloseable watchStandby(Guest guest, String standby) {
        return guest.registry().addListener(e -> {
            if (e.port().name().equals(standby) && e.type() != PortEventType.NEW
                    && e.type() != PortEventType.REMOVED) {
                timeline.post(e.nanoTime(), "guest", e.type().name(), ordered("port", standby));
            }
        });
    }

    private void onGuestEvent(FailoverEvent e) {
        if (e.type() == FailoverEventType.SWITCHED && "none".equals(e.data().get("from"))) {
            // the failover port's first routing when it starts: not a switchover
            timeline.post(e.nanoTime(), "guest", "STARTED", ordered("port", e.port(), "active", e.data().get("to")));
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("port", e.port());
        data.putAll(e.data());
        timeline.post(e.nanoTime(), "guest", e.type().wireName(), data);
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    // ------------------------------------------------------------------ the hosts' operations

    /** What the hosts do, on the demo's devices and guest. */
    private final class DemoHostOperations implements HostOperations {
        private final Guest guest;

        DemoHostOperations(Guest guest) {
            this.guest = guest;
        }

        @Override
        public boolean standbyNegotiated(Host host) {
            return host.virtio().standbyNegotiated();
        }

        @Override
        public void plugVf(Host host) {
            host.vf().plug();
        }

        @Override
        public CompletableFuture<Void> requestUnplug(Host host) {
            return guest.prepareUnplug(host.vf().guestPortName());
        }

        @Override
        public void unplugVf(Host host, RemovalReason reason) {
            host.vf().unplug(reason);
        }

        @Override
        public void transfer(Host from, Host to) {
            try {
                sleep(options.phaseNanos()); // pre-copy: the guest runs on virtio on the source while memory moves
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the pre-copy", e);
            }
            from.virtio().handOverTo(to.virtio());
        }

        @Override
        public String announce(Host host) {
            return host.virtio().announce();
        }
    }

    // ------------------------------------------------------------------ output

    /** Prints events and progress until {@code running} turns false or {@code maxNanos} passed. */
    private void watch(BooleanSupplier running, long maxNanos, Peer peer, Guest guest) throws InterruptedException {
        long begin = System.nanoTime();
        long nextSample = begin;
        long nextPlain = begin + PLAIN_PROGRESS_NANOS;
        while (running.getAsBoolean() && System.nanoTime() - begin < maxNanos) {
            printEvents();
            long now = System.nanoTime();
            if (now - nextSample >= 0) {
                Timeline.Sample s = sample(peer, guest, false);
                nextSample += SAMPLE_NANOS;
                if (now - nextSample > SAMPLE_NANOS) {
                    nextSample = now + SAMPLE_NANOS; // fell behind: do not sample in a burst
                }
                if (s != null && !options.json() && (tty || now - nextPlain >= 0)) {
                    progress(s, peer, guest);
                    if (!tty) {
                        nextPlain += PLAIN_PROGRESS_NANOS;
                    }
                }
            }
            Thread.sleep(5);
        }
    }

    private Timeline.Sample sample(Peer peer, Guest guest, boolean last) {
        long[] rx = new long[PATHS.size()];
        long[] tx = new long[PATHS.size()];
        for (int i = 0; i < rx.length; i++) {
            rx[i] = peer.rxFrames(i);
            tx[i] = peer.txFrames(i);
        }
        Timeline.Sample s = timeline.sample(System.nanoTime(), rx, tx);
        if (s != null && options.json()) {
            Map<String, Object> pps = new LinkedHashMap<>();
            for (int i = 0; i < PATHS.size(); i++) {
                pps.put(PATHS.get(i), Math.round(s.total(i)));
            }
            out.println(Json.write(ordered("sample", ordered("t", seconds(s.nanos()), "pps", pps))));
        }
        return s;
    }

    private void header(String mode, String vfKind, String virtio) {
        if (options.json()) {
            out.println(Json.write(ordered("demo", ordered("mode", options.surprise() ? "surprise" : "graceful",
                    "guest_mac", GUEST_MAC.toString(), "rate_pps", options.ratePps(), "phase_s",
                    seconds(options.phaseNanos()), "vfs", vfKind, "virtio", virtio, "host_sequence",
                    "MigrationSequence (slave-virtio)", "app", options.app() == null ? "frames" : options.app(),
                    "paths", PATHS))));
            return;
        }
        out.printf(Locale.ROOT, "twinport demo: live migration of a guest on a failover port (%s)%n", mode);
        out.printf(Locale.ROOT, "  guest MAC %s, %,d %s, phases of %s%n", GUEST_MAC, options.ratePps(),
                echo() ? "UDP echo requests/s" : "frames/s each way", fmtSeconds(options.phaseNanos()));
        out.printf(Locale.ROOT, "  VFs: %s; %s%n", vfKind, virtio);
        out.printf(Locale.ROOT, "  host sequence: slave-virtio's MigrationSequence%s%n", options.surprise()
                ? " (surprise: its unplug request is not passed to the guest, the VF is forced out after 1 ms)" : "");
        if (echo()) {
            out.printf(Locale.ROOT, "  application: the Netty UDP echo example (EchoService's handlers on a"
                    + " TwinportChannel over the failover port) as %s; the peer sends numbered UDP echo requests%n",
                    ECHO_SERVICE);
        }
        out.printf(Locale.ROOT, "%n      time  who    event%n");
    }

    private void printEvents() {
        printEvents(false);
    }

    /** Prints the events collected so far that are old enough (all of them with {@code all}), in time order. */
    private void printEvents(boolean all) {
        unprinted.addAll(timeline.collect());
        unprinted.sort(Comparator.comparingLong(Timeline.Event::nanos));
        long ripe = System.nanoTime() - timeline.startNanos() - PRINT_DELAY_NANOS;
        List<Timeline.Event> batch = new ArrayList<>();
        while (!unprinted.isEmpty() && (all || unprinted.getFirst().nanos() <= ripe)) {
            batch.add(unprinted.removeFirst());
        }
        if (batch.isEmpty()) {
            return;
        }
        progressDone();
        for (Timeline.Event e : batch) {
            if (options.json()) {
                Map<String, Object> m = ordered("event", e.type(), "source", e.source(), "t", seconds(e.nanos()));
                m.put("data", e.data());
                out.println(Json.write(m));
            } else {
                out.printf(Locale.ROOT, "  %8.3fs  %-5s  %-20s %s%n", e.nanos() / 1e9, e.source(), e.type(),
                        describe(e.data()));
            }
        }
    }

    /**
     * @return {@code key=value, ...}, durations ({@code _ns}) in milliseconds; without the migration events'
     *         {@code vm} and {@code nano_time} (the demo has one VM, and the line starts with the time)
     */
    static String describe(Map<String, Object> data) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> kv : data.entrySet()) {
            if (kv.getKey().equals("vm") || kv.getKey().equals("nano_time")) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            String k = kv.getKey();
            Object v = kv.getValue();
            if (k.endsWith("_ns") && v instanceof Number n) {
                sb.append(k, 0, k.length() - 3).append('=')
                        .append(String.format(Locale.ROOT, "%.3f ms", n.longValue() / 1e6));
            } else {
                sb.append(k).append('=').append(v);
            }
        }
        return sb.toString();
    }

    private void progress(Timeline.Sample s, Peer peer, Guest guest) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  %8.3fs  pps  ", s.nanos() / 1e9));
        for (int i = 0; i < PATHS.size(); i++) {
            sb.append(String.format(Locale.ROOT, "%s %-6s ", PATHS.get(i), kilo(s.total(i))));
        }
        if (echo()) {
            sb.append(String.format(Locale.ROOT, "| echo requests sent %s, at guest %s, replies %s",
                    kilo(peer.sender().sent()), kilo(guest.received().unique()), kilo(peer.received().unique())));
        } else {
            sb.append(String.format(Locale.ROOT, "| to network %s/%s, to guest %s/%s (sent/received)",
                    kilo(guest.sender().sent()), kilo(peer.received().unique()), kilo(peer.sender().sent()),
                    kilo(guest.received().unique())));
        }
        String line = sb.toString();
        if (tty) {
            out.print("\r" + line + " ".repeat(Math.max(0, progressWidth - line.length())));
            progressWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private void progressDone() {
        if (tty && progressWidth > 0) {
            out.print("\r" + " ".repeat(progressWidth) + "\r");
            progressWidth = 0;
        }
    }

    private void summary(DemoResult r) {
        if (options.json()) {
            out.println(Json.write(ordered("summary", r.summaryJson())));
            return;
        }
        out.printf(Locale.ROOT, "%nsummary (%s, %.1f s)%n", r.mode(), r.totalNanos() / 1e9);
        out.printf(Locale.ROOT, "  %-16s %12s %12s %8s %11s %10s %8s%n", "direction", "sent", "received", "lost",
                "duplicated", "reordered", "unsent");
        for (DirectionCounts d : List.of(r.toNetwork(), r.toGuest())) {
            out.printf(Locale.ROOT, "  %-16s %,12d %,12d %,8d %,11d %,10d %,8d%n", d.direction(), d.sent(),
                    d.received(), d.lost(), d.duplicated(), d.reordered(), d.unsent());
        }
        if (r.app() != null) {
            DirectionCounts replies = r.toNetwork();
            Map<String, Object> a = r.app();
            out.printf(Locale.ROOT, "  udp echo: %,d requests sent, %,d answered, %,d lost, %,d duplicated; handlers:"
                            + " udp %d, icmp %d, arp %d, unanswered %d%n", replies.sent(), replies.received(),
                    replies.lost(), replies.duplicated(), a.get("answered_udp"), a.get("answered_icmp"),
                    a.get("answered_arp"), a.get("unanswered"));
            out.printf(Locale.ROOT, "  channel: rx %d (zero-copy %d), tx %d (zero-copy %d), tx blocked %d, %s%n",
                    a.get("channel_rx"), a.get("channel_rx_zero_copy"), a.get("channel_tx"),
                    a.get("channel_tx_zero_copy"), a.get("channel_tx_blocked"),
                    Boolean.TRUE.equals(a.get("channel_open_throughout")) ? "open throughout" : "CLOSED");
        }
        for (Map<String, Object> sw : r.switchovers()) {
            out.printf(Locale.ROOT, "  switchover at %.3fs: %s -> %s (%s), every queue moved in %.3f ms%n",
                    ((Number) sw.get("t")).doubleValue(), sw.get("from"), sw.get("to"), sw.get("reason"),
                    ((Number) sw.get("switch_ns")).longValue() / 1e6);
        }
        if (r.virtioOnlyNanos() >= 0) {
            out.printf(Locale.ROOT, "  on virtio only: %.3f s (from the switch to the standby to the switch back to a"
                    + " VF)%n", r.virtioOnlyNanos() / 1e9);
        }
        StringBuilder paths = new StringBuilder();
        for (int i = 0; i < r.paths().size(); i++) {
            paths.append(String.format(Locale.ROOT, "%s %,d  ", r.paths().get(i), r.framesPerPath()[i]));
        }
        out.printf(Locale.ROOT, "  frames per path (both directions, at the peer): %s%n", paths.toString().strip());
        if (options.real()) {
            out.printf(Locale.ROOT, "  frames the kernel dropped at full AF_PACKET receive rings (rx_missed): %,d%n",
                    r.receiveDrops());
        }
        if (r.problems().isEmpty()) {
            out.printf(Locale.ROOT, "  result: OK, migration %s; %s%n", r.outcome().toLowerCase(Locale.ROOT),
                    r.mode().equals("graceful") ? "nothing lost, nothing duplicated"
                            : "nothing duplicated; a surprise removal lost " + (r.toNetwork().lost()
                            + r.toGuest().lost()) + " frames");
        } else {
            out.printf(Locale.ROOT, "  result: FAILED%n");
            for (String p : r.problems()) {
                out.printf(Locale.ROOT, "    - %s%n", p);
            }
        }
    }

    static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1e3;
    }

    private static String fmtSeconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    private static String kilo(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}

package io.twinport.bench.example;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.PacketPool;
import io.twinport.netty.IdleStrategy;
import io.twinport.netty.TwinportChannel;
import io.twinport.netty.TwinportChannelStats;
import io.twinport.netty.TwinportIoHandler;
import io.twinport.policy.MacAddress;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code twinport example udp-echo}: a UDP echo, ICMP echo and ARP responder written as ordinary Netty handlers
 * ({@link EchoService}) on a {@link TwinportChannel} over a failover port whose members are wire pairs (a standby
 * with STANDBY and a primary with the same MAC). A peer on the network side of the wires resolves the service with
 * ARP and keeps sending requests while this program plays the host of a migration, again and again: route the
 * traffic to the standby, warn ({@code prepareUnplug}), wait for the release, unplug the primary, plug it back,
 * wait until it is active again, route the traffic back. At the end it prints requests sent, replies and lost.
 */
public final class UdpEchoExample {
    static final MacAddress SERVICE_MAC = MacAddress.parse("52:54:00:12:34:56");
    static final MacAddress PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    static final int SERVICE_IP = Ethernet.parseIpv4("10.0.0.1");
    static final int PEER_IP = Ethernet.parseIpv4("10.0.0.2");
    static final int ECHO_PORT = 7;

    private static final String USAGE = """
            usage: twinport example udp-echo [--switchovers N] [--traffic TIME] [--drain TIME] [--window N]
                                             [--frame-size BYTES]

            A UDP/ICMP echo and ARP responder (Netty handlers on a TwinportChannel) on a failover port over two wire
            pairs, answering a peer while the primary is unplugged gracefully and plugged back N times.

              --switchovers N      graceful unplug + re-plug cycles, 0 to 100000 (default 50)
              --traffic TIME       traffic between the steps of a cycle, e.g. 20ms, 1s (default 20ms)
              --drain TIME         how long the failover port keeps receiving from the primary after the warning
                                   (FailoverOptions.gracefulDrainNanos; default 100ms: frames the peer sent just
                                   before the host re-routed must still be read, even on a loaded machine)
              --window N           requests the peer keeps unanswered at most, 1 to 512 (default 64)
              --frame-size BYTES   UDP request frame length, Ethernet header included, 60 to 1514 (default 128)

            Prints requests sent, replies and lost; exit 0 when every request was answered once, 1 otherwise, 2 for
            a bad option.
            """;

    private UdpEchoExample() {
    }

    /** What the command line asked for. */
    record Options(int switchovers, long trafficNanos, long drainNanos, int window, int frameSize) {
    }

    /**
     * Runs {@code example SUBCOMMAND}.
     *
     * @param args the example's name and its arguments
     * @param out  standard output
     * @param err  standard error
     * @return the exit status
     * @throws InterruptedException if interrupted while waiting
     */
    public static int runExample(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        if (args.length == 0 || !"udp-echo".equals(args[0])) {
            err.println("twinport example: " + (args.length == 0 ? "an example name is required"
                    : "unknown example '" + args[0] + "'") + "; examples: udp-echo");
            err.print(USAGE);
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        Options options;
        try {
            options = parse(rest);
        } catch (IllegalArgumentException e) {
            err.println("twinport example udp-echo: " + e.getMessage());
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        return run(options, out, err);
    }

    static Options parse(String[] args) {
        int switchovers = 50;
        long traffic = TimeUnit.MILLISECONDS.toNanos(20);
        long drain = TimeUnit.MILLISECONDS.toNanos(100);
        int window = 64;
        int frameSize = 128;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value, or is unknown; see --help");
            }
            String v = args[++i];
            switch (a) {
                case "--switchovers" -> switchovers = number(a, v, 0, 100_000);
                case "--traffic" -> traffic = duration(a, v);
                case "--drain" -> drain = duration(a, v);
                case "--window" -> window = number(a, v, 1, 512);
                case "--frame-size" -> frameSize = number(a, v, 60, 1514);
                default -> throw new IllegalArgumentException("unknown option " + a
                        + "; options: --switchovers, --traffic, --drain, --window, --frame-size, --help");
            }
        }
        return new Options(switchovers, traffic, drain, window, frameSize);
    }

    private static int number(String option, String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + value + ": not a whole number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(option + " " + n + " out of range [" + min + ", " + max + "]");
        }
        return n;
    }

    private static long duration(String option, String value) {
        String v = value.toLowerCase(Locale.ROOT);
        long unit;
        String digits;
        if (v.endsWith("ms")) {
            unit = 1_000_000L;
            digits = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            unit = 1_000_000_000L;
            digits = v.substring(0, v.length() - 1);
        } else {
            throw new IllegalArgumentException(option + " " + value + ": a time such as 20ms or 1s");
        }
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + value + ": a time such as 20ms or 1s");
        }
        if (n < 0 || n * unit > TimeUnit.SECONDS.toNanos(60)) {
            throw new IllegalArgumentException(option + " " + value + " out of range [0, 60s]");
        }
        return n * unit;
    }

    private static WirePair member(String name, long features, MacAddress networkMac, PortRegistry registry) {
        WirePair pair = WirePair.create(name, 1, SERVICE_MAC, networkMac, features, null);
        pair.b().configure(PortConfig.DEFAULT.withRingSize(1024));
        pair.b().start();
        registry.add(pair.a());
        return pair;
    }

    private static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after 10 s waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    private static void pause(long nanos) throws InterruptedException {
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }

    static int run(Options o, PrintStream out, PrintStream err) throws InterruptedException {
        PacketPool pool = PacketPool.create("example", 16384);
        PortRegistry registry = new PortRegistry();
        FailoverManager manager = new FailoverManager(registry,
                FailoverOptions.DEFAULT.withGracefulDrainNanos(o.drainNanos()), PairingExclusions.NONE,
                System::nanoTime);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(
                IdleStrategy.backoff()));
        WirePair standby = member("vnet0", VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask(),
                MacAddress.parse("02:00:00:00:ee:01"), registry);
        WirePair primary = member("vf0", VirtioNetFeature.MAC.mask(), MacAddress.parse("02:00:00:00:ee:02"),
                registry);
        EchoService service = new EchoService(SERVICE_MAC, SERVICE_IP, ECHO_PORT);
        TwinportChannel ch = null;
        FailoverPort fp = null;
        EchoPeer peer = null;
        Thread peerThread = null;
        int status = 1;
        try {
            manager.startControlThread("twinport-control");
            await(() -> !manager.failoverPorts().isEmpty(), "the failover port to form");
            FailoverPort port = manager.failoverPorts().getFirst();
            fp = port;
            port.configure(PortConfig.DEFAULT.withRingSize(1024));
            port.start();
            await(() -> port.active().orElse(null) == primary.a(), "the primary to become active");

            ch = new TwinportChannel(port, pool, registry, 0, 1);
            EchoService.Handlers handlers = service.install(ch.pipeline());
            group.register(ch).sync();

            peer = new EchoPeer(pool, PEER_MAC, PEER_IP, service, primary.b(),
                    new Port[] {primary.b(), standby.b()}, o.window(), o.frameSize());
            peerThread = Thread.ofPlatform().name("echo-peer").start(peer);
            EchoPeer p = peer;
            await(() -> p.resolved() != null || p.stopped(), "the peer's ARP request to be answered");

            long start = System.nanoTime();
            long switchNanos = 0;
            for (int cycle = 0; cycle < o.switchovers() && !peer.stopped(); cycle++) {
                pause(o.trafficNanos());
                WirePort vf = primary.a();
                peer.path = standby.b(); // the host routes the service's MAC to the standby...
                long t0 = System.nanoTime();
                CompletableFuture<Void> released = manager.prepareUnplug(vf.name()); // ...and warns
                await(released::isDone, "the primary's release (cycle " + cycle + ")");
                switchNanos += System.nanoTime() - t0;
                primary.unplug(vf, RemovalReason.GRACEFUL);
                registry.remove(vf, RemovalReason.GRACEFUL);
                vf.close();
                pause(o.trafficNanos()); // standby only: the VF is gone (the migration would run here)
                WirePort back = primary.replug(true);
                registry.add(back);
                await(() -> port.active().orElse(null) == back, "the primary active again (cycle " + cycle + ")");
                peer.path = primary.b();
            }
            pause(o.trafficNanos());
            double seconds = (System.nanoTime() - start) / 1e9;
            peer.stopSending();
            peerThread.join(5_000);

            long sent = peer.sent();
            long replies = peer.replies();
            long lost = sent - replies;
            TwinportChannelStats s = ch.stats();
            out.printf(Locale.ROOT, "udp-echo on %s (%s): %d graceful switchovers in %.1f s (release after the"
                            + " warning: %.2f ms on average)%n", port.name(), service, o.switchovers(), seconds,
                    o.switchovers() == 0 ? 0.0 : switchNanos / 1e6 / o.switchovers());
            out.printf(Locale.ROOT, "requests sent %d (udp %d, icmp %d), replies %d, lost %d, duplicates %d,"
                            + " damaged %d%n", sent, sent - peer.sentIcmp(), peer.sentIcmp(), replies, lost,
                    peer.duplicates(), peer.bad());
            out.printf(Locale.ROOT, "arp: %s is at %s; other frames seen by the peer (announcements): %d%n",
                    Ethernet.ipv4(SERVICE_IP), peer.resolved(), peer.other());
            out.printf(Locale.ROOT, "handlers: arp %d, icmp %d, udp %d, unanswered %d%n", handlers.arp().answered(),
                    handlers.icmp().answered(), handlers.udp().answered(), handlers.unanswered().dropped());
            out.printf(Locale.ROOT, "channel: rx %d (zero-copy %d, copied %d), tx %d (zero-copy %d, copied %d),"
                            + " tx blocked %d, %s%n", s.rxFrames(), s.rxZeroCopy(), s.rxCopied(), s.txFrames(),
                    s.txZeroCopy(), s.txCopied(), s.txBlocked(), ch.isActive() ? "open throughout"
                            : "CLOSED: " + ch.closeCause());
            if (peer.failure() != null) {
                err.println("twinport example udp-echo: the peer failed: " + peer.failure());
            } else if (lost == 0 && peer.duplicates() == 0 && peer.bad() == 0 && ch.isActive()) {
                status = 0;
            }
        } catch (IllegalStateException e) {
            err.println("twinport example udp-echo: " + e.getMessage());
        } finally {
            if (peer != null) {
                peer.stopSending();
            }
            if (peerThread != null) {
                peerThread.join(5_000);
            }
            if (ch != null) {
                ch.close().awaitUninterruptibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            manager.close(); // stop pairing before letting go, so nothing claims the members again
            registry.doWork();
            if (fp != null) {
                fp.close();
            }
            standby.close();
            primary.close();
            registry.close();
            int inUse = pool.inUse();
            pool.close();
            if (inUse != 0) {
                err.println("twinport example udp-echo: " + inUse + " packet buffers were not returned to the pool");
                status = 1;
            }
        }
        return status;
    }
}

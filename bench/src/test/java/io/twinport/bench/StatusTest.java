package io.twinport.bench;

import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mgmt.MgmtOptions;
import io.twinport.mgmt.MgmtServer;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.PortConfig;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./twinport status}: a real management server, a real failover port, the table printed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StatusTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    private static Result status(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "status";
        System.arraycopy(args, 0, all, 1, args.length);
        int s = Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(s, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static WirePair member(PortRegistry registry, String name, long features, int n) {
        WirePair pair = WirePair.create(name, 2, MAC, MacAddress.parse("02:00:00:00:ee:0" + n), features, null);
        pair.b().configure(PortConfig.DEFAULT.withQueues(2, 2));
        pair.b().start();
        registry.add(pair.a());
        return pair;
    }

    @Test
    void printsTheFailoverPortsAndThePortsAsTables() throws Exception {
        PortRegistry registry = new PortRegistry();
        FailoverManager manager = new FailoverManager(registry, FailoverOptions.DEFAULT.withAnnounce(
                new AnnouncementSchedule(0, 0)), PairingExclusions.NONE, System::nanoTime);
        WirePair standby = member(registry, "vnet0", VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask(), 1);
        WirePair primary = member(registry, "vf0", VirtioNetFeature.MAC.mask(), 2);
        Thread poller = null;
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        MgmtServer server = null;
        try {
            manager.startControlThread("status-test-control");
            await(() -> !manager.failoverPorts().isEmpty() && manager.failoverPorts().getFirst().primary()
                    .isPresent(), "the failover port forms");
            FailoverPort fp = manager.failoverPorts().getFirst();
            java.util.concurrent.CompletableFuture<Void> started = new java.util.concurrent.CompletableFuture<>();
            registry.execute(() -> {
                fp.configure(PortConfig.DEFAULT.withQueues(2, 2));
                fp.start();
                started.complete(null);
            });
            started.get(5, TimeUnit.SECONDS);
            poller = Thread.ofPlatform().daemon(true).name("status-test-datapath").start(() -> {
                Packet[] none = new Packet[1];
                while (!stop.get()) {
                    for (int q = 0; q < 2; q++) {
                        fp.rxBurst(q, none, 0, 0);
                        fp.txBurst(q, none, 0, 0);
                    }
                    LockSupport.parkNanos(50_000);
                }
            });
            await(() -> fp.active().orElse(null) == primary.a() && !fp.switching(), "the primary is active");
            Path sock = dir.resolve("status.sock");
            server = MgmtServer.start(MgmtOptions.of(sock), registry, manager, System::nanoTime);

            Result r = status("--socket", sock.toString());
            assertEquals(0, r.status(), r.err());
            assertEquals("", r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals("management socket " + sock, lines.get(0));
            assertEquals("failover ports:", lines.get(2));
            assertTrue(lines.get(3).matches("NAME +MAC +STATE +LINK +ACTIVE +STANDBY +PRIMARY +REASON +SWITCHING"
                    + " +OVERRIDE"), lines.get(3));
            assertTrue(lines.get(4).matches("failover0 +52:54:00:12:34:56 +started +up +vf0a \\(primary\\) +vnet0a"
                    + " +vf0a +primary-preferred +no +-"), lines.get(4));
            assertEquals("ports:", lines.get(6));
            assertTrue(lines.get(7).matches("NAME +DRIVER +MAC +STATE +LINK +OWNER +FEATURES +RX-PACKETS"
                    + " +TX-PACKETS +RX-ERRORS +TX-ERRORS +RX-MISSED"), lines.get(7));
            assertTrue(lines.get(8).matches("failover0 +failover +52:54:00:12:34:56 +started +up +- +0x0+20 +0 +0"
                    + " +0 +0 +0"), lines.get(8));
            assertTrue(lines.get(9).matches("vf0a +wire +52:54:00:12:34:56 +started +up +failover0"
                    + " +0x0000000000000020 +0 +0 +0 +0 +0"), lines.get(9));
            assertTrue(lines.get(10).matches("vnet0a +wire +52:54:00:12:34:56 +started +up +failover0"
                    + " +0x4000000000000020 .*"), lines.get(10));
            assertEquals(11, lines.size(), r.out());
            // the columns line up: every cell of a column starts where its header does
            int col = lines.get(7).indexOf("OWNER");
            assertEquals("failover0", lines.get(9).substring(col, col + 9));

            // an override shows in the table
            try (io.twinport.mgmt.MgmtClient c = io.twinport.mgmt.MgmtClient.connect(sock,
                    java.time.Duration.ofSeconds(5))) {
                c.query("set-active", java.util.Map.of("port", "failover0", "member", "standby", "seconds", 60),
                        java.time.Duration.ofSeconds(5));
            }
            Result o = status("--socket=" + sock);
            assertEquals(0, o.status(), o.err());
            String row = o.out().lines().toList().get(4);
            assertTrue(row.matches("failover0 .* vnet0a \\(standby\\) +vnet0a +vf0a +manual-override +(yes|no)"
                    + " +standby, (60|59) s left"), row);
        } finally {
            if (server != null) {
                server.close();
            }
            stop.set(true);
            if (poller != null) {
                poller.join(5_000);
            }
            manager.close();
            for (FailoverPort fp : manager.failoverPorts()) {
                fp.close();
            }
            for (WirePair p : List.of(standby, primary)) {
                for (WirePort end : new WirePort[] {p.a(), p.b()}) {
                    if (end != null && end.owner().isEmpty()) {
                        end.close();
                    }
                }
            }
            registry.close();
        }
    }

    @Test
    void withoutAFailoverManagerItSaysNone() throws Exception {
        try (PortRegistry registry = new PortRegistry(); WirePair pair = WirePair.create("w", 1, registry)) {
            registry.startControlThread("status-test-control");
            Path sock = dir.resolve("fwd.sock");
            try (MgmtServer server = MgmtServer.start(MgmtOptions.of(sock), registry)) {
                Result r = status("--socket", sock.toString());
                assertEquals(0, r.status(), r.err());
                List<String> lines = r.out().lines().toList();
                assertEquals("failover ports: none", lines.get(2));
                assertEquals("ports:", lines.get(4));
                assertTrue(lines.get(6).startsWith("wa ") && lines.get(6).contains(" wire ")
                        && lines.get(6).contains(" created ") && lines.get(6).contains(" down "), r.out());
                assertTrue(lines.get(7).startsWith(pair.b().name() + " "), r.out());
                assertEquals(8, lines.size(), r.out());
                await(() -> server.clients() == 0, "status disconnects when done");
            }
        }
    }

    @Test
    void nothingListeningIsOneLineNamingThePath() throws Exception {
        Path missing = dir.resolve("missing.sock");
        Result r = status("--socket", missing.toString());
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertEquals("twinport status: nothing listens on " + missing + " (no such file)\n", r.err());

        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale)); // closed without removing the file: a dead server's socket
        }
        r = status("--socket", stale.toString());
        assertEquals(1, r.status());
        assertEquals("twinport status: nothing listens on " + stale + " (Connection refused)\n", r.err());
    }

    @Test
    void badArgumentsAndHelp() throws Exception {
        Result r = status("--sock", "x");
        assertEquals(2, r.status());
        assertEquals("twinport status: unknown argument '--sock'; arguments: --socket PATH, --help\n", r.err());
        r = status("--socket");
        assertEquals(2, r.status());
        assertEquals("twinport status: --socket needs a value: the management socket's path\n", r.err());
        r = status("--socket", "a", "--socket", "b");
        assertEquals(2, r.status());
        r = status("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("usage: twinport status [--socket PATH]\n"), r.out());
        assertTrue(r.out().contains("$XDG_RUNTIME_DIR/twinport.sock, else /tmp/twinport-UID.sock"), r.out());
    }
}

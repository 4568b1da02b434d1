package io.twinport.mgmt;

import io.twinport.port.VirtioNetFeature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The management socket end to end: a real server on a socket in a temp dir, real clients (SocketChannel on a
 * UnixDomainSocketAddress), a registry and failover manager on their control thread, a failover port of two
 * wire-pair members.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MgmtServerTest {
    private static final Duration WAIT = MgmtRig.WAIT;

    @TempDir
    Path dir;
    private MgmtRig rig;

    @BeforeEach
    void setUp() throws IOException {
        rig = new MgmtRig(MgmtOptions.of(dir.resolve("mgmt.sock")));
    }

    @AfterEach
    void tearDown() {
        if (rig != null) {
            rig.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    static Map<String, Object> byName(Object rows, String name) {
        for (Object o : list(rows)) {
            if (name.equals(map(o).get("name"))) {
                return map(o);
            }
        }
        throw new AssertionError("no " + name + " in " + rows);
    }

    static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Sends a raw line and returns the reply object (events skipped). */
    static Map<String, Object> raw(MgmtClient c, String line) throws IOException {
        c.send(line);
        return c.nextReply(WAIT);
    }

    static void assertError(Map<String, Object> reply, String errorClass, String descPart) {
        Map<String, Object> e = map(reply.get("error"));
        assertTrue(e != null, "expected an error, got " + reply);
        assertEquals(errorClass, e.get("class"), reply.toString());
        assertTrue(((String) e.get("desc")).contains(descPart), "desc should contain '" + descPart + "': " + reply);
    }

    static Map<String, Object> nextEvent(MgmtClient c, String type) throws IOException {
        Map<String, Object> e = c.nextEvent(WAIT);
        assertEquals(type, e.get("event"), "event: " + e);
        return e;
    }

    // ------------------------------------------------------------------ commands

    @Test
    void greetingNamesTheCommands() throws IOException {
        MgmtClient c = rig.client();
        assertEquals(List.of("query-ports", "query-stats", "query-failover", "set-active", "query-migration"),
                c.greeting().get("commands"));
        assertTrue(c.greeting().containsKey("version"));
    }

    @Test
    void queryPortsListsEveryRegisteredPort() throws IOException {
        MgmtClient c = rig.client();
        Map<String, Object> reply = c.execute("query-ports", null, WAIT);
        assertEquals(1L, reply.get("id"), "the id is echoed: " + reply);
        Object ports = reply.get("return");
        assertEquals(List.of("failover0", "vf0a", "vnet0a"), list(ports).stream().map(o -> map(o).get("name"))
                .toList(), "sorted by name");
        Map<String, Object> fp = byName(ports, "failover0");
        assertEquals("failover", fp.get("driver"));
        assertEquals("52:54:00:12:34:56", fp.get("mac"));
        assertEquals("started", fp.get("state"));
        assertEquals("up", fp.get("link"));
        assertNull(fp.get("owner"));
        assertTrue(fp.containsKey("owner"), "owner is null, not missing");
        Map<String, Object> standby = byName(ports, "vnet0a");
        assertEquals("wire", standby.get("driver"));
        assertEquals("failover0", standby.get("owner"));
        assertEquals(String.format("0x%016x", MgmtRig.STANDBY_FEATURES), standby.get("features"));
        assertTrue(Long.parseUnsignedLong(((String) standby.get("features")).substring(2), 16)
                        == (VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask()),
                "features as hex: " + standby);
        Map<String, Object> primary = byName(ports, "vf0a");
        assertEquals("failover0", primary.get("owner"));
        assertEquals("started", primary.get("state"));
        assertEquals(String.format("0x%016x", MgmtRig.PRIMARY_FEATURES), primary.get("features"));
    }

    @Test
    void queryStatsGivesCountersAndXstatsOnRequest() throws IOException {
        assertEquals(10, rig.inject(rig.primary, 10));
        MgmtRig.await(() -> rig.fp.stats().rxPackets() == 10, "the failover port receives the 10 frames");
        MgmtClient c = rig.client();
        Object all = c.query("query-stats", null, WAIT);
        assertEquals(3, list(all).size());
        Map<String, Object> fp = byName(all, "failover0");
        assertEquals(10L, fp.get("rx_packets"));
        assertEquals(640L, fp.get("rx_bytes"));
        for (String k : List.of("rx_missed", "rx_no_buffer", "rx_errors", "tx_packets", "tx_bytes", "tx_errors")) {
            assertInstanceOf(Long.class, fp.get(k), k + " in " + fp);
        }
        assertFalse(fp.containsKey("xstats"), "xstats only when extended");

        Object one = c.query("query-stats", args("port", "failover0", "extended", true), WAIT);
        assertEquals(1, list(one).size());
        Map<String, Object> x = map(map(list(one).getFirst()).get("xstats"));
        assertEquals(10L, x.get("rx_good_packets"));
        assertTrue(x.containsKey("failover_switches"), "the failover port's own xstats: " + x);
        assertTrue(x.containsKey("rx_q" + (MgmtRig.QUEUES - 1) + "_packets"), "per-queue xstats: " + x);

        assertError(c.execute("query-stats", args("port", "eth9"), WAIT), "PortNotFound",
                "no port named \"eth9\"; ports: failover0, vf0a, vnet0a");
        assertError(c.execute("query-stats", args("extended", "yes"), WAIT), "InvalidArgument",
                "\"extended\" must be true or false, not a string");
        assertError(c.execute("query-stats", args("port", 3), WAIT), "InvalidArgument",
                "\"port\" must be a string, not a number");
    }

    @Test
    void queryFailoverShowsMembersActiveAndReason() throws IOException {
        MgmtClient c = rig.client();
        Object fps = c.query("query-failover", null, WAIT);
        assertEquals(1, list(fps).size());
        Map<String, Object> fp = byName(fps, "failover0");
        assertEquals("52:54:00:12:34:56", fp.get("mac"));
        assertEquals("vnet0a", fp.get("standby"));
        assertEquals("vf0a", fp.get("primary"));
        assertEquals("vf0a", fp.get("active"));
        assertEquals("primary", fp.get("active_role"));
        assertEquals("primary-preferred", fp.get("reason"));
        assertEquals(Boolean.FALSE, fp.get("switching"));
        assertNull(fp.get("override"));
        assertEquals("started", fp.get("state"));
        assertEquals("up", fp.get("link"));
    }

    // ------------------------------------------------------------------ events

    @Test
    void unplugSendsPrimaryUnpluggedAndSwitchedToEveryClient() throws IOException {
        MgmtClient c1 = rig.client();
        MgmtClient c2 = rig.client();
        long before = Instant.now().getEpochSecond();
        rig.unplugPrimary();
        for (MgmtClient c : List.of(c1, c2)) {
            Map<String, Object> unplugged = nextEvent(c, "PRIMARY_UNPLUGGED");
            Map<String, Object> data = map(unplugged.get("data"));
            assertEquals("failover0", data.get("port"));
            assertEquals("vf0a", data.get("member"));
            assertEquals("surprise", data.get("reason"));
            assertInstanceOf(Long.class, data.get("nano_time"));
            Map<String, Object> ts = map(unplugged.get("timestamp"));
            long seconds = (Long) ts.get("seconds");
            assertTrue(seconds >= before && seconds <= Instant.now().getEpochSecond(), "wall clock: " + ts);
            long micros = (Long) ts.get("microseconds");
            assertTrue(micros >= 0 && micros < 1_000_000, "microseconds: " + ts);

            Map<String, Object> switched = nextEvent(c, "SWITCHED");
            Map<String, Object> sd = map(switched.get("data"));
            assertEquals("failover0", sd.get("port"));
            assertEquals("vf0a", sd.get("from"));
            assertEquals("vnet0a", sd.get("to"));
            assertEquals("primary-absent", sd.get("reason"));
            assertTrue((Long) sd.get("switch_ns") >= 0, "switch_ns: " + sd);
        }
        Map<String, Object> fp = byName(c1.query("query-failover", null, WAIT), "failover0");
        assertEquals("vnet0a", fp.get("active"));
        assertNull(fp.get("primary"));
        assertEquals("primary-absent", fp.get("reason"));
        assertFalse(byName(c1.query("query-ports", null, WAIT), "failover0").isEmpty());
        assertTrue(list(c1.query("query-ports", null, WAIT)).stream().noneMatch(p -> "vf0a".equals(map(p)
                .get("name"))), "the unplugged primary left the registry");
        assertError(c1.execute("set-active", args("port", "failover0", "member", "primary", "seconds", 5), WAIT),
                "MemberNotPresent", "failover port failover0 has no primary attached");
    }

    // ------------------------------------------------------------------ events and entries of other components

    @Test
    void publishedEventsGoToEveryClientAsFailoverEventsDo() throws IOException {
        MgmtClient c1 = rig.client();
        MgmtClient c2 = rig.client();
        long before = Instant.now().getEpochSecond();
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("vm", "vm0");
        data.put("wait_unplug_ns", 1234L);
        data.put("vf", null);
        rig.server.publishEvent("MIGRATION_COMPLETED", data);
        for (MgmtClient c : List.of(c1, c2)) {
            Map<String, Object> e = nextEvent(c, "MIGRATION_COMPLETED");
            assertEquals(data, e.get("data"), "data as given, in order");
            assertEquals(List.of("vm", "wait_unplug_ns", "vf"), List.copyOf(map(e.get("data")).keySet()));
            long seconds = (Long) map(e.get("timestamp")).get("seconds");
            assertTrue(seconds >= before && seconds <= Instant.now().getEpochSecond(), "wall clock: " + e);
        }
        var bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> rig.server.publishEvent("migration done", Map.of()));
        assertTrue(bad.getMessage().contains("event name \"migration done\" must be upper case"), bad.getMessage());
    }

    @Test
    void queryMigrationListsTheContributedEntriesAndNothingWithoutThem() throws Exception {
        MgmtClient c = rig.client();
        assertEquals(List.of(), c.query("query-migration", null, WAIT), "no sequence contributed: an empty list");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        AutoCloseable first = rig.server.addQueryEntry(MgmtCommand.QUERY_MIGRATION,
                () -> Map.of("vm", "vm0", "calls", calls.incrementAndGet()));
        AutoCloseable second = rig.server.addQueryEntry(MgmtCommand.QUERY_MIGRATION, () -> Map.of("vm", "vm1"));
        assertEquals(List.of(Map.of("vm", "vm0", "calls", 1L), Map.of("vm", "vm1")),
                c.query("query-migration", null, WAIT), "in the order added, computed when asked");
        assertEquals(List.of(Map.of("vm", "vm0", "calls", 2L), Map.of("vm", "vm1")),
                c.query("query-migration", null, WAIT));
        first.close();
        assertEquals(List.of(Map.of("vm", "vm1")), c.query("query-migration", null, WAIT));
        second.close();
        assertEquals(List.of(), c.query("query-migration", null, WAIT));
        assertError(c.execute("query-migration", args("vm", "vm0"), WAIT), "InvalidArgument",
                "query-migration takes no arguments, got \"vm\"");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> rig.server.addQueryEntry(MgmtCommand.QUERY_PORTS, () -> Map.of()));
        assertEquals("management socket: query-ports takes no contributed entries; commands that do:"
                + " query-migration", refused.getMessage());
    }

    // ------------------------------------------------------------------ set-active

    @Test
    void setActiveSwitchesUntilTheOverrideExpires() throws IOException {
        MgmtClient c = rig.client();
        Map<String, Object> r = map(c.query("set-active", args("port", "failover0", "member", "standby",
                "seconds", 30), WAIT));
        assertEquals("failover0", r.get("port"));
        assertEquals("standby", r.get("member"));
        assertEquals(30_000L, r.get("expires_in_ms"));
        assertEquals("vnet0a", r.get("active"), "the active member changes at once: " + r);
        assertEquals("manual-override", r.get("reason"));

        Map<String, Object> sd = map(nextEvent(c, "SWITCHED").get("data"));
        assertEquals("vf0a", sd.get("from"));
        assertEquals("vnet0a", sd.get("to"));
        assertEquals("manual-override", sd.get("reason"));

        Map<String, Object> fp = byName(c.query("query-failover", null, WAIT), "failover0");
        assertEquals("vnet0a", fp.get("active"));
        assertEquals("standby", fp.get("active_role"));
        assertEquals("manual-override", fp.get("reason"));
        Map<String, Object> ov = map(fp.get("override"));
        assertEquals("standby", ov.get("member"));
        long left = (Long) ov.get("expires_in_ms");
        assertTrue(left > 0 && left <= 30_000, "expires_in_ms: " + ov);

        rig.skew.addAndGet(TimeUnit.SECONDS.toNanos(31)); // the clock passes the expiry; the control thread notices
        Map<String, Object> back = map(nextEvent(c, "SWITCHED").get("data"));
        assertEquals("vnet0a", back.get("from"));
        assertEquals("vf0a", back.get("to"));
        assertEquals("primary-preferred", back.get("reason"));
        fp = byName(c.query("query-failover", null, WAIT), "failover0");
        assertEquals("vf0a", fp.get("active"));
        assertNull(fp.get("override"), "an expired override is not shown: " + fp);
    }

    @Test
    void setActiveAutoCancelsTheOverride() throws IOException {
        MgmtClient c = rig.client();
        c.query("set-active", args("port", "failover0", "member", "standby", "seconds", 600), WAIT);
        nextEvent(c, "SWITCHED");
        Map<String, Object> r = map(c.query("set-active", args("port", "failover0", "member", "auto"), WAIT));
        assertEquals("vf0a", r.get("active"));
        assertEquals("primary-preferred", r.get("reason"));
        assertFalse(r.containsKey("expires_in_ms"));
        assertEquals("vf0a", map(nextEvent(c, "SWITCHED").get("data")).get("to"));
        assertNull(byName(c.query("query-failover", null, WAIT), "failover0").get("override"));
    }

    @Test
    void setActiveRefusesBadArguments() throws IOException {
        MgmtClient c = rig.client();
        assertError(c.execute("set-active", args("member", "primary", "seconds", 5), WAIT), "InvalidArgument",
                "missing argument \"port\"");
        assertError(c.execute("set-active", args("port", "failover0", "seconds", 5), WAIT), "InvalidArgument",
                "missing argument \"member\"");
        assertError(c.execute("set-active", args("port", "failover0", "member", "primary"), WAIT),
                "InvalidArgument", "missing argument \"seconds\"");
        assertError(c.execute("set-active", args("port", "failover0", "member", "primary", "seconds", 0), WAIT),
                "InvalidArgument", "\"seconds\" 0 out of range");
        assertError(c.execute("set-active", args("port", "failover0", "member", "primary", "seconds", 86_401),
                WAIT), "InvalidArgument", "at most 86400");
        assertError(c.execute("set-active", args("port", "failover0", "member", "primary", "seconds", "5"), WAIT),
                "InvalidArgument", "\"seconds\" must be a number, not a string");
        assertError(c.execute("set-active", args("port", "failover0", "member", "vf", "seconds", 5), WAIT),
                "InvalidArgument", "\"member\" must be \"primary\", \"standby\" or \"auto\", not \"vf\"");
        assertError(c.execute("set-active", args("port", "failover0", "member", "auto", "seconds", 5), WAIT),
                "InvalidArgument", "\"seconds\" does not apply");
        assertError(c.execute("set-active", args("port", "failover7", "member", "auto"), WAIT), "PortNotFound",
                "no failover port named \"failover7\"; failover ports: failover0");
        assertError(c.execute("set-active", args("port", "vf0a", "member", "auto"), WAIT), "PortNotFound",
                "no failover port named \"vf0a\"");
        assertError(c.execute("set-active", args("port", "failover0", "member", "auto", "force", true), WAIT),
                "InvalidArgument", "set-active has no argument \"force\"; its arguments: port, member, seconds");
        Map<String, Object> fp = byName(c.query("query-failover", null, WAIT), "failover0");
        assertEquals("vf0a", fp.get("active"), "nothing changed");
        Map<String, Object> ok = c.execute("set-active", args("port", "failover0", "member", "primary",
                "seconds", 0.25), WAIT);
        assertEquals(250L, map(ok.get("return")).get("expires_in_ms"), "fractional seconds: " + ok);
    }

    // ------------------------------------------------------------------ robustness

    @Test
    void malformedLinesGetErrorsAndTheConnectionStaysUsable() throws IOException {
        MgmtClient c = rig.client();
        assertError(raw(c, "hello"), "ParseError", "not JSON: unexpected 'h', expected a value at offset 0");
        assertError(raw(c, "{\"execute\":\"query-ports\""), "ParseError", "expected ',' or '}' in an object");
        assertError(raw(c, "[1,2]"), "InvalidCommand", "a command is a JSON object");
        assertError(raw(c, "{}"), "InvalidCommand", "missing \"execute\"");
        assertError(raw(c, "{\"execute\":42,\"id\":\"a\"}"), "InvalidCommand", "\"execute\" must be a string");
        Map<String, Object> unknown = raw(c, "{\"execute\":\"query-everything\",\"id\":{\"n\":7}}");
        assertError(unknown, "CommandNotFound", "unknown command \"query-everything\"; commands: query-ports,"
                + " query-stats, query-failover, set-active, query-migration");
        assertEquals(Map.of("n", 7L), unknown.get("id"), "the id is echoed with an error too");
        assertError(raw(c, "{\"execute\":\"query-ports\",\"arguments\":[]}"), "InvalidArgument",
                "\"arguments\" must be an object, not an array");
        assertError(raw(c, "{\"execute\":\"query-ports\",\"arguments\":{\"port\":\"x\"}}"), "InvalidArgument",
                "query-ports takes no arguments, got \"port\"");
        assertError(raw(c, "{\"execute\":\"query-ports\",\"exec\":1}"), "InvalidCommand", "unknown member \"exec\"");
        assertError(raw(c, "{\"execute\":\"query-ports\",\"execute\":\"query-stats\"}"), "ParseError",
                "duplicate key \"execute\"");
        assertError(raw(c, "[".repeat(1000)), "ParseError", "nesting deeper than 32");
        c.sendBytes(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
        assertError(c.nextReply(WAIT), "ParseError", "not valid UTF-8");
        c.send("");
        c.send("   ");
        Map<String, Object> ok = raw(c, "{\"execute\":\"query-ports\",\"id\":\"after the errors\"}");
        assertEquals("after the errors", ok.get("id"), "blank lines are skipped, the connection still works: " + ok);
        assertEquals(3, list(ok.get("return")).size());
    }

    @Test
    void aLineOverTheLimitGetsAnErrorAndTheNextLineWorks() throws IOException {
        MgmtClient c = rig.client();
        String huge = "{\"execute\":\"query-ports\",\"id\":\"" + "x".repeat(MgmtOptions.DEFAULT_MAX_LINE_BYTES)
                + "\"}";
        assertError(raw(c, huge), "LineTooLong", "line longer than 65536 bytes; it was discarded");
        // a megabyte with no newline at all is discarded as it streams in, then the line ends
        byte[] mb = new byte[1 << 20];
        java.util.Arrays.fill(mb, (byte) 'y');
        c.sendBytes(mb);
        c.send("");
        assertError(c.nextReply(WAIT), "LineTooLong", "65536");
        Map<String, Object> ok = c.execute("query-failover", null, WAIT);
        assertEquals(1, list(ok.get("return")).size(), ok.toString());
    }

    @Test
    void commandsAreAnsweredInOrderEvenWhenSentAtOnce() throws IOException {
        MgmtClient c = rig.client();
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            batch.append(i % 3 == 0 ? "not json" : "{\"execute\":\"query-failover\",\"id\":" + i + "}").append('\n');
        }
        c.sendBytes(batch.toString().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 300; i++) {
            Map<String, Object> r = c.nextReply(WAIT);
            if (i % 3 == 0) {
                assertError(r, "ParseError", "not JSON");
            } else {
                assertEquals((long) i, r.get("id"), "reply " + i + " in order: " + r);
            }
        }
    }

    @Test
    void aClientThatDoesNotReadIsDisconnectedWithoutHoldingUpTheControlThread() throws Exception {
        rig.close();
        rig = new MgmtRig(MgmtOptions.of(dir.resolve("slow.sock")).withMaxOutboundBytes(4096));
        MgmtClient fast = rig.client();
        MgmtClient slow = rig.client();
        MgmtRig.await(() -> rig.server.clients() == 2, "two clients");
        String cmd = "{\"execute\":\"query-stats\",\"arguments\":{\"extended\":true}}\n";
        byte[] burst = cmd.repeat(100).getBytes(StandardCharsets.UTF_8);
        boolean refused = false;
        for (int i = 0; i < 20 && rig.server.clients() == 2; i++) {
            try {
                slow.sendBytes(burst); // never reads a reply: replies pile up in the socket, then in the server
            } catch (IOException e) {
                refused = true; // the server closed it while we were still writing: fine
                break;
            }
            // meanwhile the control thread keeps serving everyone else
            assertEquals(1, list(fast.query("query-failover", null, WAIT)).size());
        }
        MgmtRig.await(() -> rig.server.clients() == 1, "the slow client is disconnected");
        // events and replies still reach the fast client
        fast.query("set-active", args("port", "failover0", "member", "standby", "seconds", 60), WAIT);
        assertEquals("vnet0a", map(nextEvent(fast, "SWITCHED").get("data")).get("to"));
        // the slow one finds its connection closed (end of stream, or reset as the server dropped unread input)
        if (!refused) {
            try {
                String line;
                int n = 0;
                while ((line = slow.readLine(WAIT)) != null) {
                    n++;
                    assertTrue(n < 100_000, "the slow client's stream must end");
                    assertFalse(line.isEmpty());
                }
            } catch (IOException e) {
                assertFalse(e instanceof java.net.SocketTimeoutException, "the slow client must see an end: " + e);
            }
        }
    }

    @Test
    void aClientOverTheLimitIsToldAndDisconnected() throws Exception {
        rig.close();
        rig = new MgmtRig(MgmtOptions.of(dir.resolve("one.sock")).withMaxClients(1));
        MgmtClient first = rig.client();
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> MgmtClient.connect(rig.path(), WAIT));
        assertTrue(e.getMessage().contains("refused the connection: the server has 1 clients already"),
                e.getMessage());
        assertEquals(1, list(first.query("query-failover", null, WAIT)).size(), "the first one is still served");
    }

    // ------------------------------------------------------------------ the socket file

    @Test
    void theSocketHasMode0600AndIsRemovedOnClose() throws IOException {
        Path path = rig.path();
        assertEquals("socket", MgmtSocket.fileType(path));
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                Files.getPosixFilePermissions(path));
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(path.getFileName()), entries.map(Path::getFileName).toList(),
                    "no private bind directory left behind");
        }
        rig.close();
        rig = null;
        assertFalse(Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS), "socket file removed on close");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> MgmtClient.connect(path, WAIT));
        assertEquals("nothing listens on " + path + " (no such file)", e.getMessage());
    }

    @Test
    void aSecondServerOnTheSamePathIsRefused() {
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> MgmtServer.start(MgmtOptions.of(rig.path()), rig.registry));
        assertEquals("management socket " + rig.path() + ": another server is listening on it", e.getMessage());
        assertTrue(Files.exists(rig.path()), "the running server's socket is left alone");
    }

    @Test
    void eventsStopAfterCloseAndNothingBreaks() throws IOException {
        MgmtClient c = rig.client();
        rig.server.close();
        assertNull(c.readLine(WAIT), "the server closed the connection");
        rig.unplugPrimary(); // the manager still calls the closed server's listener: it must do nothing
        MgmtRig.await(() -> rig.fp.primary().isEmpty() && !rig.fp.switching(), "the switch completes");
        List<String> names = new ArrayList<>();
        rig.onControl(() -> names.add("control thread alive"));
        assertEquals(1, names.size());
    }
}

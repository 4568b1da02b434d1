package io.twinport.e2e;

import io.twinport.mgmt.Json;
import io.twinport.vf.Ip;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code twinport demo} as a user runs it: the runnable jar in its own process, graceful and surprise, and with
 * {@code --real} (veth pairs; root only). The counts come from its {@code --report} JSON and are checked against
 * each other and against the text it printed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DemoTest {
    private static Path jar;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("twinport.jar", "../../bench/target/twinport.jar"));
        assertTrue(Files.isRegularFile(jar), "the bench module builds " + jar + " before this module's tests");
    }

    record Run(int status, String out, String err) {
    }

    private static Run demo(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "demo"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo did not exit");
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private static Map<?, ?> summary(Path dir, Run r) throws IOException {
        assertTrue(Files.exists(dir.resolve("demo.json")), "no report: " + r.status() + "\n" + r.out() + r.err());
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("demo.json")));
        assertTrue(Files.readString(dir.resolve("demo.svg")).contains("<polyline class=\"series\""));
        return (Map<?, ?>) root.get("summary");
    }

    private static long count(Map<?, ?> summary, String direction, String what) {
        return ((Number) ((Map<?, ?>) summary.get(direction)).get(what)).longValue();
    }

    private static List<String> events(Path dir) throws IOException {
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("demo.json")));
        List<String> names = new ArrayList<>();
        for (Object o : (List<?>) root.get("events")) {
            Map<?, ?> e = (Map<?, ?>) o;
            Map<?, ?> data = (Map<?, ?>) e.get("data");
            String name = e.get("source") + " " + e.get("event");
            if ("SWITCHED".equals(e.get("event"))) {
                name += " " + data.get("to");
            } else if ("MIGRATION".equals(e.get("event"))) {
                name += " " + data.get("status");
            } else if ("VF_UNPLUGGED".equals(e.get("event")) || "PRIMARY_UNPLUGGED".equals(e.get("event"))) {
                name += " " + data.get("reason");
            }
            names.add(name);
        }
        return names;
    }

    /** Every sent frame arrived or was lost, each direction carried traffic, and the text says the same. */
    private static void countsAddUp(Map<?, ?> summary, Run r) {
        for (String d : List.of("to_network", "to_guest")) {
            long sent = count(summary, d, "sent");
            assertTrue(sent > 10_000, d + ": traffic ran (" + sent + " frames)");
            assertEquals(sent, count(summary, d, "received") + count(summary, d, "lost"), d);
            assertEquals(0, count(summary, d, "duplicated"), d + ": nothing may arrive twice");
            assertEquals(0, count(summary, d, "given_up"), d);
            String row = String.format("%,d", sent);
            assertTrue(r.out().contains(row), "the text shows " + row + ": " + r.out());
        }
        assertEquals("COMPLETED", summary.get("outcome"));
    }

    /** The guest's vhost-user socket lives in a temp directory the demo names in its header and removes. */
    private static void noSocketLeft(Run r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("server mode on (\\S+\\.sock);").matcher(r.out());
        assertTrue(m.find(), "the header names the guest's socket: " + r.out());
        Path socket = Path.of(m.group(1));
        assertFalse(Files.exists(socket), socket + " left behind");
        assertFalse(Files.exists(socket.getParent()), socket.getParent() + " left behind");
    }

    private static void inOrder(List<String> events, String... expected) {
        int at = -1;
        for (String e : expected) {
            int i = events.subList(at + 1, events.size()).indexOf(e);
            assertTrue(i >= 0, e + " after position " + at + " in " + events);
            at += 1 + i;
        }
    }

    @Test
    void gracefulLosesNothingAndDuplicatesNothing(@TempDir Path dir) throws Exception {
        Run r = demo("--phase", "1s", "--report", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Map<?, ?> summary = summary(dir, r);
        countsAddUp(summary, r);
        for (String d : List.of("to_network", "to_guest")) {
            assertEquals(0, count(summary, d, "lost"), d + ": a graceful migration loses nothing");
            assertEquals(count(summary, d, "sent"), count(summary, d, "received"), d);
        }
        assertEquals(true, summary.get("ok"));
        assertTrue(r.out().contains("result: OK, migration completed; nothing lost, nothing duplicated"), r.out());
        assertFalse(r.err().contains("restricted method"), r.err());
        // Each side's events are in order; across sides only causality is asserted: the state machine stamps an
        // event when its host operation returned, by which time the guest may already have reacted.
        List<String> events = events(dir);
        inOrder(events, "guest FAILOVER_NEGOTIATED", "guest PRIMARY_ATTACHED", "guest SWITCHED tpsrcvfa",
                "guest PRIMARY_UNPLUGGED graceful", "guest SWITCHED vnet0", "guest PRIMARY_ATTACHED",
                "guest SWITCHED tpdstvfa");
        inOrder(events, "host MIGRATION failover-negotiated", "host VF_PLUGGED", "host MIGRATION unplug-requested",
                "host UNPLUG_PRIMARY", "host MIGRATION wait-unplug", "host WAIT_UNPLUG", "host VF_UNPLUGGED graceful",
                "host MIGRATION migrating", "host VIRTIO_HANDED_OVER", "host REPLUGGED", "host MIGRATION completed",
                "host MIGRATION_COMPLETED");
        // the real vhost-user hand-over: the guest's driver loses its device and gets the target's; the target's
        // announce request reaches it (its failover port then announces on the active member)
        inOrder(events, "guest SWITCHED vnet0", "guest LINK_DOWN", "guest LINK_UP", "guest ANNOUNCE_REQUESTED");
        assertTrue(r.out().contains("virtio path: vhost-user"), r.out());
        noSocketLeft(r);
        assertTrue(events.indexOf("guest SWITCHED vnet0") < events.indexOf("host VF_UNPLUGGED graceful"),
                "the guest left the VF before the host unplugged it: " + events);
        assertTrue(((Number) summary.get("virtio_only_ns")).longValue() >= TimeUnit.SECONDS.toNanos(1),
                "at least the pre-copy phase on virtio: " + summary.get("virtio_only_ns"));
    }

    /**
     * Issue 10: the Netty example (the UDP echo handlers on a {@code TwinportChannel} over the guest's failover port)
     * keeps answering while the whole migration happens under it; graceful: every request answered exactly once.
     */
    @Test
    void theNettyUdpEchoAnswersEveryRequestThroughTheMigration(@TempDir Path dir) throws Exception {
        Run r = demo("--app", "udp-echo", "--phase", "1s", "--report", dir.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        Map<?, ?> summary = summary(dir, r);
        countsAddUp(summary, r);
        long sent = count(summary, "to_guest", "sent");
        assertEquals(sent, count(summary, "to_network", "sent"), "replies are counted against the requests");
        for (String d : List.of("to_network", "to_guest")) {
            assertEquals(0, count(summary, d, "lost"), d + ": a graceful migration loses no request and no reply");
            assertEquals(sent, count(summary, d, "received"), d);
        }
        Map<?, ?> app = (Map<?, ?>) summary.get("app");
        assertEquals("udp-echo", app.get("app"));
        assertEquals(sent, ((Number) app.get("answered_udp")).longValue(), "the handler answered each request once");
        assertEquals(true, app.get("channel_open_throughout"), "a switchover never closes the channel");
        assertTrue(r.out().contains(String.format("udp echo: %,d requests sent, %,d answered, 0 lost, 0 duplicated",
                sent, sent)), r.out());
        List<String> events = events(dir);
        inOrder(events, "guest SWITCHED tpsrcvfa", "guest SWITCHED vnet0", "guest SWITCHED tpdstvfa");
        inOrder(events, "host VF_UNPLUGGED graceful", "host VIRTIO_HANDED_OVER", "host MIGRATION_COMPLETED");
        noSocketLeft(r);
    }

    @Test
    void surpriseCompletesAndReportsItsLossHonestly(@TempDir Path dir) throws Exception {
        Run r = demo("--surprise", "--phase", "1s", "--report", dir.toString());
        Map<?, ?> summary = summary(dir, r);
        countsAddUp(summary, r);
        assertEquals(0, r.status(), "a surprise may lose, not duplicate: " + r.out() + r.err());
        long lost = count(summary, "to_network", "lost") + count(summary, "to_guest", "lost");
        assertTrue(r.out().contains("a surprise removal lost " + lost + " frames"), r.out());
        List<String> events = events(dir);
        // the pulled VF's link goes down before its removal is processed, so the guest may switch first
        inOrder(events, "guest SWITCHED tpsrcvfa", "guest SWITCHED vnet0", "guest SWITCHED tpdstvfa");
        inOrder(events, "guest SWITCHED tpsrcvfa", "guest PRIMARY_UNPLUGGED surprise", "guest SWITCHED tpdstvfa");
        inOrder(events, "host VF_PLUGGED", "host VF_UNPLUGGED surprise", "host MIGRATION migrating",
                "host REPLUGGED", "host MIGRATION_COMPLETED");
        inOrder(events, "host MIGRATION migrating", "host VIRTIO_HANDED_OVER", "host MIGRATION_COMPLETED");
        assertFalse(events.contains("guest PRIMARY_UNPLUGGED graceful"), "no warning reached the guest: " + events);
        noSocketLeft(r);
        assertTrue(events.contains("guest PRIMARY_UNPLUGGED surprise"), events.toString());
    }

    /**
     * With veth pairs the kernel is part of the path: a frame the peer sends to the guest's VF after the guest's
     * failover port stopped draining it (200 ms after the switch) is dropped by the kernel, not refused as the wire
     * pair refuses it. On a quiet machine that does not happen; on a loaded 2-core one the peer's thread can be off
     * the CPU for that long. So this test checks what holds under any load (the migration completes, every frame is
     * accounted for, nothing arrives twice, traffic used the veths, no link is left behind) and accepts a failed
     * exit status only when the demo's one complaint is loss, which it then reports with its count.
     */
    @Test
    void realVethVfsCarryTheMigrationAndLeaveNoLinkBehind(@TempDir Path dir) throws Exception {
        String missing = Ip.missing();
        assumeTrue(missing == null, "skipped: " + missing);
        List<String> before = links();
        Run r = demo("--real", "--phase", "1s", "--rate", "20000", "--report", dir.toString());
        Map<?, ?> summary = summary(dir, r);
        countsAddUp(summary, r);
        assertTrue(r.out().contains("VFs: veth pairs"), r.out());
        long lost = count(summary, "to_network", "lost") + count(summary, "to_guest", "lost");
        if (r.status() != 0) {
            assertEquals(1, r.status(), r.out() + r.err());
            for (Object problem : (List<?>) summary.get("problems")) {
                assertTrue(problem.toString().contains("frames lost in a graceful migration"), problem.toString());
            }
            assertTrue(lost > 0, r.out());
            System.out.println("demo --real lost " + lost + " frames on this machine: " + summary.get("problems"));
        } else {
            assertEquals(0, lost, r.out());
        }
        Map<?, ?> perPath = (Map<?, ?>) summary.get("frames_per_path");
        assertTrue(((Number) perPath.get("src-vf")).longValue() > 1_000, perPath.toString());
        assertTrue(((Number) perPath.get("dst-vf")).longValue() > 1_000, perPath.toString());
        assertEquals(before, links(), "veth pairs left behind");
    }

    /**
     * The demo's own links (VethVf names them tps... and tpd...); other tests running at the same time on this
     * machine make and delete tp... links of their own, which say nothing about the demo.
     */
    private static List<String> links() throws IOException {
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("tps") || n.startsWith("tpd")).sorted().toList();
        }
    }
}

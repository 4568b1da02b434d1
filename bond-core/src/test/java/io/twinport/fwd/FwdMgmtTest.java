package io.twinport.fwd;

import io.twinport.mgmt.Json;

import io.twinport.mgmt.MgmtClient;
import io.twinport.wire.WirePortKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fwd --mgmt-socket PATH}: the run's ports are queried while it forwards; the socket goes with the run. */
@Timeout(30)
class FwdMgmtTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Object o) {
        return (List<Map<String, Object>>) o;
    }

    @Test
    void fwdServesItsPortsOnTheManagementSocket() throws Exception {
        Path sock = dir.resolve("fwd.sock");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = new CompletableFuture<>();
        Thread run = Thread.ofPlatform().name("fwd-under-test").start(() -> status.complete(Fwd.run(new String[] {
            "--port", "wire", "--mode", "txonly", "--duration", "0", "--stats-period", "0", "--json",
            "--mgmt-socket", sock.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), PortKinds.of(new WirePortKind()))));
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
                assertTrue(System.nanoTime() < deadline, "the socket appears; err: " + err);
                LockSupport.parkNanos(1_000_000);
            }
            try (MgmtClient c = MgmtClient.connect(sock, WAIT)) {
                List<Map<String, Object>> ports = rows(c.query("query-ports", null, WAIT));
                assertEquals(List.of("wire0a", "wire0b"), ports.stream().map(p -> p.get("name")).toList());
                assertEquals("started", ports.getFirst().get("state"));
                assertEquals("wire", ports.getFirst().get("driver"));
                assertEquals(List.of(), c.query("query-failover", null, WAIT), "fwd runs no failover manager");
                long first = (Long) rows(c.query("query-stats", Map.of("port", "wire0a"), WAIT)).getFirst()
                        .get("tx_packets");
                long later = first;
                while (later == first && System.nanoTime() < deadline + WAIT.toNanos()) {
                    later = (Long) rows(c.query("query-stats", Map.of("port", "wire0a"), WAIT)).getFirst()
                            .get("tx_packets");
                }
                assertTrue(later > first, "counters move while txonly runs: " + first + " -> " + later);
                Map<String, Object> refused = c.execute("set-active", Map.of("port", "wire0a", "member", "auto"),
                        WAIT);
                assertEquals("PortNotFound", ((Map<?, ?>) refused.get("error")).get("class"), refused.toString());
            }
        } finally {
            run.interrupt(); // --duration 0 runs until interrupted
            run.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertEquals(Fwd.EXIT_OK, status.get(1, TimeUnit.SECONDS), err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("fwd: note: management socket on " + sock),
                err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "the socket is removed when the run ends");
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            Json.parse(line); // stdout stays JSON lines only
        }
    }

    @Test
    void aPathThatIsNotASocketFailsTheRunAndIsLeftAlone() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "data");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Fwd.run(new String[] {"--port", "wire", "--mode", "txonly", "--count", "10",
            "--mgmt-socket", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), PortKinds.of(new WirePortKind()));
        assertEquals(Fwd.EXIT_FAILED, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("fwd: --mgmt-socket: management socket " + file
                + " exists and is a regular file, not a socket"), err.toString(StandardCharsets.UTF_8));
        assertEquals("data", Files.readString(file));
    }
}

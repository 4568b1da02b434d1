package io.twinport.virtio.migration;

import io.twinport.mgmt.MgmtClient;
import io.twinport.mgmt.MgmtOptions;
import io.twinport.mgmt.MgmtServer;
import io.twinport.registry.PortRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The migration events and {@code query-migration} through a real management server on a socket, read by a real
 * client: the JSON lines management software sees.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MigrationMgmtTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    private static void run(MigrationSequence seq) {
        for (int i = 0; i < 100 && seq.doWork() > 0; i++) {
            // until idle
        }
    }

    @Test
    void eventsGoOutAsJsonLinesAndQueryMigrationShowsTheSequence() throws Exception {
        AtomicLong now = new AtomicLong(1_000 * MS);
        List<String> log = new ArrayList<>();
        FakeHost.Vf vfA = new FakeHost.Vf("vfA", log);
        FakeHost.Vf vfB = new FakeHost.Vf("vfB", log);
        MigrationSequence seq = new MigrationSequence("vm0", new MigrationHost("hostA",
                new FakeHost.Device("devA", log), vfA), MigrationOptions.DEFAULT, now::get);
        MigrationHost hostB = new MigrationHost("hostB", new FakeHost.Device("devB", log), vfB);
        PortRegistry registry = new PortRegistry();
        registry.startControlThread("migration-mgmt-control"); // runs the commands
        MgmtServer server = null;
        MgmtClient c = null;
        try {
            server = MgmtServer.start(MgmtOptions.of(dir.resolve("mgmt.sock")), registry);
            AutoCloseable served = seq.serveOn(server);
            c = MgmtClient.connect(server.path(), WAIT);
            assertTrue(list(c.greeting().get("commands")).contains("query-migration"));
            Map<String, Object> before = map(list(c.query("query-migration", null, WAIT)).getFirst());
            assertEquals("vm0", before.get("vm"));
            assertEquals("none", before.get("state"));
            assertEquals("hostA", before.get("host"));
            assertEquals(false, before.get("vf_plugged"));

            long wallBefore = Instant.now().getEpochSecond();
            seq.standbyNegotiated();
            run(seq);
            seq.requestMigration(hostB);
            run(seq);
            now.addAndGet(4 * MS);
            vfA.guestReleases();
            run(seq);
            assertEquals(MigrationState.COMPLETED, seq.state());

            List<String> names = new ArrayList<>();
            Map<String, Object> completed = null;
            Map<String, Object> waitUnplug = null;
            for (int i = 0; i < 11; i++) {
                Map<String, Object> e = c.nextEvent(WAIT);
                String name = (String) e.get("event");
                Map<String, Object> data = map(e.get("data"));
                assertEquals("vm0", data.get("vm"), "every event names the VM: " + e);
                assertTrue(data.get("nano_time") instanceof Long, "and carries the sequence's clock: " + e);
                Map<String, Object> ts = map(e.get("timestamp"));
                long seconds = (Long) ts.get("seconds");
                assertTrue(seconds >= wallBefore && seconds <= Instant.now().getEpochSecond(), "wall clock: " + e);
                long micros = (Long) ts.get("microseconds");
                assertTrue(micros >= 0 && micros < 1_000_000, "microseconds: " + e);
                names.add(name.equals("MIGRATION") ? name + ":" + data.get("status") : name);
                if (name.equals("MIGRATION_COMPLETED")) {
                    completed = data;
                } else if (name.equals("WAIT_UNPLUG")) {
                    waitUnplug = data;
                }
            }
            assertEquals(List.of("MIGRATION:failover-negotiated", "VF_PLUGGED", "MIGRATION:unplug-requested",
                    "UNPLUG_PRIMARY", "MIGRATION:wait-unplug", "WAIT_UNPLUG", "VF_UNPLUGGED", "MIGRATION:migrating",
                    "REPLUGGED", "MIGRATION:completed", "MIGRATION_COMPLETED"), names);
            assertEquals(Map.of("vm", "vm0", "vf", "vfA", "host", "hostA", "timeout_ns",
                    MigrationOptions.DEFAULT_UNPLUG_TIMEOUT_NANOS, "nano_time", 1_000 * MS), waitUnplug);
            assertEquals("hostA", completed.get("source"));
            assertEquals("hostB", completed.get("target"));
            assertEquals("vfB", completed.get("vf"));
            assertEquals(4 * MS, completed.get("wait_unplug_ns"));
            assertEquals(0L, completed.get("virtio_only_ns"));
            assertEquals("requested", completed.get("announce"));
            assertTrue(completed.containsKey("transfer_ns") && completed.containsKey("total_ns"));

            Map<String, Object> after = map(list(c.query("query-migration", null, WAIT)).getFirst());
            assertEquals("completed", after.get("state"));
            assertEquals("hostB", after.get("host"));
            assertEquals("vfB", after.get("vf"));
            assertEquals(true, after.get("vf_plugged"));
            assertNull(after.get("target"));
            assertEquals(1L, after.get("completed"));
            assertEquals("MIGRATION_COMPLETED", map(after.get("last")).get("event"));

            served.close();
            assertEquals(List.of(), c.query("query-migration", null, WAIT), "no longer served");
            seq.requestMigration(new MigrationHost("hostC", new FakeHost.Device("devC", log), null));
            run(seq);
            assertEquals(MigrationState.WAIT_UNPLUG, seq.state());
            c.execute("query-ports", null, WAIT); // a round trip: any event would have arrived before its reply
            MgmtClient client = c;
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> client.nextEvent(Duration.ofMillis(100)), "no events once no longer served");
        } finally {
            if (c != null) {
                c.close();
            }
            if (server != null) {
                server.close();
            }
            registry.close();
        }
    }
}

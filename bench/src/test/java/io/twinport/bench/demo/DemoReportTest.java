package io.twinport.bench.demo;

import io.twinport.mgmt.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's JSON and SVG, from a timeline made by hand. */
class DemoReportTest {
    private static Map<String, Object> data(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static DemoResult result() {
        List<Timeline.Event> events = List.of(
                new Timeline.Event(100_000_000L, "guest", "FAILOVER_NEGOTIATED", data("standby", "vneta")),
                new Timeline.Event(200_000_000L, "guest", "SWITCHED", data("from", "vneta", "to", "vfa", "reason",
                        "primary-preferred", "switch_ns", 50_000L)),
                new Timeline.Event(1_000_000_000L, "host", "UNPLUG_PRIMARY", data("vf", "src-vf")),
                new Timeline.Event(1_010_000_000L, "guest", "SWITCHED", data("from", "vfa", "to", "vneta", "reason",
                        "primary-absent", "switch_ns", 70_000L)),
                new Timeline.Event(1_200_000_000L, "host", "VF_UNPLUGGED", data("reason", "graceful")),
                new Timeline.Event(1_200_000_000L, "host", "MIGRATION", data("status", "migrating")),
                new Timeline.Event(2_000_000_000L, "host", "MIGRATION_COMPLETED", data()),
                new Timeline.Event(2_000_000_000L, "host", "REPLUGGED", data("vf", "dst-vf")),
                new Timeline.Event(2_510_000_000L, "guest", "SWITCHED", data("from", "vneta", "to", "vfb", "reason",
                        "primary-preferred", "switch_ns", 40_000L)));
        List<String> paths = List.of("src-vf", "src-virtio");
        Timeline timeline = new Timeline(0, paths);
        List<Timeline.Sample> samples = new ArrayList<>();
        timeline.sample(0, new long[] {0, 0}, new long[] {0, 0});
        samples.add(timeline.sample(100_000_000L, new long[] {100, 0}, new long[] {50, 0}));
        samples.add(timeline.sample(200_000_000L, new long[] {100, 200}, new long[] {50, 100}));
        DirectionCounts toNetwork = new DirectionCounts("guest->network", 1000, 1000, 0, 0, 3, 0, 0);
        DirectionCounts toGuest = new DirectionCounts("network->guest", 900, 900, 0, 0, 0, 0, 0);
        return new DemoResult("graceful", "wire", "vhost-user", "MigrationSequence", 1000, 1_000_000_000L, paths,
                events, samples, toNetwork, toGuest, new long[] {150, 300}, 0, DemoResult.switchovers(events),
                DemoResult.virtioOnlyNanos(events), "COMPLETED", null, List.of(), 3_000_000_000L);
    }

    @Test
    void samplesArePacketsPerSecondOverTheInterval() {
        DemoResult r = result();
        Timeline.Sample s = r.samples().get(0);
        assertEquals(1000.0, s.toNetwork()[0], 1e-9, "100 frames in 100 ms");
        assertEquals(500.0, s.toGuest()[0], 1e-9);
        assertEquals(1500.0, s.total(0), 1e-9);
        assertEquals(0.0, r.samples().get(1).toNetwork()[0], 1e-9, "nothing more on src-vf");
        assertEquals(2000.0, r.samples().get(1).toNetwork()[1], 1e-9);
    }

    @Test
    void switchoversAndTheTimeOnVirtioComeFromTheGuestsEvents() {
        DemoResult r = result();
        assertEquals(3, r.switchovers().size());
        assertEquals("vneta", r.switchovers().get(1).get("to"));
        assertEquals(70_000L, r.switchovers().get(1).get("switch_ns"));
        assertEquals(1.01, r.switchovers().get(1).get("t"));
        assertEquals(1_500_000_000L, r.virtioOnlyNanos(), "from the switch to vneta to the switch away from it");
    }

    @Test
    void theJsonHoldsTheSetupEventsSamplesAndCounts(@TempDir Path dir) throws Exception {
        DemoReport.write(dir.resolve("sub"), result());
        Object parsed = Json.parse(Files.readString(dir.resolve("sub").resolve(DemoReport.JSON_FILE)));
        Map<?, ?> root = (Map<?, ?>) parsed;
        assertEquals(List.of("setup", "events", "samples", "summary"), List.copyOf(root.keySet()));
        assertEquals(9, ((List<?>) root.get("events")).size());
        Map<?, ?> first = (Map<?, ?>) ((List<?>) root.get("events")).get(1);
        assertEquals("SWITCHED", first.get("event"));
        assertEquals("guest", first.get("source"));
        assertEquals(2, ((List<?>) root.get("samples")).size());
        Map<?, ?> sample = (Map<?, ?>) ((List<?>) root.get("samples")).get(1);
        assertEquals(2000L, ((Number) ((Map<?, ?>) sample.get("to_network_pps")).get("src-virtio")).longValue());
        Map<?, ?> summary = (Map<?, ?>) root.get("summary");
        assertEquals(true, summary.get("ok"));
        Map<?, ?> toNetwork = (Map<?, ?>) summary.get("to_network");
        assertEquals(1000L, ((Number) toNetwork.get("sent")).longValue());
        assertEquals(0L, ((Number) toNetwork.get("lost")).longValue());
        assertEquals(3L, ((Number) toNetwork.get("reordered")).longValue());
        assertEquals(1_500_000_000L, ((Number) summary.get("virtio_only_ns")).longValue());
    }

    @Test
    void theChartHasOneLinePerPathAndTheMigrationsEventsMarked(@TempDir Path dir) throws Exception {
        DemoReport.write(dir, result());
        String svg = Files.readString(dir.resolve(DemoReport.SVG_FILE));
        assertTrue(svg.startsWith("<?xml"), svg);
        assertEquals(2, count(svg, "<polyline class=\"series\""));
        assertTrue(svg.contains("data-label=\"src-vf\""), svg);
        assertTrue(svg.contains("data-label=\"src-virtio\""), svg);
        List<String> markers = new ArrayList<>();
        for (String label : new String[] {"to vfa", "unplug requested", "to vneta", "VF unplugged", "migrating",
            "on target", "VF plugged", "to vfb"}) {
            assertTrue(svg.contains("<line class=\"marker\" data-label=\"" + label + "\""), label + " in " + svg);
            markers.add(label);
        }
        assertEquals(markers.size(), count(svg, "<line class=\"marker\""), "FAILOVER_NEGOTIATED is not marked");
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}

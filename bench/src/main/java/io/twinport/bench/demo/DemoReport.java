package io.twinport.bench.demo;

import io.twinport.bench.chart.SvgChart;
import io.twinport.mgmt.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code demo --report DIR}: the run as JSON ({@value #JSON_FILE}: setup, events, samples, summary) and as a picture
 * ({@value #SVG_FILE}: packets per second per path over time, both directions together, with the migration's
 * events marked), drawn with {@link SvgChart}.
 */
public final class DemoReport {
    /** The JSON file's name. */
    public static final String JSON_FILE = "demo.json";
    /** The chart's file name. */
    public static final String SVG_FILE = "demo.svg";

    private DemoReport() {
    }

    /**
     * Writes both files, creating the directory if needed.
     *
     * @param dir    where
     * @param result the run
     * @throws IOException if a file cannot be written
     */
    public static void write(Path dir, DemoResult result) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(JSON_FILE), Json.write(result.toJson()) + "\n", StandardCharsets.UTF_8);
        SvgChart.write(dir.resolve(SVG_FILE), chart(result));
    }

    /**
     * @param result the run
     * @return the chart as an SVG document
     */
    public static String chart(DemoResult result) {
        List<SvgChart.Series> series = new ArrayList<>();
        for (int i = 0; i < result.paths().size(); i++) {
            List<SvgChart.Point> points = new ArrayList<>();
            for (Timeline.Sample s : result.samples()) {
                points.add(new SvgChart.Point(s.nanos() / 1e9, Math.max(0, s.total(i))));
            }
            series.add(new SvgChart.Series(result.paths().get(i), points));
        }
        List<SvgChart.Marker> markers = new ArrayList<>();
        for (Timeline.Event e : result.events()) {
            String label = markerLabel(e);
            if (label != null) {
                markers.add(new SvgChart.Marker(e.nanos() / 1e9, label));
            }
        }
        return SvgChart.lineChart("twinport demo: live migration, " + result.mode() + " unplug ("
                        + result.toNetwork().lost() + " + " + result.toGuest().lost() + " frames lost)",
                "seconds since the start", "frames per second at the peer (both directions)", series, markers);
    }

    /** @return the label of an event worth a marker, or null */
    static String markerLabel(Timeline.Event e) {
        return switch (e.type()) {
            case "SWITCHED" -> "to " + e.data().get("to");
            case "UNPLUG_PRIMARY" -> "unplug requested";
            case "VF_UNPLUGGED" -> "VF unplugged";
            case "MIGRATION_COMPLETED" -> "on target";
            case "REPLUGGED" -> "VF plugged";
            case "MIGRATION" -> "migrating".equals(e.data().get("status")) ? "migrating" : null;
            default -> null;
        };
    }
}

package io.twinport.bench.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a demo run produced: the timeline, the counts and the verdict.
 *
 * @param mode            {@code graceful} or {@code surprise}
 * @param vfs             what played the VFs
 * @param virtio          what played the virtio path
 * @param hostSequence    what played the host-side sequence
 * @param ratePps         frames per second each way
 * @param phaseNanos      the phase length
 * @param paths           the paths' names
 * @param events          every event, in order
 * @param samples         packets per second per path, every ~100 ms
 * @param toNetwork       the guest's frames
 * @param toGuest         the peer's frames
 * @param framesPerPath   frames per path, both directions, as the peer counted them
 * @param receiveDrops    frames the kernel dropped at the VFs' AF_PACKET receive rings ({@code --real}; else 0)
 * @param switchovers     the guest's switchovers: t (s), from, to, reason, switch_ns
 * @param virtioOnlyNanos from the switch to the standby to the switch back to a VF, or -1
 * @param outcome         the migration's outcome ({@code COMPLETED}, {@code FAILED}, {@code none})
 * @param app             with {@code --app}: the application's own counts (handlers, channel); else null
 * @param problems        why the run failed (empty: it did not)
 * @param totalNanos      how long it ran
 */
public record DemoResult(String mode, String vfs, String virtio, String hostSequence, long ratePps, long phaseNanos,
                         List<String> paths, List<Timeline.Event> events, List<Timeline.Sample> samples,
                         DirectionCounts toNetwork, DirectionCounts toGuest, long[] framesPerPath, long receiveDrops,
                         List<Map<String, Object>> switchovers, long virtioOnlyNanos, String outcome,
                         Map<String, Object> app, List<String> problems, long totalNanos) {
    /** Copies the lists. */
    public DemoResult {
        paths = List.copyOf(paths);
        events = List.copyOf(events);
        samples = List.copyOf(samples);
        framesPerPath = framesPerPath.clone();
        switchovers = List.copyOf(switchovers);
        problems = List.copyOf(problems);
        app = app == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(app));
    }

    /**
     * @param events the timeline's events
     * @return the guest's switchovers: t (seconds since the start), from, to, reason, switch_ns
     */
    public static List<Map<String, Object>> switchovers(List<Timeline.Event> events) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Timeline.Event e : events) {
            if (e.source().equals("guest") && e.type().equals("SWITCHED")) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("t", Demo.seconds(e.nanos()));
                m.put("from", e.data().get("from"));
                m.put("to", e.data().get("to"));
                m.put("reason", e.data().get("reason"));
                m.put("switch_ns", e.data().get("switch_ns"));
                list.add(m);
            }
        }
        return list;
    }

    /**
     * @param events the timeline's events
     * @return nanoseconds from the guest's first switch to its standby until its next switch away from it, or -1
     */
    public static long virtioOnlyNanos(List<Timeline.Event> events) {
        String standby = null;
        long since = -1;
        for (Timeline.Event e : events) {
            if (e.source().equals("guest") && e.type().equals("FAILOVER_NEGOTIATED") && standby == null) {
                standby = String.valueOf(e.data().get("standby"));
            } else if (standby != null && e.source().equals("guest") && e.type().equals("SWITCHED")) {
                if (since < 0 && standby.equals(e.data().get("to"))) {
                    since = e.nanos();
                } else if (since >= 0 && standby.equals(e.data().get("from"))) {
                    return e.nanos() - since;
                }
            }
        }
        return -1;
    }

    /** @return the summary as a JSON object (no events, no samples) */
    public Map<String, Object> summaryJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode);
        m.put("outcome", outcome);
        m.put("ok", problems.isEmpty());
        m.put("problems", problems);
        m.put("to_network", toNetwork.toJson());
        m.put("to_guest", toGuest.toJson());
        if (app != null) {
            m.put("app", app);
        }
        m.put("switchovers", switchovers);
        m.put("virtio_only_ns", virtioOnlyNanos);
        Map<String, Object> perPath = new LinkedHashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            perPath.put(paths.get(i), framesPerPath[i]);
        }
        m.put("frames_per_path", perPath);
        m.put("receive_drops", receiveDrops);
        m.put("total_ns", totalNanos);
        return m;
    }

    /** @return the whole run as a JSON object: setup, events, samples, summary */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("mode", mode);
        setup.put("vfs", vfs);
        setup.put("virtio", virtio);
        setup.put("host_sequence", hostSequence);
        setup.put("rate_pps", ratePps);
        setup.put("phase_ns", phaseNanos);
        setup.put("paths", paths);
        m.put("setup", setup);
        List<Object> ev = new ArrayList<>();
        for (Timeline.Event e : events) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("t", Demo.seconds(e.nanos()));
            o.put("source", e.source());
            o.put("event", e.type());
            o.put("data", e.data());
            ev.add(o);
        }
        m.put("events", ev);
        List<Object> ss = new ArrayList<>();
        for (Timeline.Sample s : samples) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("t", Demo.seconds(s.nanos()));
            Map<String, Object> toNet = new LinkedHashMap<>();
            Map<String, Object> toG = new LinkedHashMap<>();
            for (int i = 0; i < paths.size(); i++) {
                toNet.put(paths.get(i), Math.round(s.toNetwork()[i]));
                toG.put(paths.get(i), Math.round(s.toGuest()[i]));
            }
            o.put("to_network_pps", toNet);
            o.put("to_guest_pps", toG);
            ss.add(o);
        }
        m.put("samples", ss);
        m.put("summary", summaryJson());
        return m;
    }
}

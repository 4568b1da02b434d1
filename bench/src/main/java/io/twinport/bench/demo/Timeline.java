package io.twinport.bench.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What happened during the demo, in order: events from the hosts, the guest and the peer (posted from their threads,
 * collected by the thread that prints), and packets per second per path, sampled by that thread.
 */
public final class Timeline {
    /**
     * One event.
     *
     * @param nanos  time since the start
     * @param source {@code host}, {@code guest} or {@code peer}
     * @param type   the event's name
     * @param data   details, insertion-ordered
     */
    public record Event(long nanos, String source, String type, Map<String, Object> data) {
        /** Copies the data. */
        public Event {
            data = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
        }
    }

    /**
     * One sample of packets per second per path (both directions together, and each).
     *
     * @param nanos     time since the start (the end of the interval)
     * @param toNetwork frames per second the peer received from the guest, per path
     * @param toGuest   frames per second the peer sent to the guest, per path
     */
    public record Sample(long nanos, double[] toNetwork, double[] toGuest) {
        /**
         * @param path a path's index
         * @return both directions together
         */
        public double total(int path) {
            return toNetwork[path] + toGuest[path];
        }
    }

    private final long startNanos;
    private final List<String> paths;
    private final ConcurrentLinkedQueue<Event> posted = new ConcurrentLinkedQueue<>();
    private final List<Event> events = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private long lastSampleNanos = -1;
    private long[] lastRx;
    private long[] lastTx;

    /**
     * @param startNanos the start, on {@code System.nanoTime()}'s clock
     * @param paths      the paths' names, in the peer's counter order
     */
    public Timeline(long startNanos, List<String> paths) {
        this.startNanos = startNanos;
        this.paths = List.copyOf(paths);
    }

    /** @return the start on {@code System.nanoTime()}'s clock */
    public long startNanos() {
        return startNanos;
    }

    /** @return the paths' names */
    public List<String> paths() {
        return paths;
    }

    /**
     * Posts an event; any thread.
     *
     * @param nanoTime when, on {@code System.nanoTime()}'s clock
     * @param source   who
     * @param type     what
     * @param data     details
     */
    public void post(long nanoTime, String source, String type, Map<String, Object> data) {
        posted.add(new Event(nanoTime - startNanos, source, type, data));
    }

    /**
     * Moves the posted events into the timeline (the printing thread).
     *
     * @return the events moved, in the order posted
     */
    public List<Event> collect() {
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = posted.poll()) != null) {
            out.add(e);
            events.add(e);
        }
        return out;
    }

    /**
     * Takes a sample from the peer's counters (the printing thread). The first call only sets the baseline.
     *
     * @param nowNanos now, on {@code System.nanoTime()}'s clock
     * @param rx       frames the peer received per path so far
     * @param tx       frames the peer sent per path so far
     * @return the new sample, or null for the first call
     */
    public Sample sample(long nowNanos, long[] rx, long[] tx) {
        Sample s = null;
        if (lastSampleNanos >= 0 && nowNanos > lastSampleNanos) {
            double seconds = (nowNanos - lastSampleNanos) / 1e9;
            double[] toNetwork = new double[rx.length];
            double[] toGuest = new double[tx.length];
            for (int i = 0; i < rx.length; i++) {
                toNetwork[i] = (rx[i] - lastRx[i]) / seconds;
                toGuest[i] = (tx[i] - lastTx[i]) / seconds;
            }
            s = new Sample(nowNanos - startNanos, toNetwork, toGuest);
            samples.add(s);
        }
        lastSampleNanos = nowNanos;
        lastRx = rx.clone();
        lastTx = tx.clone();
        return s;
    }

    /** @return every event collected so far, in order */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** @return every sample so far, in order */
    public List<Sample> samples() {
        return List.copyOf(samples);
    }
}

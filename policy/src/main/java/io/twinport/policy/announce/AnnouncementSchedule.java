package io.twinport.policy.announce;

import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * How a failover port announces its MAC on the newly active path after a switchover: {@code count} announcements,
 * the first at the switch and each next one {@code intervalNanos} later (announcement {@code i}, from 0, falls due
 * at {@code switchedAt + i * interval}), like Linux's {@code num_grat_arp} / {@code peer_notif_delay}.
 *
 * <p>The schedule is anchored at the switch time, so it is a pure function: the caller keeps only the switch time
 * and how many it has sent. A caller that is late sends every announcement already due at once. A new switchover
 * restarts the schedule (new switch time, none sent).
 *
 * @param count announcements per switchover, 0 (never announce) to {@link #MAX_COUNT}
 * @param intervalNanos time between two announcements, 0 (all at once) to {@link #MAX_INTERVAL_NANOS}
 */
public record AnnouncementSchedule(int count, long intervalNanos) {

    /** The default number of announcements. */
    public static final int DEFAULT_COUNT = 3;
    /** The default interval: 100 ms. */
    public static final long DEFAULT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The largest count, as for Linux's {@code num_grat_arp}. */
    public static final int MAX_COUNT = 255;
    /** The largest interval: one hour. */
    public static final long MAX_INTERVAL_NANOS = TimeUnit.HOURS.toNanos(1);

    /** 3 announcements, 100 ms apart. */
    public static final AnnouncementSchedule DEFAULT = new AnnouncementSchedule(DEFAULT_COUNT, DEFAULT_INTERVAL_NANOS);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if a component is out of range
     */
    public AnnouncementSchedule {
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("announcement count " + count + " is outside 0.." + MAX_COUNT);
        }
        if (intervalNanos < 0 || intervalNanos > MAX_INTERVAL_NANOS) {
            throw new IllegalArgumentException("announcement interval " + intervalNanos + " ns is outside 0.."
                    + MAX_INTERVAL_NANOS + " ns (one hour)");
        }
    }

    /**
     * When one announcement falls due.
     *
     * @param switchedAtNanos when the switchover happened
     * @param index the announcement, 0 to {@code count - 1}
     * @return {@code switchedAtNanos + index * intervalNanos}
     * @throws IndexOutOfBoundsException if {@code index} is outside 0 to {@code count - 1}
     */
    public long dueAtNanos(long switchedAtNanos, int index) {
        Objects.checkIndex(index, count);
        return switchedAtNanos + index * intervalNanos;
    }

    /**
     * How many announcements are due by now out of those not yet sent, and when to ask again.
     *
     * @param switchedAtNanos when the switchover happened
     * @param sent how many the caller has sent since then (0 to {@code count})
     * @param nowNanos the clock
     * @return what to send now and when the next one falls due
     * @throws IllegalArgumentException if {@code sent} is outside 0 to {@code count}
     */
    public AnnouncementsDue due(long switchedAtNanos, int sent, long nowNanos) {
        if (sent < 0 || sent > count) {
            throw new IllegalArgumentException("sent " + sent + " is outside 0.." + count);
        }
        long elapsed = nowNanos - switchedAtNanos;
        int dueByNow;
        if (elapsed < 0 || count == 0) {
            dueByNow = 0;
        } else if (intervalNanos == 0) {
            dueByNow = count;
        } else {
            dueByNow = (int) Math.min(count, elapsed / intervalNanos + 1);
        }
        int toSend = Math.max(0, dueByNow - sent);
        int sentAfter = sent + toSend;
        OptionalLong next = sentAfter < count
                ? OptionalLong.of(dueAtNanos(switchedAtNanos, sentAfter)) : OptionalLong.empty();
        return new AnnouncementsDue(toSend, next);
    }
}

package io.twinport.policy.announce;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnnouncementScheduleTest {

    static final long MS = 1_000_000L;

    @Test
    void defaultsAreThreeAnnouncements100MsApart() {
        assertEquals(3, AnnouncementSchedule.DEFAULT.count());
        assertEquals(100 * MS, AnnouncementSchedule.DEFAULT.intervalNanos());
    }

    @Test
    void onTimeCallerSendsOneAtATime() {
        AnnouncementSchedule schedule = AnnouncementSchedule.DEFAULT;
        long switched = 5_000 * MS;
        assertEquals(new AnnouncementsDue(0, OptionalLong.of(switched)), schedule.due(switched, 0, switched - 1),
                "nothing before the switch");
        assertEquals(new AnnouncementsDue(1, OptionalLong.of(switched + 100 * MS)), schedule.due(switched, 0, switched));
        assertEquals(new AnnouncementsDue(0, OptionalLong.of(switched + 100 * MS)),
                schedule.due(switched, 1, switched + 100 * MS - 1));
        assertEquals(new AnnouncementsDue(1, OptionalLong.of(switched + 200 * MS)),
                schedule.due(switched, 1, switched + 100 * MS));
        AnnouncementsDue last = schedule.due(switched, 2, switched + 200 * MS);
        assertEquals(new AnnouncementsDue(1, OptionalLong.empty()), last);
        assertTrue(last.finished());
        assertEquals(new AnnouncementsDue(0, OptionalLong.empty()), schedule.due(switched, 3, switched + 10_000 * MS));
    }

    @Test
    void aLateCallerSendsWhatIsDueAtOnce() {
        AnnouncementsDue due = AnnouncementSchedule.DEFAULT.due(0, 0, 150 * MS);
        assertEquals(2, due.toSend());
        assertEquals(OptionalLong.of(200 * MS), due.nextAtNanos());
        assertEquals(3, AnnouncementSchedule.DEFAULT.due(0, 0, 1_000 * MS).toSend());
    }

    @Test
    void zeroCountNeverAnnouncesAndZeroIntervalSendsAllAtOnce() {
        AnnouncementsDue none = new AnnouncementSchedule(0, 100 * MS).due(0, 0, 0);
        assertEquals(0, none.toSend());
        assertTrue(none.finished());
        AnnouncementsDue burst = new AnnouncementSchedule(5, 0).due(0, 0, 0);
        assertEquals(5, burst.toSend());
        assertTrue(burst.finished());
    }

    @Test
    void dueTimesAndWrapAround() {
        AnnouncementSchedule schedule = new AnnouncementSchedule(3, 100 * MS);
        long switched = Long.MAX_VALUE - 50 * MS;
        assertEquals(switched + 200 * MS, schedule.dueAtNanos(switched, 2));
        assertEquals(2, schedule.due(switched, 0, switched + 100 * MS).toSend(), "elapsed is taken across the wrap");
        assertThrows(IndexOutOfBoundsException.class, () -> schedule.dueAtNanos(switched, 3));
    }

    @Test
    void valuesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new AnnouncementSchedule(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new AnnouncementSchedule(256, 0));
        assertThrows(IllegalArgumentException.class, () -> new AnnouncementSchedule(3, -1));
        assertThrows(IllegalArgumentException.class,
                () -> new AnnouncementSchedule(3, AnnouncementSchedule.MAX_INTERVAL_NANOS + 1));
        assertThrows(IllegalArgumentException.class, () -> AnnouncementSchedule.DEFAULT.due(0, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> AnnouncementSchedule.DEFAULT.due(0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new AnnouncementsDue(-1, OptionalLong.empty()));
    }

    /**
     * A caller that asks at random times, sometimes early and sometimes late, sends every announcement exactly
     * once, never before it is due, and is told a next time whenever one is left.
     */
    @Test
    void randomCallersSendEachAnnouncementOnceAndNeverEarly() {
        int lateBatches = 0;
        for (long seed = 1; seed <= 500; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            AnnouncementSchedule schedule = new AnnouncementSchedule(random.nextInt(8),
                    random.nextInt(4) == 0 ? 0 : random.nextLong(1, 200 * MS));
            long switched = random.nextLong();
            long now = switched - random.nextLong(50 * MS);
            int sent = 0;
            for (int call = 0; call < 100 && sent < schedule.count(); call++) {
                AnnouncementsDue due = schedule.due(switched, sent, now);
                for (int i = 0; i < due.toSend(); i++) {
                    assertTrue(now - schedule.dueAtNanos(switched, sent + i) >= 0, "seed " + seed + ": sent early");
                }
                lateBatches += due.toSend() > 1 ? 1 : 0;
                sent += due.toSend();
                assertEquals(sent < schedule.count(), due.nextAtNanos().isPresent(), "seed " + seed);
                if (due.nextAtNanos().isPresent()) {
                    assertTrue(due.nextAtNanos().getAsLong() - now > 0, "seed " + seed + ": next is in the past");
                    long next = due.nextAtNanos().getAsLong();
                    now = random.nextBoolean() ? next : now + random.nextLong(Math.max(1, 3 * (next - now)));
                }
            }
            assertEquals(schedule.count(), sent, "seed " + seed + ": every announcement goes out");
            assertFalse(sent > schedule.count());
        }
        assertTrue(lateBatches > 0, "the generator must produce late callers");
    }
}

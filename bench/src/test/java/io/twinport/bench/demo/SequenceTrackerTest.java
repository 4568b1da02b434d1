package io.twinport.bench.demo;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SequenceTrackerTest {
    private static SequenceTracker receive(int window, long... seqs) {
        SequenceTracker t = new SequenceTracker(window);
        for (long s : seqs) {
            t.onReceive(s);
        }
        return t;
    }

    @Test
    void inOrderArrivalsAreAllUniqueAndNothingIsLost() {
        SequenceTracker t = new SequenceTracker(64);
        for (long s = 0; s < 10_000; s++) {
            t.onReceive(s);
        }
        assertEquals(10_000, t.unique());
        assertEquals(0, t.duplicates());
        assertEquals(0, t.reordered());
        assertEquals(0, t.lost(10_000));
        assertEquals(10_000, t.base());
        assertEquals(9_999, t.highest());
    }

    @Test
    void aGapIsLostOnlyIfItNeverArrives() {
        SequenceTracker t = receive(64, 0, 1, 3, 4);
        assertEquals(4, t.unique());
        assertEquals(1, t.lost(5), "2 never arrived");
        assertEquals(2, t.base(), "the base waits at the gap");
        assertEquals(0, t.reordered());
        t.onReceive(2);
        assertEquals(0, t.lost(5));
        assertEquals(1, t.reordered(), "2 came after 4");
        assertEquals(5, t.base());
    }

    @Test
    void framesSentButNotYetArrivedAtTheEndAreLost() {
        SequenceTracker t = receive(64, 0, 1, 2);
        assertEquals(2, t.lost(5));
    }

    @Test
    void duplicatesAreCountedBelowAndAboveTheBase() {
        SequenceTracker t = receive(64, 0, 1, 1, 3, 3, 0);
        assertEquals(3, t.unique());
        assertEquals(3, t.duplicates(), "1 again (below the base), 3 again (above it), 0 again");
        assertEquals(1, t.lost(4), "2 never arrived");
    }

    @Test
    void reorderingCountsEachFrameThatArrivesAfterAHigherOne() {
        SequenceTracker t = receive(64, 5, 4, 3, 0, 1, 2);
        assertEquals(6, t.unique());
        assertEquals(5, t.reordered(), "every frame after 5 arrived late");
        assertEquals(0, t.duplicates());
        assertEquals(6, t.base());
    }

    @Test
    void aJumpBeyondTheWindowGivesUpOnTheMissingNumbersAndSaysSo() {
        SequenceTracker t = receive(64, 0, 1, 100);
        assertEquals(100 - 64 + 1 - 2, t.givenUp(), "2 to 36 were pushed out of the window unseen");
        assertEquals(3, t.unique());
        assertEquals(98, t.lost(101));
        t.onReceive(10);
        assertEquals(1, t.late(), "a given-up number arriving later is late, not a duplicate");
        assertEquals(0, t.duplicates());
    }

    @Test
    void theWindowIsReusedAsTheBaseMoves() {
        SequenceTracker t = new SequenceTracker(64);
        for (long s = 0; s < 1_000; s += 2) {
            t.onReceive(s + 1);
            t.onReceive(s);
        }
        assertEquals(1_000, t.unique());
        assertEquals(500, t.reordered());
        assertEquals(0, t.givenUp());
        assertEquals(0, t.duplicates());
        assertEquals(1_000, t.base());
    }

    @Test
    void theWindowMustBeAPowerOfTwo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SequenceTracker(100));
        assertEquals("sequence window 100: expected a power of two >= 64", e.getMessage());
    }
}

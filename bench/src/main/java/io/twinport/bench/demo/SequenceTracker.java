package io.twinport.bench.demo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counts what arrived of a numbered stream (sequences 0, 1, 2, ... in the order sent): unique frames, duplicates
 * and frames that arrived after a higher number (reordered). What never arrived is {@code sent - unique()}, known
 * only at the end ({@link #lost(long)}).
 *
 * <p>Memory is bounded: a sliding window of {@link #window()} sequence numbers above {@link #base()} (every number
 * below the base has arrived). A frame more than a window ahead of the base pushes the base up; the numbers it skips
 * over that had not arrived are counted as {@link #givenUp()} and a later arrival of one of them is counted as
 * {@link #late()} (it cannot be told from a duplicate any more). In the demo the window spans seconds of traffic, so
 * both stay 0 unless frames vanish; they are reported so that nothing is hidden.
 *
 * <p>One thread calls {@link #onReceive}; any thread may read the counters (opaque reads: a progress line may be a
 * little behind, never torn).
 */
public final class SequenceTracker {
    private static final VarHandle LONG_FIELD_UNIQUE;
    private static final VarHandle LONG_FIELD_DUPLICATES;
    private static final VarHandle LONG_FIELD_REORDERED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LONG_FIELD_UNIQUE = l.findVarHandle(SequenceTracker.class, "unique", long.class);
            LONG_FIELD_DUPLICATES = l.findVarHandle(SequenceTracker.class, "duplicates", long.class);
            LONG_FIELD_REORDERED = l.findVarHandle(SequenceTracker.class, "reordered", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] bits;
    private final int window;
    private long base;
    private long highest = -1;
    private long unique;
    private long duplicates;
    private long reordered;
    private long givenUp;
    private long late;

    /**
     * @param window how many sequence numbers above the base are remembered; a power of two, at least 64
     */
    public SequenceTracker(int window) {
        if (window < 64 || Integer.bitCount(window) != 1) {
            throw new IllegalArgumentException("sequence window " + window + ": expected a power of two >= 64");
        }
        this.window = window;
        this.bits = new long[window / 64];
    }

    /**
     * A frame arrived.
     *
     * @param seq its sequence number (non-negative)
     */
    public void onReceive(long seq) {
        if (seq < 0) {
            return;
        }
        if (seq < base) {
            // below the base: arrived before, unless the window was pushed past it
            if (givenUp > 0) {
                late++;
            } else {
                LONG_FIELD_DUPLICATES.setOpaque(this, duplicates + 1); // opaque: read by the progress line
            }
            return;
        }
        if (seq >= base + window) {
            slideTo(seq - window + 1);
        }
        int i = (int) (seq & (window - 1));
        long mask = 1L << (i & 63);
        if ((bits[i >>> 6] & mask) != 0) {
            LONG_FIELD_DUPLICATES.setOpaque(this, duplicates + 1);
            return;
        }
        bits[i >>> 6] |= mask;
        LONG_FIELD_UNIQUE.setOpaque(this, unique + 1);
        if (seq < highest) {
            LONG_FIELD_REORDERED.setOpaque(this, reordered + 1);
        } else {
            highest = seq;
        }
        advanceBase();
    }

    /** Moves the base over every number that has arrived, clearing their bits for reuse. */
    private void advanceBase() {
        while (true) {
            int i = (int) (base & (window - 1));
            long mask = 1L << (i & 63);
            if ((bits[i >>> 6] & mask) == 0) {
                return;
            }
            bits[i >>> 6] &= ~mask;
            base++;
        }
    }

    /** Pushes the base up to {@code newBase}, giving up on the numbers below it that have not arrived. */
    private void slideTo(long newBase) {
        while (base < newBase) {
            int i = (int) (base & (window - 1));
            long mask = 1L << (i & 63);
            if ((bits[i >>> 6] & mask) == 0) {
                givenUp++;
            } else {
                bits[i >>> 6] &= ~mask;
            }
            base++;
        }
        advanceBase();
    }

    /** @return distinct sequence numbers that arrived */
    public long unique() {
        return (long) LONG_FIELD_UNIQUE.getOpaque(this);
    }

    /** @return arrivals of a number that had arrived before */
    public long duplicates() {
        return (long) LONG_FIELD_DUPLICATES.getOpaque(this);
    }

    /** @return arrivals of a number lower than one that had arrived before it (counted once per frame) */
    public long reordered() {
        return (long) LONG_FIELD_REORDERED.getOpaque(this);
    }

    /** @return numbers the window moved past before they arrived (0 unless frames went missing for long) */
    public long givenUp() {
        return givenUp;
    }

    /** @return arrivals of numbers that had been given up (they may have been duplicates) */
    public long late() {
        return late;
    }

    /** @return the lowest number that has not arrived (every one below it has, or was given up) */
    public long base() {
        return base;
    }

    /** @return the highest number that arrived, or -1 */
    public long highest() {
        return highest;
    }

    /** @return the window size */
    public int window() {
        return window;
    }

    /**
     * @param sent how many frames were sent (numbers 0 to sent - 1)
     * @return how many of them never arrived
     */
    public long lost(long sent) {
        return sent - unique();
    }
}

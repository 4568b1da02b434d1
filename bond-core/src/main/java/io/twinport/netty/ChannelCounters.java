package io.twinport.netty;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one {@link TwinportChannel}: written only by its event loop (a plain read of its own last write and
 * an opaque store, no read-modify-write needed), read by any thread with opaque loads, so each one, read again,
 * never appears to go backwards.
 */
final class ChannelCounters {
    static final int RX_FRAMES = 0;
    static final int RX_BYTES = 1;
    static final int RX_ZERO_COPY = 2;
    static final int RX_COPIED = 3;
    static final int TX_FRAMES = 4;
    static final int TX_BYTES = 5;
    static final int TX_ZERO_COPY = 6;
    static final int TX_COPIED = 7;
    static final int TX_BLOCKED = 8;
    static final int TX_NO_BUFFER = 9;
    static final int TX_DROPPED = 10;
    private static final int COUNT = 11;
    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[COUNT];

    /**
     * Adds to one counter; the channel's event loop only.
     *
     * @param counter which
     * @param n       how much
     */
    void add(int counter, long n) {
        // opaque: single writer; readers on other threads see each counter grow monotonically
        ELEMENT.setOpaque(values, counter, values[counter] + n);
    }

    private long get(int counter) {
        return (long) ELEMENT.getOpaque(values, counter);
    }

    TwinportChannelStats snapshot() {
        return new TwinportChannelStats(get(RX_FRAMES), get(RX_BYTES), get(RX_ZERO_COPY), get(RX_COPIED),
                get(TX_FRAMES), get(TX_BYTES), get(TX_ZERO_COPY), get(TX_COPIED), get(TX_BLOCKED),
                get(TX_NO_BUFFER), get(TX_DROPPED));
    }
}

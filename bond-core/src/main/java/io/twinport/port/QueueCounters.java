package io.twinport.port;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one queue, written by the one thread that polls the queue and read by the control thread.
 * The writer does a plain read and an opaque write (it is the only writer, so no read-modify-write is needed);
 * readers use opaque reads, so each counter, read again, never appears to go backwards. Padded on both sides so
 * that two queues' counters never share a cache line (Aeron's field grouping by writer).
 */
public final class QueueCounters extends QueueCountersFields {
    private static final VarHandle PACKETS;
    private static final VarHandle BYTES;
    private static final VarHandle MISSED;
    private static final VarHandle NO_BUFFER;
    private static final VarHandle ERRORS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PACKETS = l.findVarHandle(QueueCountersFields.class, "packets", long.class);
            BYTES = l.findVarHandle(QueueCountersFields.class, "bytes", long.class);
            MISSED = l.findVarHandle(QueueCountersFields.class, "missed", long.class);
            NO_BUFFER = l.findVarHandle(QueueCountersFields.class, "noBuffer", long.class);
            ERRORS = l.findVarHandle(QueueCountersFields.class, "errors", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    /**
     * Counts frames that went through (received or transmitted). Queue thread only.
     *
     * @param n     frames
     * @param nbytes their bytes
     */
    public void addPackets(long n, long nbytes) {
        // opaque: single writer; readers on the control thread see each counter grow monotonically
        PACKETS.setOpaque(this, packets + n);
        BYTES.setOpaque(this, bytes + nbytes);
    }

    /** @param n frames the device dropped because the ring was full. Queue thread only. */
    public void addMissed(long n) {
        MISSED.setOpaque(this, missed + n);
    }

    /** @param n refills that found the pool empty. Queue thread only. */
    public void addNoBuffer(long n) {
        NO_BUFFER.setOpaque(this, noBuffer + n);
    }

    /** @param n erroneous frames. Queue thread only. */
    public void addErrors(long n) {
        ERRORS.setOpaque(this, errors + n);
    }

    /** @return frames counted */
    public long packets() {
        return (long) PACKETS.getOpaque(this);
    }

    /** @return bytes counted */
    public long bytes() {
        return (long) BYTES.getOpaque(this);
    }

    /** @return frames missed */
    public long missed() {
        return (long) MISSED.getOpaque(this);
    }

    /** @return refills without buffer */
    public long noBuffer() {
        return (long) NO_BUFFER.getOpaque(this);
    }

    /** @return errors */
    public long errors() {
        return (long) ERRORS.getOpaque(this);
    }
}

/** Leading padding, then the counter fields (one writer: the queue's thread). */
abstract class QueueCountersFields extends QueueCountersPad {
    long packets;
    long bytes;
    long missed;
    long noBuffer;
    long errors;
}

/** Padding before the fields. */
abstract class QueueCountersPad {
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

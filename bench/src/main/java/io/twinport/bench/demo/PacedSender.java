package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates numbered frames of one stream at a paced rate into a bounded backlog and transmits the backlog in
 * order, keeping whatever TX did not take for the next try: a frame is never dropped by the sender. When the backlog
 * is full, generation waits (those frames are never numbered, so they are not losses); after a stall the sender
 * catches up by at most {@link #MAX_DEBT_NANOS} worth of frames, so a long stall does not end in a flood.
 *
 * <p>One thread calls everything but the counters' getters, which any thread may call (opaque reads).
 */
public final class PacedSender {
    /** At most this much of the rate is made up after a stall. */
    public static final long MAX_DEBT_NANOS = 20_000_000L;
    /** Frames offered to TX per burst at most. */
    public static final int BURST = 32;

    /** A transmit function: {@link HostPort#txBurst}, or a port's queue 0. */
    @FunctionalInterface
    public interface Tx {
        /**
         * @param pkts   the packets
         * @param offset first slot
         * @param count  how many are offered
         * @return how many were taken
         */
        int txBurst(Packet[] pkts, int offset, int count);
    }

    private final PacketPool pool;
    private final byte[] template;
    private final int sequenceOffset;
    private final double framesPerNano;
    private final Packet[] ring;
    private final int mask;
    private long head; // next to transmit
    private long tail; // next to fill
    private long originNanos;
    private boolean generating = true;
    private final AtomicLong generated = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong allocFailures = new AtomicLong();

    /**
     * @param pool            where frames are allocated
     * @param template        the stream's frame ({@link DemoFrames#template})
     * @param ratePps         frames per second
     * @param backlogCapacity most frames waiting; a power of two
     */
    public PacedSender(PacketPool pool, byte[] template, long ratePps, int backlogCapacity) {
        this(pool, template, DemoFrames.OFF_SEQ, ratePps, backlogCapacity);
    }

    /**
     * @param pool            where frames are allocated
     * @param template        the stream's frame ({@link DemoFrames#template}, {@link DemoFrames#udpEchoRequest})
     * @param sequenceOffset  where in the frame the 64-bit sequence number goes
     * @param ratePps         frames per second
     * @param backlogCapacity most frames waiting; a power of two
     */
    public PacedSender(PacketPool pool, byte[] template, int sequenceOffset, long ratePps, int backlogCapacity) {
        if (sequenceOffset < 0 || sequenceOffset + 8 > template.length) {
            throw new IllegalArgumentException("sequence offset " + sequenceOffset + ": expected 0 to "
                    + (template.length - 8) + " for a " + template.length + "-byte frame");
        }
        this.sequenceOffset = sequenceOffset;
        if (Integer.bitCount(backlogCapacity) != 1) {
            throw new IllegalArgumentException("backlog " + backlogCapacity + ": expected a power of two");
        }
        this.pool = pool;
        this.template = template.clone();
        this.framesPerNano = ratePps / 1e9;
        this.ring = new Packet[backlogCapacity];
        this.mask = backlogCapacity - 1;
    }

    /**
     * Starts the clock of the pacing.
     *
     * @param nowNanos now
     */
    public void start(long nowNanos) {
        originNanos = nowNanos;
    }

    /**
     * Numbers and queues the frames that are due (none once {@link #stopGenerating()} was called).
     *
     * @param nowNanos now
     * @return frames generated
     */
    public int generate(long nowNanos) {
        if (!generating) {
            return 0;
        }
        long next = tail;
        long due = (long) ((nowNanos - originNanos) * framesPerNano) - next;
        long maxDebt = (long) (MAX_DEBT_NANOS * framesPerNano) + 1;
        if (due > maxDebt) {
            // behind after a stall: forget what is older than the allowed debt
            originNanos = nowNanos - (long) ((next + maxDebt) / framesPerNano);
            due = maxDebt;
        }
        long space = ring.length - (next - head);
        int n = (int) Math.min(Math.min(due, space), BURST * 4);
        int made = 0;
        while (made < n) {
            Packet p = pool.alloc();
            if (p == null) {
                allocFailures.setOpaque(allocFailures.getPlain() + 1); // opaque: read by the progress line
                break;
            }
            DemoFrames.fill(p, template, sequenceOffset, next + made);
            ring[(int) ((next + made) & mask)] = p;
            made++;
        }
        tail = next + made;
        if (made > 0) {
            generated.setOpaque(tail);
        }
        return made;
    }

    /**
     * Offers the oldest waiting frames (one contiguous run of at most {@link #BURST}) to {@code tx}; with none
     * waiting, an empty burst.
     *
     * @param tx where to transmit
     * @return how many it took
     */
    public int send(Tx tx) {
        long waiting = tail - head;
        if (waiting == 0) {
            // an empty burst still does a burst's other work: a failover port's queue acknowledges a switchover and
            // sends due announcements, an AF_PACKET port repeats a kick the kernel deferred
            tx.txBurst(ring, 0, 0);
            return 0;
        }
        int at = (int) (head & mask);
        int n = (int) Math.min(Math.min(waiting, BURST), ring.length - at);
        int took = tx.txBurst(ring, at, n);
        if (took > 0) {
            for (int i = 0; i < took; i++) {
                ring[at + i] = null; // the port owns them now
            }
            head += took;
            sent.setOpaque(head); // opaque: read by the progress line
        }
        return took;
    }

    /** Generates no more frames; what waits is still sent. */
    public void stopGenerating() {
        generating = false;
    }

    /** @return frames waiting to be taken by TX */
    public int backlog() {
        return (int) (tail - head);
    }

    /**
     * Frees every frame still waiting (at the end).
     *
     * @return how many there were: numbered but never taken by TX
     */
    public int discardBacklog() {
        int n = 0;
        while (head < tail) {
            int at = (int) (head & mask);
            ring[at].free();
            ring[at] = null;
            head++;
            n++;
        }
        return n;
    }

    /** @return frames numbered so far */
    public long generated() {
        return generated.getOpaque();
    }

    /** @return frames TX took (sequence numbers 0 to sent - 1) */
    public long sent() {
        return sent.getOpaque();
    }

    /** @return times the pool had no buffer for a due frame (generation waited) */
    public long allocFailures() {
        return allocFailures.getOpaque();
    }
}

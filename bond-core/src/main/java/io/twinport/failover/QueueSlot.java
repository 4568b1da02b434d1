package io.twinport.failover;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The switchover protocol's state for one RX or TX queue of a failover port. Fields are grouped by the thread that
 * writes them, with padding between the groups (Aeron's layout): the control thread writes {@code routing}; the
 * queue's data-path thread writes {@code ack} and its counters.
 *
 * <pre>
 *  control thread:  routing = new Routing(g)        (release)
 *  queue thread:    r = routing                     (acquire, once per burst)
 *                   if r.generation != ack: ack = r.generation   (release)
 *                   ... burst on r's members ...
 *  control thread:  every queue's ack >= g  (acquire)  =>  no queue will touch a member r no longer names
 * </pre>
 *
 * The acknowledgement is written before the burst that uses the new routing and after every burst that used an
 * older one, so once the control thread reads {@code ack >= g} (acquire, pairing with the release), that queue's
 * thread has finished with every routing older than {@code g}.
 */
final class QueueSlot extends QueueSlotDataFields {
    private static final VarHandle ROUTING;
    private static final VarHandle ACK;
    private static final VarHandle ANNOUNCED;
    private static final VarHandle OFFERED;
    private static final VarHandle TAKEN;
    private static final VarHandle DRAINED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ROUTING = l.findVarHandle(QueueSlotControlFields.class, "routing", Routing.class);
            ACK = l.findVarHandle(QueueSlotDataFields.class, "ack", long.class);
            ANNOUNCED = l.findVarHandle(QueueSlotDataFields.class, "announced", long.class);
            OFFERED = l.findVarHandle(QueueSlotDataFields.class, "offered", long.class);
            TAKEN = l.findVarHandle(QueueSlotDataFields.class, "taken", long.class);
            DRAINED = l.findVarHandle(QueueSlotDataFields.class, "drained", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;

    QueueSlot(Routing initial) {
        ROUTING.setRelease(this, initial);
    }

    // ---------------------------------------------------------------- control thread

    /** @param r the routing the queue's next burst must use */
    void publishRelease(Routing r) {
        // release: the routing's fields (and the members' configuration) are visible before the reference
        ROUTING.setRelease(this, r);
    }

    /** @return the newest generation the queue's thread has read */
    long ackAcquire() {
        // acquire: pairs with ackRelease; every burst before the ack happened-before this read
        return (long) ACK.getAcquire(this);
    }

    /** @return announcement rounds TX queue 0 has sent */
    long announcedAcquire() {
        // acquire: pairs with announcedRelease
        return (long) ANNOUNCED.getAcquire(this);
    }

    /** @return the newest generation under which an RX burst emptied every draining member */
    long drainedAcquire() {
        // acquire: pairs with drainedRelease
        return (long) DRAINED.getAcquire(this);
    }

    /** @return packets offered to TX on this queue (opaque: monotonic, read for liveness) */
    long offeredOpaque() {
        return (long) OFFERED.getOpaque(this);
    }

    /** @return packets the active member took on this queue */
    long takenOpaque() {
        return (long) TAKEN.getOpaque(this);
    }

    // ---------------------------------------------------------------- the queue's data-path thread

    /** @return the routing for this burst */
    Routing routingAcquire() {
        // acquire: pairs with publishRelease; the burst sees the routing fully built
        return (Routing) ROUTING.getAcquire(this);
    }

    /**
     * Acknowledges a generation if it is new; one plain compare in the common case.
     *
     * @param generation the generation of the routing this burst uses
     */
    void acknowledge(long generation) {
        if (ack != generation) {
            // release: every earlier burst (on older routings) is ordered before the acknowledgement
            ACK.setRelease(this, generation);
        }
    }

    /**
     * Records that this RX burst polled every draining member and each gave less than the room it was offered (it
     * was emptied); one plain compare when already recorded for this generation.
     *
     * @param generation the generation of the routing this burst uses
     */
    void drainedRelease(long generation) {
        if (drained != generation) {
            // release: the empty polls are ordered before the control thread reads the record
            DRAINED.setRelease(this, generation);
        }
    }

    /** @return rounds sent, the queue thread's own view */
    long announcedPlain() {
        return announced;
    }

    /** @param seq rounds sent up to now */
    void announcedRelease(long seq) {
        // release: the announcement frames were handed to the member before the control thread reads this
        ANNOUNCED.setRelease(this, seq);
    }

    /**
     * Counts a TX burst for the liveness check.
     *
     * @param offered packets offered
     * @param taken   packets the member took
     */
    void countTx(int offered, int taken) {
        // opaque: single writer; the control thread samples both counters to see a member that refuses everything
        OFFERED.setOpaque(this, this.offered + offered);
        TAKEN.setOpaque(this, this.taken + taken);
    }
}

/** Written by the queue's data-path thread. */
abstract class QueueSlotDataFields extends QueueSlotPad1 {
    long ack;
    long announced;
    long offered;
    long taken;
    long drained;
}

/** Padding between the control thread's field and the data thread's fields. */
abstract class QueueSlotPad1 extends QueueSlotControlFields {
    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
}

/** Written by the control thread. */
abstract class QueueSlotControlFields extends QueueSlotPad0 {
    Routing routing;
}

/** Leading padding. */
abstract class QueueSlotPad0 {
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

package io.twinport.virtio.device;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the control thread publishes a running vring to the one data-path thread that polls it, and learns when
 * that thread can no longer touch it: an RCU-like grace period in two fields.
 *
 * <p>The data path brackets every burst with {@link #enter()} and {@link #exit()}: {@code enter} makes the burst
 * counter odd with a volatile store and then reads the ring with a volatile load; {@code exit} makes the counter even
 * again with a release store. The control thread {@link #retire() retires} a ring by storing null (volatile) and then
 * reading the counter (volatile). Volatile accesses are totally ordered, so either the burst's load sees null, or
 * the control thread sees the odd counter and waits until it changes: once {@code retire} returns, no burst holds
 * the old ring, and its memory may be unmapped. A counter that never moves again (a thread stopped inside a burst)
 * makes {@code retire} give up after a bound; the caller then keeps the memory mapped (it leaks, it never faults).
 */
final class RingSlot {
    private static final VarHandle SEQ;

    static {
        try {
            SEQ = MethodHandles.lookup().findVarHandle(RingSlot.class, "seq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile DeviceRing ring;
    @SuppressWarnings("unused") // accessed through SEQ
    private volatile long seq;

    /**
     * Data path: a burst begins.
     *
     * @return the ring to use during this burst, or null
     */
    DeviceRing enter() {
        // volatile store (odd: inside a burst), then the volatile load of the ring: see the class comment
        SEQ.setVolatile(this, (long) SEQ.getOpaque(this) + 1);
        return ring;
    }

    /** Data path: the burst is over; release: everything it did to the ring happens before a retire returns. */
    void exit() {
        SEQ.setRelease(this, (long) SEQ.getOpaque(this) + 1);
    }

    /** @return the published ring (control thread) */
    DeviceRing current() {
        return ring;
    }

    /** @param r a ring the data path may use from now on (volatile store: its fields are published with it) */
    void publish(DeviceRing r) {
        ring = r;
    }

    /**
     * Unpublishes the ring and waits, bounded, until no burst can still be using it.
     *
     * @param timeoutNanos how long to wait for a burst in progress
     * @return true if the grace period ended (the ring and its memory are free); false on timeout
     */
    boolean retire(long timeoutNanos) {
        ring = null;
        long s = (long) SEQ.getVolatile(this);
        if ((s & 1) == 0) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        int spins = 0;
        while ((long) SEQ.getAcquire(this) == s) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
        return true;
    }
}

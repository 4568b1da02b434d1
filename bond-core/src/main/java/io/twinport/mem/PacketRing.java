package io.twinport.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded multi-producer multi-consumer ring of packets with bulk enqueue and dequeue, after DPDK's
 * {@code rte_ring}: a producer reserves {@code n} slots with one CAS on the producer head, fills them, then
 * publishes them by moving the producer tail past them (in reservation order); consumers do the same on the
 * consumer side. One CAS per burst, not per packet.
 *
 * <p>Callers pass array ranges that are valid: an exception between a reservation (the CAS on a head) and its
 * publication (the tail moving past it) would leave the tail behind for good, and every later call on every
 * thread would spin in {@code awaitThenRelease}. {@link PacketPool} checks the ranges before calling.
 *
 * <p>The four indices sit on their own 128-byte lines (two cache lines, against adjacent-line prefetch), inside
 * one {@code long[]}.
 */
final class PacketRing {
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int PROD_HEAD = 16;
    private static final int PROD_TAIL = 32;
    private static final int CONS_HEAD = 48;
    private static final int CONS_TAIL = 64;
    /** Busy-wait iterations for an earlier reservation to be published before yielding the CPU to its owner. */
    private static final int SPINS_BEFORE_YIELD = 128;

    private final long[] index = new long[CONS_TAIL + 16];
    private final Packet[] slots;
    private final int mask;
    private final int capacity;

    PacketRing(int capacity) {
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.slots = new Packet[size];
        this.mask = size - 1;
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** @return how many packets are in the ring (a snapshot in [0, capacity]; exact when no burst is under way) */
    int size() {
        // acquire: read the published tails; the difference is the number of published, unconsumed entries.
        // Producer tail first: a consumer tail read later can only be larger, so the difference never exceeds the
        // capacity (read the other way round, a busy ring could report more entries than it has room for).
        long prodTail = (long) INDEX.getAcquire(index, PROD_TAIL);
        long consTail = (long) INDEX.getAcquire(index, CONS_TAIL);
        return (int) Math.max(0, prodTail - consTail);
    }

    /**
     * Enqueues up to {@code n} packets from {@code src[off..]}.
     *
     * @return how many were enqueued (fewer than {@code n} only when the ring is full)
     */
    int offer(Packet[] src, int off, int n) {
        long head;
        int count;
        do {
            // acquire: a slot is free only once the consumer that took it has published its consumer tail
            head = (long) INDEX.getAcquire(index, PROD_HEAD);
            long consTail = (long) INDEX.getAcquire(index, CONS_TAIL);
            count = (int) Math.min(n, capacity - (head - consTail));
            if (count <= 0) {
                return 0;
            }
        } while (!INDEX.compareAndSet(index, PROD_HEAD, head, head + count));
        for (int i = 0; i < count; i++) {
            slots[(int) (head + i) & mask] = src[off + i];
        }
        awaitThenRelease(PROD_TAIL, head, head + count);
        return count;
    }

    /**
     * Dequeues up to {@code n} packets into {@code dst[off..]}.
     *
     * @return how many were dequeued (fewer than {@code n} only when the ring ran empty)
     */
    int poll(Packet[] dst, int off, int n) {
        long head;
        int count;
        do {
            // acquire: entries up to the producer tail were written before it was released
            head = (long) INDEX.getAcquire(index, CONS_HEAD);
            long prodTail = (long) INDEX.getAcquire(index, PROD_TAIL);
            count = (int) Math.min(n, prodTail - head);
            if (count <= 0) {
                return 0;
            }
        } while (!INDEX.compareAndSet(index, CONS_HEAD, head, head + count));
        for (int i = 0; i < count; i++) {
            int slot = (int) (head + i) & mask;
            dst[off + i] = slots[slot];
            slots[slot] = null;
        }
        awaitThenRelease(CONS_TAIL, head, head + count);
        return count;
    }

    private void awaitThenRelease(int tail, long expected, long next) {
        // Another thread that reserved earlier slots publishes first: tails move in reservation order. That thread
        // may have been preempted between its reservation and its publication (Java threads are not pinned to
        // cores as DPDK's lcores are): after a short spin, give the CPU away so that it can run and finish.
        // Without the yield, more threads than cores convoy behind a descheduled one, each spinning out its
        // whole time slice (measured on a busy 2-core machine, 4 threads: about 1,500 packets a second through
        // the ring without the yield, about 390,000 with it).
        int spins = 0;
        while ((long) INDEX.getAcquire(index, tail) != expected) {
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        // release: the slot writes above must be visible before the tail that publishes them
        INDEX.setRelease(index, tail, next);
    }
}

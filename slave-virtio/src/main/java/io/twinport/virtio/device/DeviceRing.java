package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;
import io.twinport.virtio.VirtioNetHdrDescriptor;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.virtq.VirtqDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_FLAGS;
import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_IDX;
import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_RING;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_ADDR;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_FLAGS;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_LEN;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_NEXT;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_SIZE;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_ELEM_LEN;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_ELEM_SIZE;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_FLAGS;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_IDX;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_RING;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_AVAIL_F_NO_INTERRUPT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_INDIRECT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_NEXT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_WRITE;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_USED_F_NO_NOTIFY;

/**
 * The device's side of one running split vring (virtio 1.2, 2.7), on the data path: guest transmit chains become
 * packets of the host's pool ({@link #dequeue}), host packets become guest receive buffers ({@link #enqueue}), with
 * mergeable receive buffers when negotiated. One thread at a time (the queue's), no allocation, no exception, no
 * lock, no system call except the call eventfd when the driver asked for interrupts.
 *
 * <p>Nothing read from the ring is trusted: {@code avail.idx} may not run more than the queue size ahead, heads and
 * {@code next} must be table indices, a chain may not be longer than the table (a loop), every buffer must lie in one
 * memory region ({@link GuestMemory#regionOfGuest}), with no 64-bit wrap, transmit chains must be device-readable and
 * receive chains device-writable, and INDIRECT is refused (never offered). The first violation is recorded
 * ({@link #fault()}) and the ring stops: every later burst returns 0. Nothing outside a mapping is ever touched.
 *
 * <p>Memory order: {@code avail.idx} is read once per burst with an acquire load, before the ring entries and the
 * descriptors (2.7.13); used elements are written plainly and {@code used.idx} is published with a release store after
 * them and after every byte written into (or read from) the buffers (2.7.8); a full fence separates that store from
 * the read of {@code avail.flags}/{@code used_event} that decides the interrupt (2.7.10).
 */
final class DeviceRing {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16_UNALIGNED =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_UNALIGNED = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT_UNALIGNED = ValueLayout.JAVA_INT_UNALIGNED;
    private static final VarHandle U16 = LE16.varHandle();
    private static final VarHandle FAULT;
    private static final VarHandle COUNT;
    private static final int HDR = VirtioNetHdrDescriptor.SIZE;
    private static final int NUM_BUFFERS = VirtioNetHdrDescriptor.NUM_BUFFERS;
    private static final long MAX_CHAIN_BYTES = 0xFFFF_FFFFL;
    /** A zero header, copied piecewise when a driver splits the header over descriptors. */
    private static final MemorySegment ZERO_HDR = MemorySegment.ofArray(new byte[HDR]);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FAULT = l.findVarHandle(DeviceRing.class, "fault", DeviceFault.class);
            COUNT = MethodHandles.arrayElementVarHandle(long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Indices of {@link #counters()}. */
    static final int CALLS = 0;
    static final int CALLS_SUPPRESSED = 1;
    static final int OVERSIZE_DROPPED = 2;
    static final int EMPTY_DROPPED = 3;
    static final int COUNTERS = 4;

    private final int index;
    private final int size;
    private final int mask;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final GuestMemory mem;
    private final EventFd call;
    private final boolean eventIdx;
    private final boolean mergeable;
    private final long usedEventOffset;
    private final long[] counters = new long[COUNTERS];
    private final byte[] numBuffersBytes = new byte[2];
    private final MemorySegment numBuffersSeg = MemorySegment.ofArray(numBuffersBytes);
    private int lastAvail;
    private int usedIdx;
    private int lastRegion;

    // first fault: value and bound written before the release store of fault
    @SuppressWarnings("unused") // accessed through FAULT
    private volatile DeviceFault fault;
    private long faultValue;
    private long faultBound;

    // the chain cursor: the descriptor being read or written
    private int cHead;
    private int cCount;
    private long cTotal;
    private MemorySegment cSeg;
    private long cOff;
    private long cLeft;
    private boolean cNext;
    private int cNextIdx;

    /**
     * Control thread: a ring that starts running at {@code lastAvail}. The three segments are already translated,
     * checked against the mapped memory and aligned.
     */
    DeviceRing(int index, int size, MemorySegment desc, MemorySegment avail, MemorySegment used, GuestMemory mem,
               EventFd call, boolean eventIdx, boolean mergeable, int lastAvail) {
        this.index = index;
        this.size = size;
        this.mask = size - 1;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.mem = mem;
        this.call = call;
        this.eventIdx = eventIdx;
        this.mergeable = mergeable;
        this.usedEventOffset = AVAIL_RING + 2L * size;
        this.lastAvail = lastAvail & 0xFFFF;
        // the used index lives in guest memory: a driver that resumes after a restart or a hand-over keeps it
        this.usedIdx = (short) U16.getAcquire(used, (long) USED_IDX) & 0xFFFF;
        // this device polls: no kicks wanted (2.7.10); with event-idx, avail_event far ahead has the same effect
        used.set(LE16, USED_FLAGS, (short) VRING_USED_F_NO_NOTIFY);
        used.set(LE16, USED_RING + (long) USED_ELEM_SIZE * size, (short) (this.lastAvail + 0x7FFF));
    }

    /** @return the vring index */
    int index() {
        return index;
    }

    /** @return the next available index to process (read by the control thread after a grace period) */
    int lastAvail() {
        return lastAvail;
    }

    /** @return the used index (read by the control thread after a grace period) */
    int usedIdx() {
        return usedIdx;
    }

    /** @return the first fault, or null (acquire: faultValue and faultBound are visible with it) */
    DeviceFault fault() {
        return (DeviceFault) FAULT.getAcquire(this);
    }

    /** @return the fault's sentence, naming the vring and the field */
    String faultMessage() {
        DeviceFault f = fault();
        return f == null ? null : "vring " + index + ": " + f.describe(faultValue, faultBound);
    }

    /**
     * @param i one of {@link #CALLS}, ...
     * @return that counter (opaque read)
     */
    long counter(int i) {
        return (long) COUNT.getOpaque(counters, i);
    }

    private void count(int i, long n) {
        COUNT.setOpaque(counters, i, counters[i] + n);
    }

    private boolean fail(DeviceFault f, long value, long bound) {
        if (fault() == null) {
            faultValue = value;
            faultBound = bound;
            FAULT.setRelease(this, f);
        }
        return false;
    }

    /** Control thread: marks the ring broken for a reason found outside a burst (tests, internal errors). */
    void failExternally(DeviceFault f, long value, long bound) {
        fail(f, value, bound);
    }

    // ------------------------------------------------------------------ the guest's transmit ring

    /**
     * Takes up to {@code max} frames the guest transmitted, each copied into a packet of {@code pool} without its
     * virtio-net header, and returns the chains to the guest.
     *
     * @return frames received
     */
    int dequeue(Packet[] pkts, int off, int max, PacketPool pool, int portId, int queueId, QueueCounters c) {
        if (fault() != null) {
            return 0;
        }
        // acquire: the entries and descriptors the driver wrote before avail.idx are visible (2.7.13)
        int pending = (((short) U16.getAcquire(avail, (long) AVAIL_IDX)) - lastAvail) & 0xFFFF;
        if (pending == 0) {
            return 0;
        }
        if (pending > size) {
            fail(DeviceFault.AVAIL_IDX_AHEAD, pending, size);
            return 0;
        }
        int n = Math.min(pending, max);
        int got = pool.allocBulk(pkts, off, n);
        if (got < n) {
            c.addNoBuffer(n - got);
        }
        int used0 = usedIdx;
        int k = 0;
        long bytes = 0;
        long errors = 0;
        int room = pool.bufferSize() - pool.headroom();
        for (int i = 0; i < got; i++) {
            int head = avail.get(LE16, AVAIL_RING + 2L * (lastAvail & mask)) & 0xFFFF;
            if (head >= size) {
                fail(DeviceFault.HEAD_OUT_OF_RANGE, head, size);
                break;
            }
            Packet p = pkts[off + k];
            long r = readChain(head, p.buffer(), p.dataOffset(), room);
            if (r == -1) {
                break;
            }
            pushUsed(head, 0);
            if (r < 0) {
                errors++;
                count(OVERSIZE_DROPPED, 1);
            } else if (r == 0) {
                errors++;
                count(EMPTY_DROPPED, 1);
            } else {
                p.setData(p.dataOffset(), (int) r); // r <= room: cannot throw
                p.port(portId);
                p.queue(queueId);
                bytes += r;
                k++;
            }
        }
        if (k < got) {
            pool.freeBulk(pkts, off + k, got - k);
        }
        if (usedIdx != used0) {
            publishUsed(used0);
        }
        if (k > 0) {
            c.addPackets(k, bytes);
        }
        if (errors > 0) {
            c.addErrors(errors);
        }
        return k;
    }

    /**
     * Copies a transmit chain, header skipped, into {@code dst} at {@code dstOff}.
     *
     * @return frame bytes copied; -2 if the frame is longer than {@code cap} (the chain is valid, the frame is
     *         dropped); -1 on a fault
     */
    private long readChain(int head, MemorySegment dst, long dstOff, long cap) {
        if (!start(head, false)) {
            return -1;
        }
        long skip = HDR;
        long written = 0;
        boolean over = false;
        while (true) {
            int a = advance(false);
            if (a < 0) {
                return -1;
            }
            if (a == 0) {
                break;
            }
            if (skip > 0) {
                long s = Math.min(skip, cLeft);
                skip -= s;
                cOff += s;
                cLeft -= s;
                continue;
            }
            long take = cLeft;
            if (!over && written + take <= cap) {
                MemorySegment.copy(cSeg, cOff, dst, dstOff + written, take);
            } else {
                over = true;
            }
            written += take;
            cOff += take;
            cLeft = 0;
        }
        if (skip > 0) {
            fail(DeviceFault.TX_HEADER_SHORT, HDR - skip, HDR);
            return -1;
        }
        return over ? -2 : written;
    }

    // ------------------------------------------------------------------ the guest's receive ring

    /**
     * Delivers up to {@code count} frames into the guest's receive buffers (a header, then the frame; merged over
     * several buffers with MRG_RXBUF). Frames delivered, and frames too large for a receive chain without MRG_RXBUF
     * (dropped and counted), are taken and freed; the rest stay the caller's.
     *
     * @return frames taken
     */
    int enqueue(Packet[] pkts, int off, int count, QueueCounters c) {
        if (fault() != null) {
            return 0;
        }
        int pending = (((short) U16.getAcquire(avail, (long) AVAIL_IDX)) - lastAvail) & 0xFFFF;
        if (pending > size) {
            fail(DeviceFault.AVAIL_IDX_AHEAD, pending, size);
            return 0;
        }
        int used0 = usedIdx;
        int i = 0;
        long sent = 0;
        long bytes = 0;
        long errors = 0;
        while (i < count && pending > 0) {
            Packet p = pkts[off + i];
            int h = putFrame(p, pending);
            if (h == 0 || h == -1) {
                break;
            }
            if (h == -2) {
                errors++;
                count(OVERSIZE_DROPPED, 1);
            } else {
                pending -= h;
                sent++;
                bytes += p.length();
            }
            i++;
        }
        if (usedIdx != used0) {
            publishUsed(used0);
        }
        if (i > 0) {
            free(pkts, off, i);
        }
        if (sent > 0) {
            c.addPackets(sent, bytes);
        }
        if (errors > 0) {
            c.addErrors(errors);
        }
        return i;
    }

    private static void free(Packet[] pkts, int off, int n) {
        PacketPool pool = pkts[off].pool();
        for (int j = 1; j < n; j++) {
            if (pkts[off + j].pool() != pool) {
                for (int k = 0; k < n; k++) {
                    pkts[off + k].free();
                }
                return;
            }
        }
        pool.freeBulk(pkts, off, n);
    }

    /**
     * Writes one frame into the next receive chain(s), without publishing.
     *
     * @return chains used (at least 1); 0 if the guest has too few buffers now (nothing consumed); -2 if the frame
     *         does not fit one chain without MRG_RXBUF, or a whole ring of buffers with it (nothing consumed, drop
     *         it); -1 on a fault
     */
    private int putFrame(Packet p, int pending) {
        int startAvail = lastAvail;
        int startUsed = usedIdx;
        MemorySegment src = p.buffer();
        long srcOff = p.dataOffset();
        long left = p.length();
        long hdrLeft = HDR;
        MemorySegment hSeg = null;
        long hOff = 0;
        int firstHead = -1;
        int heads = 0;
        while (hdrLeft > 0 || left > 0) {
            if (!mergeable && heads == 1) {
                lastAvail = startAvail; // the chain is too small for the frame: nothing consumed, drop the frame
                usedIdx = startUsed;
                return -2;
            }
            if (heads == pending) {
                lastAvail = startAvail; // too few buffers for the whole frame now: nothing consumed
                usedIdx = startUsed;
                // a whole ring of buffers cannot hold it (the guest posts tiny buffers): drop it rather than block
                // the queue for good
                return pending >= size ? -2 : 0;
            }
            int head = avail.get(LE16, AVAIL_RING + 2L * (lastAvail & mask)) & 0xFFFF;
            if (head >= size) {
                fail(DeviceFault.HEAD_OUT_OF_RANGE, head, size);
                return -1;
            }
            if (!start(head, true)) {
                return -1;
            }
            if (firstHead < 0) {
                firstHead = head;
            }
            long written = 0;
            while (hdrLeft > 0 || left > 0) {
                int a = advance(true);
                if (a < 0) {
                    return -1;
                }
                if (a == 0) {
                    break;
                }
                if (hdrLeft > 0) {
                    if (hdrLeft == HDR && cLeft >= HDR) {
                        // the usual case: the whole header in the first descriptor
                        hSeg = cSeg;
                        hOff = cOff;
                        cSeg.set(LONG_UNALIGNED, cOff, 0L);
                        cSeg.set(INT_UNALIGNED, cOff + 8, 0);
                        cOff += HDR;
                        cLeft -= HDR;
                        written += HDR;
                        hdrLeft = 0;
                    } else {
                        long s = Math.min(hdrLeft, cLeft);
                        MemorySegment.copy(ZERO_HDR, HDR - hdrLeft, cSeg, cOff, s);
                        cOff += s;
                        cLeft -= s;
                        written += s;
                        hdrLeft -= s;
                    }
                    continue;
                }
                long t = Math.min(left, cLeft);
                MemorySegment.copy(src, srcOff, cSeg, cOff, t);
                srcOff += t;
                left -= t;
                cOff += t;
                cLeft -= t;
                written += t;
            }
            if (heads == 0 && hdrLeft > 0) {
                // 5.1.6.3.1: every receive buffer must hold at least the header
                fail(DeviceFault.RX_BUFFER_SHORT, written, HDR);
                return -1;
            }
            pushUsed(head, (int) written);
            heads++;
        }
        if (hSeg != null) {
            hSeg.set(LE16_UNALIGNED, hOff + NUM_BUFFERS, (short) heads);
        } else {
            patchNumBuffers(firstHead, heads);
        }
        return heads;
    }

    /** Writes num_buffers into a header that the driver split over descriptors (rare; walks the chain again). */
    private void patchNumBuffers(int head, int heads) {
        numBuffersSeg.set(LE16_UNALIGNED, 0, (short) heads);
        if (!start(head, true)) {
            return;
        }
        long skip = NUM_BUFFERS;
        long left = 2;
        while (left > 0) {
            if (advance(true) <= 0) {
                return;
            }
            if (skip > 0) {
                long s = Math.min(skip, cLeft);
                skip -= s;
                cOff += s;
                cLeft -= s;
                continue;
            }
            long t = Math.min(left, cLeft);
            MemorySegment.copy(numBuffersSeg, 2 - left, cSeg, cOff, t);
            left -= t;
            cOff += t;
            cLeft -= t;
        }
    }

    // ------------------------------------------------------------------ chains

    private boolean start(int head, boolean writable) {
        cHead = head;
        cCount = 0;
        cTotal = 0;
        return load(head, writable);
    }

    /** Loads descriptor {@code i} into the cursor, checking it. */
    private boolean load(int i, boolean writable) {
        if (++cCount > size) {
            return fail(DeviceFault.CHAIN_LOOP, cHead, size);
        }
        long d = (long) DESC_SIZE * i;
        long addr = desc.get(LE64, d + DESC_ADDR);
        long len = desc.get(LE32, d + DESC_LEN) & 0xFFFF_FFFFL;
        int flags = desc.get(LE16, d + DESC_FLAGS) & 0xFFFF;
        if ((flags & VRING_DESC_F_INDIRECT) != 0) {
            return fail(DeviceFault.INDIRECT_DESC, i, flags);
        }
        if (((flags & VRING_DESC_F_WRITE) != 0) != writable) {
            return fail(writable ? DeviceFault.READABLE_IN_RX : DeviceFault.WRITABLE_IN_TX, i, flags);
        }
        cNext = (flags & VRING_DESC_F_NEXT) != 0;
        cNextIdx = desc.get(LE16, d + DESC_NEXT) & 0xFFFF;
        cLeft = len;
        if (len == 0) {
            return true;
        }
        if (Long.compareUnsigned(addr + len, addr) < 0 && addr + len != 0) {
            return fail(DeviceFault.LEN_OVERFLOW, addr, len);
        }
        cTotal += len;
        if (cTotal > MAX_CHAIN_BYTES) {
            return fail(DeviceFault.LEN_OVERFLOW, addr, len);
        }
        int r = lastRegion; // buffers of one burst usually lie in one region: try the last one first
        if (!mem.holdsGuest(r, addr, len)) {
            r = mem.regionOfGuest(addr, len);
            if (r < 0) {
                return fail(DeviceFault.DESC_OUTSIDE_MEMORY, addr, len);
            }
            lastRegion = r;
        }
        cSeg = mem.segment(r);
        cOff = mem.guestOffset(r, addr);
        return true;
    }

    /** @return 1 with bytes left in the cursor, 0 at the end of the chain, -1 on a fault */
    private int advance(boolean writable) {
        while (cLeft == 0) {
            if (!cNext) {
                return 0;
            }
            int nx = cNextIdx;
            if (nx >= size) {
                fail(DeviceFault.NEXT_OUT_OF_RANGE, nx, size);
                return -1;
            }
            if (!load(nx, writable)) {
                return -1;
            }
        }
        return 1;
    }

    // ------------------------------------------------------------------ used ring and interrupts

    private void pushUsed(int head, int len) {
        long e = USED_RING + (long) USED_ELEM_SIZE * (usedIdx & mask);
        used.set(LE32, e, head);
        used.set(LE32, e + USED_ELEM_LEN, len);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        lastAvail = (lastAvail + 1) & 0xFFFF;
    }

    private void publishUsed(int old) {
        // release: the used elements and every byte written into the buffers before used.idx (2.7.8)
        U16.setRelease(used, (long) USED_IDX, (short) usedIdx);
        if (call == null) {
            return;
        }
        // full fence: the used.idx store before the read of the driver's suppression fields (2.7.10)
        VarHandle.fullFence();
        boolean wanted = eventIdx
                ? VirtqDescriptor.needEvent(avail.get(LE16, usedEventOffset) & 0xFFFF, usedIdx, old)
                : (avail.get(LE16, AVAIL_FLAGS) & VRING_AVAIL_F_NO_INTERRUPT) == 0;
        if (wanted) {
            call.signal();
            count(CALLS, 1);
        } else {
            count(CALLS_SUPPRESSED, 1);
        }
    }

    @Override
    public String toString() {
        return "DeviceRing[" + index + ", size " + size + ", last_avail " + lastAvail + ", used " + usedIdx + "]";
    }
}

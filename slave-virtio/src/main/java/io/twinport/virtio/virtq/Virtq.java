package io.twinport.virtio.virtq;

import io.twinport.mem.Packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;

import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_ELEM_SIZE;
import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_FLAGS;
import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_IDX;
import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_RING;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_ADDR;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_LEN;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_SIZE;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_ELEM_ID;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_ELEM_LEN;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_ELEM_SIZE;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_FLAGS;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_IDX;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_RING;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_AVAIL_F_NO_INTERRUPT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_NEXT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_WRITE;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_USED_F_NO_NOTIFY;

/**
 * One split virtqueue, driver side (virtio 1.2, section 2.7), in memory the device maps. The layout is
 * {@link VirtqDescriptor}'s; this class is the access code.
 *
 * <h2>Threads</h2>
 * The data-path methods ({@link #add}, {@link #addChain}, {@link #publish}, {@link #pollUsed}, {@link #takeUsed})
 * are called by the one thread that owns the queue; they never allocate, block or throw. The control thread
 * {@link #reset}s the queue and {@link #reclaimAll reclaims} its buffers only while the data path does not run
 * (the port is stopped) and the device has stopped the ring. {@link #fault()} may be read from any thread.
 *
 * <h2>Trust</h2>
 * The driver never reads back what it wrote into shared memory: the free list, chain links, buffer owners and
 * writable lengths are kept in private arrays. From the device it reads only {@code used.idx}, the used elements
 * and the notification-suppression fields, and it checks each used element against its private state before
 * using it. A violation puts the queue into a failed state ({@link #fault()}), after which it does nothing.
 *
 * <h2>Notifications</h2>
 * The driver polls: it sets {@link VirtqDescriptor#VRING_AVAIL_F_NO_INTERRUPT} (and, with VIRTIO_F_EVENT_IDX, keeps
 * {@code used_event} out of the device's way), and kicks the device only when the device has not suppressed
 * notifications ({@link VirtqDescriptor#VRING_USED_F_NO_NOTIFY}, or {@code avail_event} with event-idx).
 */
public final class Virtq {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U16 = LE16.varHandle();

    private final String name;
    private final int index;
    private final int size;
    private final int mask;
    private final MemorySegment mem;
    private final long address;
    private final long availOff;
    private final long usedOff;
    private final long usedEventOff;
    private final long availEventOff;
    private final boolean eventIdx;
    private final Notifier notifier;

    // ---- queue-thread state (never shared memory, never read back from the device)
    private final Packet[] cookies;
    private final short[] chainLength; // > 0: head of an in-flight chain of that many descriptors
    private final int[] writableBytes; // device-writable bytes of the chain headed here
    private final short[] next;        // free list links, and chain links of in-flight chains
    private int freeHead;
    private int numFree;
    private int inFlight;              // chains the device holds
    private int availIdx;              // next avail.idx (free-running; the device sees the low 16 bits)
    private int publishedIdx;          // the avail.idx last stored
    private int lastUsed;              // the next used element to consume (free-running)
    private int usedLen;               // len of the element last taken
    private boolean broken;            // queue thread's copy of "fault != null"
    private long kicks;
    private long suppressed;

    // ---- fault: written once by the queue thread, read by the control thread
    private long faultValue;
    private long faultBound;
    private volatile VirtqFault fault;

    /**
     * Lays a queue out in {@code mem} and resets it. The memory must be {@link VirtqDescriptor#bytes(int)} long,
     * 64-byte aligned, shared with the device and mapped at {@code mem.address()}.
     *
     * @param name     for messages, e.g. {@code rx0}
     * @param index    the virtqueue index (vhost-user's vring index)
     * @param size     queue size, a power of two up to {@value VirtqDescriptor#MAX_QUEUE_SIZE}
     * @param mem      the queue's memory
     * @param eventIdx true if VIRTIO_F_EVENT_IDX was negotiated
     * @param notifier how to kick the device
     */
    public Virtq(String name, int index, int size, MemorySegment mem, boolean eventIdx, Notifier notifier) {
        this.name = Objects.requireNonNull(name, "name");
        if (!VirtqDescriptor.validSize(size)) {
            throw new IllegalArgumentException("virtqueue " + name + ": size " + size
                    + " must be a power of two in [1, " + VirtqDescriptor.MAX_QUEUE_SIZE + "]");
        }
        if (mem.byteSize() < VirtqDescriptor.bytes(size) || (mem.address() & (VirtqDescriptor.CACHE_LINE - 1)) != 0) {
            throw new IllegalArgumentException("virtqueue " + name + ": memory " + mem.byteSize() + " bytes at 0x"
                    + Long.toHexString(mem.address()) + " must be " + VirtqDescriptor.bytes(size)
                    + " bytes, 64-byte aligned");
        }
        this.index = index;
        this.size = size;
        this.mask = size - 1;
        this.mem = mem;
        this.address = mem.address();
        this.availOff = VirtqDescriptor.availOffset(size);
        this.usedOff = VirtqDescriptor.usedOffset(size);
        this.usedEventOff = VirtqDescriptor.usedEventOffset(size);
        this.availEventOff = VirtqDescriptor.availEventOffset(size);
        this.eventIdx = eventIdx;
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.cookies = new Packet[size];
        this.chainLength = new short[size];
        this.writableBytes = new int[size];
        this.next = new short[size];
        reset();
    }

    // ------------------------------------------------------------------ control path

    /**
     * Empties the queue: zeroes its memory, every descriptor free, indices 0, interrupts suppressed. The caller has
     * reclaimed the buffers ({@link #reclaimAll}) and the device does not use the ring.
     */
    public void reset() {
        mem.asSlice(0, VirtqDescriptor.bytes(size)).fill((byte) 0);
        for (int i = 0; i < size; i++) {
            next[i] = (short) (i + 1);
            chainLength[i] = 0;
            writableBytes[i] = 0;
            cookies[i] = null;
        }
        freeHead = 0;
        numFree = size;
        inFlight = 0;
        availIdx = 0;
        publishedIdx = 0;
        lastUsed = 0;
        usedLen = 0;
        broken = false;
        faultValue = 0;
        faultBound = 0;
        // 2.7.7: we poll, so ask the device for no used-buffer notifications
        mem.set(LE16, availOff + AVAIL_FLAGS, (short) VRING_AVAIL_F_NO_INTERRUPT);
        if (eventIdx) {
            // with event-idx the flag is ignored; keep used_event behind us (see pollUsed)
            mem.set(LE16, usedEventOff, (short) -1);
        }
        // volatile: publishes the reset state to a thread that polls the queue next
        fault = null;
    }

    /**
     * Hands every buffer the device still holds back to {@code sink} and forgets it; the ring indices are kept. Call
     * only while the device does not use the ring (after GET_VRING_BASE) and the data path does not run.
     *
     * @param sink receives each buffer once
     * @return how many buffers were reclaimed
     */
    public int reclaimAll(Consumer<Packet> sink) {
        int n = 0;
        for (int id = 0; id < size; id++) {
            if (chainLength[id] > 0) {
                Packet p = cookies[id];
                freeChain(id);
                if (p != null) {
                    sink.accept(p);
                    n++;
                }
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ data path: supplying buffers (2.7.13)

    /** @return descriptors free for {@link #add}; queue thread */
    public int numFree() {
        return broken ? 0 : numFree;
    }

    /**
     * Places one buffer in a one-descriptor chain and in the next available-ring slot (2.7.13.1, 2.7.13.2); the
     * device sees it after {@link #publish()}. The caller checked {@link #numFree()} {@code >= 1}.
     *
     * @param cookie   the packet the buffer belongs to; returned by {@link #takeUsed()}
     * @param addr     the buffer's guest-physical address
     * @param len      its length
     * @param writable true for a device-writable buffer (receive), false for device-readable (transmit)
     */
    public void add(Packet cookie, long addr, int len, boolean writable) {
        int id = freeHead;
        freeHead = next[id];
        numFree--;
        writeDesc(id, addr, len, writable ? VRING_DESC_F_WRITE : 0, 0);
        cookies[id] = cookie;
        chainLength[id] = 1;
        writableBytes[id] = writable ? len : 0;
        inFlight++;
        mem.set(LE16, availOff + AVAIL_RING + (long) (availIdx & mask) * AVAIL_ELEM_SIZE, (short) id);
        availIdx++;
    }

    /**
     * Places a chain of descriptors: the first {@code readable} device-readable, the rest device-writable
     * (2.7.4.2: writable descriptors follow readable ones). The caller checked {@link #numFree()} {@code >= n}.
     *
     * @param cookie   a packet to return with the chain, or null
     * @param addrs    guest-physical addresses
     * @param lens     lengths
     * @param readable how many of the first descriptors are device-readable
     * @param n        descriptors in the chain, at least 1
     * @return the head descriptor's index
     */
    public int addChain(Packet cookie, long[] addrs, int[] lens, int readable, int n) {
        int head = freeHead;
        int id = head;
        int writable = 0;
        for (int i = 0; i < n; i++) {
            int following = next[id];
            boolean w = i >= readable;
            int flags = (w ? VRING_DESC_F_WRITE : 0) | (i < n - 1 ? VRING_DESC_F_NEXT : 0);
            writeDesc(id, addrs[i], lens[i], flags, i < n - 1 ? following : 0);
            if (w) {
                writable += lens[i];
            }
            if (i < n - 1) {
                id = following;
            } else {
                freeHead = following;
            }
        }
        numFree -= n;
        cookies[head] = cookie;
        chainLength[head] = (short) n;
        writableBytes[head] = writable;
        inFlight++;
        mem.set(LE16, availOff + AVAIL_RING + (long) (availIdx & mask) * AVAIL_ELEM_SIZE, (short) head);
        availIdx++;
        return head;
    }

    private void writeDesc(int id, long addr, int len, int flags, int nextId) {
        long d = (long) id * DESC_SIZE;
        mem.set(LE64, d + DESC_ADDR, addr);
        // len (le32), flags (le16), next (le16) in one 8-byte store
        mem.set(LE64, d + DESC_LEN, (len & 0xFFFF_FFFFL) | ((long) flags << 32) | ((long) (nextId & 0xFFFF) << 48));
    }

    /**
     * Makes the buffers added since the last call visible to the device (2.7.13.3) and kicks it if it wants to be
     * notified (2.7.13.4). No-op if nothing was added.
     */
    public void publish() {
        int old = publishedIdx;
        if (availIdx == old || broken) {
            return;
        }
        // release: the descriptors and avail.ring entries written above must be visible to the device before
        // avail.idx, which hands them over (2.7.13.3.1)
        U16.setRelease(mem, availOff + AVAIL_IDX, (short) availIdx);
        publishedIdx = availIdx;
        // full fence: the avail.idx store must be visible before we read the device's suppression state, or the
        // device may go to sleep on the old idx while we skip the kick (2.7.13.4.1, "suitable memory barrier")
        VarHandle.fullFence();
        boolean notify;
        if (eventIdx) {
            // opaque: the device rewrites avail_event at any time; the fence above orders this read
            int availEvent = (short) U16.getOpaque(mem, availEventOff) & 0xFFFF;
            notify = VirtqDescriptor.needEvent(availEvent, availIdx & 0xFFFF, old & 0xFFFF);
        } else {
            // opaque: the device sets and clears used.flags at any time; the fence above orders this read
            notify = ((short) U16.getOpaque(mem, usedOff + USED_FLAGS) & VRING_USED_F_NO_NOTIFY) == 0;
        }
        if (notify) {
            kicks++;
            notifier.kick();
        } else {
            suppressed++;
        }
    }

    // ------------------------------------------------------------------ data path: used buffers (2.7.14)

    /**
     * Looks at {@code used.idx} once.
     *
     * @return how many used elements are ready for {@link #takeUsed()}; 0 if none, or if the queue failed (this
     *         call may be the one that finds {@code used.idx} too far ahead)
     */
    public int pollUsed() {
        if (broken) {
            return 0;
        }
        // acquire: the used elements, and what the device wrote into the buffers, are visible once used.idx is
        // (the device's release store of used.idx, 2.7.8.1)
        int idx = (short) U16.getAcquire(mem, usedOff + USED_IDX) & 0xFFFF;
        int ready = (idx - lastUsed) & 0xFFFF;
        if (ready > inFlight) {
            fail(VirtqFault.USED_IDX_AHEAD, ready, inFlight);
            return 0;
        }
        if (eventIdx) {
            // opaque: used_event one behind what we consumed lies outside any window the device can reach
            // before our next poll (it holds at most `size` buffers), so it never sends a used-buffer notification
            U16.setOpaque(mem, usedEventOff, (short) (lastUsed - 1));
        }
        return ready;
    }

    /**
     * Consumes the next used element, after {@link #pollUsed()} said it is ready: checks it against what the
     * device was given, returns its descriptors to the free list.
     *
     * @return the buffer's packet (null for a chain added without one), with {@link #usedLen()} set; or null with
     *         {@link #failed()} true if the element breaks the rules
     */
    public Packet takeUsed() {
        if (broken) {
            return null;
        }
        long e = usedOff + USED_RING + (long) (lastUsed & mask) * USED_ELEM_SIZE;
        long id = mem.get(LE32, e + USED_ELEM_ID) & 0xFFFF_FFFFL;
        long len = mem.get(LE32, e + USED_ELEM_LEN) & 0xFFFF_FFFFL;
        if (id >= size) {
            fail(VirtqFault.USED_ID_OUT_OF_RANGE, id, size);
            return null;
        }
        int head = (int) id;
        if (chainLength[head] == 0) {
            fail(VirtqFault.USED_ID_NOT_IN_FLIGHT, id, inFlight);
            return null;
        }
        int writable = writableBytes[head];
        if (len > writable && writable > 0) {
            fail(VirtqFault.USED_LEN_BEYOND_BUFFER, len, writable);
            return null;
        }
        // a device-readable chain (transmit) has nothing to report: its len is ignored (2.7.8.2)
        usedLen = writable > 0 ? (int) len : 0;
        Packet p = cookies[head];
        freeChain(head);
        lastUsed++;
        return p;
    }

    private void freeChain(int head) {
        int n = chainLength[head];
        int tail = head;
        for (int i = 1; i < n; i++) {
            tail = next[tail];
        }
        next[tail] = (short) freeHead;
        freeHead = head;
        numFree += n;
        chainLength[head] = 0;
        writableBytes[head] = 0;
        cookies[head] = null;
        inFlight--;
    }

    /** @return bytes the device wrote into the buffer last returned by {@link #takeUsed()} */
    public int usedLen() {
        return usedLen;
    }

    /**
     * Marks the queue failed from outside the ring code (e.g. a bad virtio-net header field); queue thread.
     *
     * @param kind  what the device got wrong
     * @param value the value it wrote
     * @param bound the bound it broke
     */
    public void fail(VirtqFault kind, long value, long bound) {
        if (broken) {
            return;
        }
        broken = true;
        faultValue = value;
        faultBound = bound;
        // volatile: publishes value and bound with it to the control thread
        fault = kind;
    }

    // ------------------------------------------------------------------ state

    /** @return true once the device broke a rule; queue thread (plain read) */
    public boolean failed() {
        return broken;
    }

    /** @return the first rule the device broke, or null; any thread */
    public VirtqFault fault() {
        return fault;
    }

    /** @return the fault in words, naming the queue and the field, or null; any thread */
    public String faultMessage() {
        VirtqFault f = fault;
        return f == null ? null : "virtqueue " + name + ": " + f.describe(faultValue, faultBound);
    }

    /** @return e.g. {@code rx0} */
    public String name() {
        return name;
    }

    /** @return the virtqueue index (receiveq N = 2N, transmitq N = 2N+1 for virtio-net) */
    public int index() {
        return index;
    }

    /** @return the queue size */
    public int size() {
        return size;
    }

    /** @return true if VIRTIO_F_EVENT_IDX is in use */
    public boolean eventIdx() {
        return eventIdx;
    }

    /** @return chains the device holds */
    public int inFlight() {
        return inFlight;
    }

    /** @return the driver's next avail.idx (low 16 bits) */
    public int availIdx() {
        return availIdx & 0xFFFF;
    }

    /** @return the next used element the driver will consume (low 16 bits) */
    public int lastUsedIdx() {
        return lastUsed & 0xFFFF;
    }

    /** @return the used.idx the device last published, read with acquire (control path: the resume point) */
    public int deviceUsedIdx() {
        // acquire: pairs with the device's release store of used.idx
        return (short) U16.getAcquire(mem, usedOff + USED_IDX) & 0xFFFF;
    }

    /** @return notifications sent to the device */
    public long kicks() {
        return kicks;
    }

    /** @return notifications the device suppressed (publishes without a kick) */
    public long suppressedKicks() {
        return suppressed;
    }

    /** @return guest-physical address of the descriptor table */
    public long descAddress() {
        return address + VirtqDescriptor.descOffset(size);
    }

    /** @return guest-physical address of the available ring */
    public long availAddress() {
        return address + availOff;
    }

    /** @return guest-physical address of the used ring */
    public long usedAddress() {
        return address + usedOff;
    }

    @Override
    public String toString() {
        return "Virtq[" + name + ", index " + index + ", size " + size + ", in flight " + inFlight + ", avail "
                + availIdx() + ", used " + lastUsedIdx() + (broken ? ", FAILED" : "") + "]";
    }
}

package io.twinport.virtio.virtq;

import io.twinport.mem.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;

import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_IDX;
import static io.twinport.virtio.virtq.VirtqDescriptor.AVAIL_RING;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_ADDR;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_FLAGS;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_LEN;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_NEXT;
import static io.twinport.virtio.virtq.VirtqDescriptor.DESC_SIZE;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_IDX;
import static io.twinport.virtio.virtq.VirtqDescriptor.USED_RING;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_INDIRECT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_NEXT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_WRITE;

/**
 * The device's side of a split virtqueue, for queues a device model processes in this process (the virtio-net
 * control queue, which a vhost-user front-end handles itself, as QEMU does). It trusts nothing it reads: head and
 * next indices are range-checked, chains are bounded by the queue size (no loops), every buffer must lie inside one
 * of the shared-memory regions given, and readable descriptors must precede writable ones (2.7.4.2). A violation is
 * reported as a {@link ChainException} naming the field; nothing outside those regions is ever touched.
 *
 * <p>Control path, one thread at a time.
 */
public final class DeviceVirtq {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U16 = LE16.varHandle();

    private final String name;
    private final int size;
    private final List<SharedMemory> memory;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private int lastAvail;
    private int usedIdx;

    /** A rule of the ring broken by the driver. */
    public static final class ChainException extends Exception {
        private static final long serialVersionUID = 1L;

        /** @param message names the queue and the field */
        public ChainException(String message) {
            super(message);
        }
    }

    /**
     * One buffer of a chain, inside a mapped region.
     *
     * @param memory   the buffer's bytes
     * @param writable true if the descriptor is device-writable
     */
    public record Buffer(MemorySegment memory, boolean writable) {
    }

    /**
     * @param name      for messages
     * @param size      queue size
     * @param descAddr  address of the descriptor table
     * @param availAddr address of the available ring
     * @param usedAddr  address of the used ring
     * @param memory    the regions buffers and rings must lie in
     * @throws IllegalArgumentException if a ring lies outside the regions
     */
    public DeviceVirtq(String name, int size, long descAddr, long availAddr, long usedAddr,
                       List<SharedMemory> memory) {
        if (!VirtqDescriptor.validSize(size)) {
            throw new IllegalArgumentException("virtqueue " + name + ": size " + size + " is not a power of two");
        }
        this.name = name;
        this.size = size;
        this.memory = List.copyOf(memory);
        this.desc = resolveOrThrow(descAddr, (long) DESC_SIZE * size, "descriptor table");
        this.avail = resolveOrThrow(availAddr, 6 + 2L * size, "available ring");
        this.used = resolveOrThrow(usedAddr, 6 + 8L * size, "used ring");
        this.lastAvail = (short) U16.getAcquire(avail, (long) AVAIL_IDX) & 0xFFFF;
        this.usedIdx = used.get(LE16, USED_IDX) & 0xFFFF;
    }

    private MemorySegment resolveOrThrow(long addr, long len, String what) {
        MemorySegment m = resolve(addr, len);
        if (m == null) {
            throw new IllegalArgumentException("virtqueue " + name + ": " + what + " at 0x" + Long.toHexString(addr)
                    + " (" + len + " bytes) is outside the shared memory");
        }
        return m;
    }

    /**
     * @param addr a guest-physical address
     * @param len  bytes
     * @return the bytes, if they lie inside one region; otherwise null
     */
    public MemorySegment resolve(long addr, long len) {
        for (SharedMemory m : memory) {
            if (m.contains(addr, len)) {
                return m.segment().asSlice(addr - m.address(), len);
            }
        }
        return null;
    }

    /**
     * @return the head of the next available chain, or -1 if none; advances past it
     * @throws ChainException if avail.idx or the head is out of range
     */
    public int nextAvail() throws ChainException {
        // acquire: the driver's descriptors are visible once avail.idx is
        int idx = (short) U16.getAcquire(avail, (long) AVAIL_IDX) & 0xFFFF;
        if (idx == lastAvail) {
            return -1;
        }
        if (((idx - lastAvail) & 0xFFFF) > size) {
            throw new ChainException("virtqueue " + name + ": avail.idx " + idx + " is more than " + size
                    + " entries ahead of " + lastAvail);
        }
        int head = avail.get(LE16, AVAIL_RING + 2L * (lastAvail % size)) & 0xFFFF;
        lastAvail = (lastAvail + 1) & 0xFFFF;
        if (head >= size) {
            throw new ChainException("virtqueue " + name + ": avail.ring[] head " + head + " out of range [0, "
                    + size + ")");
        }
        return head;
    }

    /**
     * Walks the chain that starts at {@code head}.
     *
     * @param head a head from {@link #nextAvail()}
     * @return its buffers, readable ones first
     * @throws ChainException naming the field the driver got wrong
     */
    public List<Buffer> chain(int head) throws ChainException {
        java.util.ArrayList<Buffer> buffers = new java.util.ArrayList<>();
        int i = head;
        boolean seenWritable = false;
        for (int n = 0; ; n++) {
            if (n >= size) {
                throw new ChainException("virtqueue " + name + ": desc.next loops: chain from " + head
                        + " is longer than the queue (" + size + ")");
            }
            long d = (long) DESC_SIZE * i;
            long addr = desc.get(LE64, d + DESC_ADDR);
            long len = desc.get(LE32, d + DESC_LEN) & 0xFFFF_FFFFL;
            int flags = desc.get(LE16, d + DESC_FLAGS) & 0xFFFF;
            if ((flags & VRING_DESC_F_INDIRECT) != 0) {
                throw new ChainException("virtqueue " + name + ": desc[" + i + "].flags has INDIRECT, not negotiated");
            }
            boolean writable = (flags & VRING_DESC_F_WRITE) != 0;
            if (seenWritable && !writable) {
                throw new ChainException("virtqueue " + name + ": desc[" + i + "].flags: a readable descriptor after "
                        + "a writable one");
            }
            seenWritable |= writable;
            MemorySegment m = resolve(addr, len);
            if (m == null) {
                throw new ChainException("virtqueue " + name + ": desc[" + i + "].addr 0x" + Long.toHexString(addr)
                        + " len " + len + " is outside the shared memory");
            }
            buffers.add(new Buffer(m, writable));
            if ((flags & VRING_DESC_F_NEXT) == 0) {
                return buffers;
            }
            i = desc.get(LE16, d + DESC_NEXT) & 0xFFFF;
            if (i >= size) {
                throw new ChainException("virtqueue " + name + ": desc.next " + i + " out of range [0, " + size + ")");
            }
        }
    }

    /**
     * Returns a chain to the driver.
     *
     * @param head the chain's head
     * @param len  bytes written into its writable buffers
     */
    public void pushUsed(int head, int len) {
        long e = USED_RING + 8L * (usedIdx % size);
        used.set(LE32, e, head);
        used.set(LE32, e + 4, len);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        // release: the used element must be visible to the driver before used.idx
        U16.setRelease(used, (long) USED_IDX, (short) usedIdx);
        // opaque: avail_event (event-idx, 2.7.10) asks to be notified of the very next entry; a driver without
        // event-idx ignores it
        U16.setOpaque(used, USED_RING + 8L * size, (short) lastAvail);
    }
}

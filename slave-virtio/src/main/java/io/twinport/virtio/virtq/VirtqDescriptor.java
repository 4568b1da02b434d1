package io.twinport.virtio.virtq;

/**
 * The memory layout of a split virtqueue (virtio 1.2, section 2.7), in bytes, little-endian: offsets, sizes, flags
 * and the alignment rules. No access code here: {@link Virtq} reads and writes through these numbers.
 *
 * <pre>
 *  queue memory (one per queue, inside a shared-memory region the device maps)
 *  +------------------------------+  0
 *  | descriptor table             |  size x 16: addr u64 | len u32 | flags u16 | next u16      (2.7.5)
 *  +------------------------------+  availOffset(size) = 16 x size
 *  | available ring (driver)      |  flags u16 | idx u16 | ring[size] u16 | used_event u16    (2.7.6)
 *  +------------------------------+  usedOffset(size): rounded up to a cache line
 *  | used ring (device)           |  flags u16 | idx u16 | ring[size] {id u32, len u32} | avail_event u16 (2.7.8)
 *  +------------------------------+  bytes(size): rounded up to a cache line
 * </pre>
 *
 * The spec's minimum alignments are 16 (table), 2 (available ring) and 4 (used ring); the used ring, which only the
 * device writes, starts on its own cache line so that driver and device writes never share one.
 *
 * <p>Flag names follow Linux's {@code virtio_ring.h} ({@code VRING_*}); the 1.x spec text spells them
 * {@code VIRTQ_*} with the same values.
 */
public final class VirtqDescriptor {
    /** Largest queue size: "Queue Size value is always a power of 2. The maximum Queue Size value is 32768" (2.7). */
    public static final int MAX_QUEUE_SIZE = 32768;
    /** Cache line size used to place the used ring and to round the total. */
    public static final int CACHE_LINE = 64;

    // ---- 2.7.5 The Virtqueue Descriptor Table: struct virtq_desc
    /** Bytes per descriptor. */
    public static final int DESC_SIZE = 16;
    /** {@code le64 addr}: guest-physical address of the buffer. */
    public static final int DESC_ADDR = 0;
    /** {@code le32 len}: buffer length. */
    public static final int DESC_LEN = 8;
    /** {@code le16 flags}. */
    public static final int DESC_FLAGS = 12;
    /** {@code le16 next}: the next descriptor of the chain if {@link #VRING_DESC_F_NEXT}. */
    public static final int DESC_NEXT = 14;
    /** This marks a buffer as continuing via the next field (VIRTQ_DESC_F_NEXT). */
    public static final int VRING_DESC_F_NEXT = 1;
    /** This marks a buffer as device write-only, otherwise device read-only (VIRTQ_DESC_F_WRITE). */
    public static final int VRING_DESC_F_WRITE = 2;
    /** The buffer contains a list of buffer descriptors (VIRTQ_DESC_F_INDIRECT); not used by this driver. */
    public static final int VRING_DESC_F_INDIRECT = 4;

    // ---- 2.7.6 The Virtqueue Available Ring: struct virtq_avail
    /** {@code le16 flags}. */
    public static final int AVAIL_FLAGS = 0;
    /** {@code le16 idx}: where the driver puts the next entry (modulo the queue size); free-running. */
    public static final int AVAIL_IDX = 2;
    /** {@code le16 ring[]}: heads of descriptor chains. */
    public static final int AVAIL_RING = 4;
    /** Bytes per available-ring entry. */
    public static final int AVAIL_ELEM_SIZE = 2;
    /** Ask the device not to send used-buffer notifications (VIRTQ_AVAIL_F_NO_INTERRUPT, 2.7.7). */
    public static final int VRING_AVAIL_F_NO_INTERRUPT = 1;

    // ---- 2.7.8 The Virtqueue Used Ring: struct virtq_used
    /** {@code le16 flags}. */
    public static final int USED_FLAGS = 0;
    /** {@code le16 idx}: where the device puts the next entry; free-running. */
    public static final int USED_IDX = 2;
    /** {@code struct virtq_used_elem ring[]}. */
    public static final int USED_RING = 4;
    /** Bytes per used element: {@code le32 id} (head of the chain), {@code le32 len} (bytes written). */
    public static final int USED_ELEM_SIZE = 8;
    /** Offset of {@code id} in a used element. */
    public static final int USED_ELEM_ID = 0;
    /** Offset of {@code len} in a used element. */
    public static final int USED_ELEM_LEN = 4;
    /** The device asks not to be notified of new available buffers (VIRTQ_USED_F_NO_NOTIFY, 2.7.10). */
    public static final int VRING_USED_F_NO_NOTIFY = 1;

    private VirtqDescriptor() {
    }

    /**
     * @param size queue size
     * @return true if size is a power of two in [1, {@value #MAX_QUEUE_SIZE}]
     */
    public static boolean validSize(int size) {
        return size >= 1 && size <= MAX_QUEUE_SIZE && Integer.bitCount(size) == 1;
    }

    /**
     * @param size queue size
     * @return offset of descriptor {@code 0} (the table starts the queue's memory)
     */
    public static long descOffset(int size) {
        return 0;
    }

    /**
     * @param size queue size
     * @return offset of the available ring
     */
    public static long availOffset(int size) {
        return (long) DESC_SIZE * size;
    }

    /**
     * @param size queue size
     * @return offset of {@code used_event} (the available ring's trailing field, with VIRTIO_F_EVENT_IDX)
     */
    public static long usedEventOffset(int size) {
        return availOffset(size) + AVAIL_RING + (long) AVAIL_ELEM_SIZE * size;
    }

    /**
     * @param size queue size
     * @return offset of the used ring: after the available ring ({@code 6 + 2 x size} bytes), on a new cache line
     */
    public static long usedOffset(int size) {
        return align(usedEventOffset(size) + 2, CACHE_LINE);
    }

    /**
     * @param size queue size
     * @return offset of {@code avail_event} (the used ring's trailing field, with VIRTIO_F_EVENT_IDX)
     */
    public static long availEventOffset(int size) {
        return usedOffset(size) + USED_RING + (long) USED_ELEM_SIZE * size;
    }

    /**
     * @param size queue size
     * @return bytes of the whole queue, rounded up to a cache line
     */
    public static long bytes(int size) {
        return align(availEventOffset(size) + 2, CACHE_LINE);
    }

    /**
     * @param value     a byte count
     * @param alignment a power of two
     * @return value rounded up to a multiple of alignment
     */
    public static long align(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    /**
     * The event-index test of 2.7.7.2 and 2.7.10 ({@code vring_need_event}): with VIRTIO_F_EVENT_IDX, notify the
     * other side if its event index lies in {@code [old, neu)} (16-bit wrapping arithmetic).
     *
     * @param event the other side's event index
     * @param neu   the index just published
     * @param old   the index published before it
     * @return true if a notification is due
     */
    public static boolean needEvent(int event, int neu, int old) {
        return ((neu - event - 1) & 0xFFFF) < ((neu - old) & 0xFFFF);
    }
}

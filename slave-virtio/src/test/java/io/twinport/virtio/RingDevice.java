package io.twinport.virtio;

import io.twinport.virtio.virtq.Virtq;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The device side of one split virtqueue, written for the tests from the spec's field offsets (virtio 1.2, 2.7.5,
 * 2.7.6, 2.7.8), independently of the driver's layout class. Like a vhost-user back-end it learns only the three
 * ring addresses and the size (SET_VRING_ADDR, SET_VRING_NUM) and reads guest memory at descriptor addresses.
 * Tests also use it to misbehave: any used element, any used.idx.
 */
@SuppressWarnings("restricted") // reading "guest memory" at raw addresses, as a device does
final class RingDevice {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U16 = LE16.varHandle();

    private final int size;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private int lastAvail;
    private int usedIdx;

    /** One descriptor as the device read it. */
    record Desc(long addr, int len, int flags, int next) {
        boolean writable() {
            return (flags & 2) != 0;
        }

        MemorySegment memory() {
            return MemorySegment.ofAddress(addr).reinterpret(len);
        }
    }

    /** A chain: head index and its descriptors. */
    record Chain(int head, List<Desc> descs) {
        Desc first() {
            return descs.getFirst();
        }
    }

    RingDevice(Virtq vq) {
        this.size = vq.size();
        this.desc = MemorySegment.ofAddress(vq.descAddress()).reinterpret(16L * size);
        this.avail = MemorySegment.ofAddress(vq.availAddress()).reinterpret(6 + 2L * size);
        this.used = MemorySegment.ofAddress(vq.usedAddress()).reinterpret(6 + 8L * size);
    }

    /** @return avail.flags */
    int availFlags() {
        return avail.get(LE16, 0) & 0xFFFF;
    }

    /** @return used_event (2.7.6, after ring[size]) */
    int usedEvent() {
        return avail.get(LE16, 4 + 2L * size) & 0xFFFF;
    }

    /** @param on sets or clears VRING_USED_F_NO_NOTIFY */
    void noNotify(boolean on) {
        used.set(LE16, 0, (short) (on ? 1 : 0));
    }

    /** @param idx writes avail_event (2.7.8, after ring[size]) */
    void availEvent(int idx) {
        used.set(LE16, 4 + 8L * size, (short) idx);
    }

    /** @return chains made available since the last call (acquire on avail.idx) */
    List<Chain> popAvail() {
        int idx = (short) U16.getAcquire(avail, 2L) & 0xFFFF;
        List<Chain> chains = new ArrayList<>();
        while (lastAvail != idx) {
            int head = avail.get(LE16, 4 + 2L * (lastAvail % size)) & 0xFFFF;
            List<Desc> descs = new ArrayList<>();
            int i = head;
            while (true) {
                long d = 16L * i;
                Desc x = new Desc(desc.get(LE64, d), desc.get(LE32, d + 8), desc.get(LE16, d + 12) & 0xFFFF,
                        desc.get(LE16, d + 14) & 0xFFFF);
                descs.add(x);
                if ((x.flags() & 1) == 0) {
                    break;
                }
                i = x.next();
            }
            chains.add(new Chain(head, descs));
            lastAvail = (lastAvail + 1) & 0xFFFF;
        }
        return chains;
    }

    private final List<Chain> kept = new ArrayList<>();

    /** @return chains kept from earlier pops, then the newly available ones */
    List<Chain> pendingOrPop() {
        List<Chain> all = new ArrayList<>(kept);
        kept.clear();
        all.addAll(popAvail());
        return all;
    }

    /** @param chains chains to hand out again on the next {@link #pendingOrPop()} */
    void keep(List<Chain> chains) {
        kept.addAll(chains);
    }

    /** @return avail.idx as published */
    int availIdx() {
        return (short) U16.getAcquire(avail, 2L) & 0xFFFF;
    }

    /** Writes a used element at used.idx without publishing it. */
    void putUsed(int slot, long id, long len) {
        long e = 4 + 8L * (slot % size);
        used.set(LE32, e, (int) id);
        used.set(LE32, e + 4, (int) len);
    }

    /** Writes one used element and publishes it (release on used.idx). */
    void pushUsed(long id, long len) {
        putUsed(usedIdx, id, len);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        U16.setRelease(used, 2L, (short) usedIdx);
    }

    /** Publishes used.idx as given (a device that lies about it). */
    void publishUsedIdx(int idx) {
        usedIdx = idx & 0xFFFF;
        U16.setRelease(used, 2L, (short) usedIdx);
    }

    /**
     * Receives a frame into a chain like a virtio-net device: 12-byte header (num_buffers given), then the frame.
     *
     * @return bytes written, header included (the used len)
     */
    static int writeFrame(Chain c, byte[] frame, int numBuffers) {
        MemorySegment m = c.first().memory();
        m.asSlice(0, 12).fill((byte) 0);
        m.set(LE16, 10, (short) numBuffers);
        MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, 12, frame.length);
        return 12 + frame.length;
    }
}

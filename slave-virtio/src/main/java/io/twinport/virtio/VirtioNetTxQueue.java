package io.twinport.virtio;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;
import io.twinport.virtio.virtq.Virtq;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A virtio-net transmit queue (virtio 1.2, 5.1.6.2 "Packet Transmission") over one {@link Virtq}.
 *
 * <p>Each frame goes out as one device-readable descriptor covering a zeroed 12-byte header written into the
 * packet's headroom and the frame right after it (VERSION_1 implies any descriptor layout): no copy. Transmitted
 * packets are freed when the device returns them (TX reclaim, in batches when fewer than a quarter of the
 * descriptors, or fewer than the burst, are free). A packet whose memory
 * the device cannot see (from another pool) or without room for the header is copied into a buffer of this port's
 * pool first, counted in {@link #copied()}.
 *
 * <p>Queue thread only, except the counters' getters. No allocation, no exception on the data path.
 */
public final class VirtioNetTxQueue {
    private static final ValueLayout.OfLong LONG_UNALIGNED = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT_UNALIGNED = ValueLayout.JAVA_INT_UNALIGNED;
    private static final VarHandle COPIED;

    static {
        try {
            COPIED = MethodHandles.lookup().findVarHandle(VirtioNetTxQueue.class, "copied", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Virtq vq;
    private final PacketPool pool;
    private final Packet[] done;
    private final int reclaimBelow;
    @SuppressWarnings("unused") // accessed through COPIED
    private long copied;

    /**
     * @param vq   the transmit virtqueue
     * @param pool the pool whose memory the device maps; other packets are copied into it
     */
    public VirtioNetTxQueue(Virtq vq, PacketPool pool) {
        this.vq = vq;
        this.pool = pool;
        this.done = new Packet[vq.size()];
        this.reclaimBelow = Math.max(1, vq.size() / 4);
    }

    /** @return the virtqueue */
    public Virtq virtq() {
        return vq;
    }

    /**
     * Frees the packets the device has finished with.
     *
     * @return packets freed
     */
    public int reclaim() {
        int ready = vq.pollUsed();
        int k = 0;
        while (ready-- > 0) {
            Packet p = vq.takeUsed();
            if (p == null) {
                if (vq.failed()) {
                    break;
                }
                continue;
            }
            if (p.pool() == pool) {
                done[k++] = p;
            } else {
                p.free();
            }
        }
        if (k > 0) {
            pool.freeBulk(done, 0, k);
        }
        return k;
    }

    /**
     * Takes up to {@code count} frames from {@code pkts[offset..]}: as many as the ring has room for.
     *
     * @param pkts     the frames
     * @param offset   first slot
     * @param count    how many are offered
     * @param counters this queue's counters
     * @return how many were taken (the caller keeps the rest); 0 once the device broke the ring
     */
    public int transmit(Packet[] pkts, int offset, int count, QueueCounters counters) {
        int room = vq.numFree();
        if (room < count || room < reclaimBelow) {
            // reclaim in batches, when the ring runs low: used.idx sits on a line the device keeps writing, so
            // every look at it is a cache miss (DPDK's tx_free_thresh is the same idea)
            reclaim();
            room = vq.numFree();
        }
        int i = 0;
        int sent = 0;
        long bytes = 0;
        long errors = 0;
        while (i < count && room > 0) {
            Packet p = pkts[offset + i];
            if (p.pool() != pool || p.dataOffset() < VirtioNetHdrDescriptor.SIZE) {
                if (p.length() > pool.bufferSize() - pool.headroom()) {
                    p.free(); // no buffer of this pool can hold it: taken and dropped, visibly
                    errors++;
                    i++;
                    continue;
                }
                Packet copy = copyIntoPool(p);
                if (copy == null) {
                    break; // the pool is dry: the caller keeps this one and the rest
                }
                p.free();
                p = copy;
            }
            int len = p.length();
            int hdr = p.dataOffset() - VirtioNetHdrDescriptor.SIZE;
            MemorySegment buf = p.buffer();
            // A zero header: flags, gso_type, hdr_len, gso_size, csum_start (8 bytes), csum_offset, num_buffers (4).
            // Written only if not zero already: the line was last read by the device on another core, and a read
            // that hits our shared copy is far cheaper than a store that must take the line back (DPDK's
            // virtqueue_clear_net_hdr does the same)
            if (buf.get(LONG_UNALIGNED, hdr) != 0L) {
                buf.set(LONG_UNALIGNED, hdr, 0L);
            }
            if (buf.get(INT_UNALIGNED, hdr + 8) != 0) {
                buf.set(INT_UNALIGNED, hdr + 8, 0);
            }
            vq.add(p, p.dataAddress() - VirtioNetHdrDescriptor.SIZE, len + VirtioNetHdrDescriptor.SIZE, false);
            room--;
            sent++;
            bytes += len;
            i++;
        }
        if (sent > 0) {
            vq.publish();
            counters.addPackets(sent, bytes);
        }
        if (errors > 0) {
            counters.addErrors(errors);
        }
        return i;
    }

    private Packet copyIntoPool(Packet p) {
        Packet c = pool.alloc();
        if (c == null) {
            return null;
        }
        int len = p.length();
        c.length(len); // fits: the caller checked len against the pool's buffers
        MemorySegment.copy(p.buffer(), p.dataOffset(), c.buffer(), c.dataOffset(), len);
        COPIED.setOpaque(this, copied + 1);
        return c;
    }

    /** @return frames copied into this port's pool before transmission (opaque read) */
    public long copied() {
        return (long) COPIED.getOpaque(this);
    }

    /**
     * Frees every packet the device still holds (sent or not); control path, device stopped, data path idle.
     *
     * @return packets freed
     */
    public int releaseAll() {
        reclaim();
        return vq.reclaimAll(Packet::free);
    }
}

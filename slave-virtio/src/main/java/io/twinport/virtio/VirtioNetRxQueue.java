package io.twinport.virtio;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;
import io.twinport.virtio.virtq.Virtq;
import io.twinport.virtio.virtq.VirtqFault;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A virtio-net receive queue (virtio 1.2, 5.1.6.3 "Setting Up Receive Buffers", 5.1.6.4 "Processing of Incoming
 * Packets") over one {@link Virtq}: keeps it filled with empty pool buffers and turns used buffers into packets.
 *
 * <p>Each buffer is one device-writable descriptor that starts {@link VirtioNetHdrDescriptor#SIZE} bytes before the
 * packet's default data offset, so the header lands in the headroom and the frame exactly where a fresh packet's
 * data starts: no copy. A frame that the device spread over several buffers (VIRTIO_NET_F_MRG_RXBUF with
 * {@code num_buffers > 1}, only for frames larger than one buffer) cannot be one {@link Packet}: its buffers are
 * freed and counted in {@link #mergedDropped()} and the queue's errors.
 *
 * <p>Queue thread only, except the counters' getters. No allocation, no exception on the data path.
 */
public final class VirtioNetRxQueue {
    private static final ValueLayout.OfShort LE16_UNALIGNED =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle MERGED_DROPPED;
    private static final VarHandle EMPTY_DROPPED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            MERGED_DROPPED = l.findVarHandle(VirtioNetRxQueue.class, "mergedDropped", long.class);
            EMPTY_DROPPED = l.findVarHandle(VirtioNetRxQueue.class, "emptyDropped", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Virtq vq;
    private final PacketPool pool;
    private final int portId;
    private final int queueId;
    private final boolean mergeable;
    private final int headroom;
    private final int bufferLen;
    private final int refillThreshold;
    private final Packet[] scratch;
    private int dropRemaining; // buffers still to drop of a frame merged over several buffers
    @SuppressWarnings("unused") // accessed through MERGED_DROPPED
    private long mergedDropped;
    @SuppressWarnings("unused") // accessed through EMPTY_DROPPED
    private long emptyDropped;

    /**
     * @param vq        the receive virtqueue
     * @param pool      where receive buffers come from (its memory must be mapped by the device)
     * @param portId    the id received packets carry
     * @param queueId   the RX queue number received packets carry
     * @param mergeable true if VIRTIO_NET_F_MRG_RXBUF was negotiated
     */
    public VirtioNetRxQueue(Virtq vq, PacketPool pool, int portId, int queueId, boolean mergeable) {
        if (pool.headroom() < VirtioNetHdrDescriptor.SIZE) {
            throw new IllegalArgumentException("pool " + pool.name() + ": headroom " + pool.headroom()
                    + " must hold the " + VirtioNetHdrDescriptor.SIZE + "-byte virtio-net header");
        }
        this.vq = vq;
        this.pool = pool;
        this.portId = portId;
        this.queueId = queueId;
        this.mergeable = mergeable;
        this.headroom = pool.headroom();
        this.bufferLen = pool.bufferSize() - headroom + VirtioNetHdrDescriptor.SIZE;
        this.refillThreshold = Math.max(1, Math.min(32, vq.size() / 4));
        this.scratch = new Packet[vq.size()];
    }

    /** @return the virtqueue */
    public Virtq virtq() {
        return vq;
    }

    /** @return bytes each receive buffer offers the device: header plus the largest frame */
    public int bufferLen() {
        return bufferLen;
    }

    /**
     * Fills every free descriptor with an empty buffer and publishes them.
     *
     * @param counters where a pool that ran dry is counted ({@code noBuffer})
     * @return buffers added
     */
    public int refill(QueueCounters counters) {
        int want = vq.numFree();
        if (want == 0) {
            return 0;
        }
        int got = pool.allocBulk(scratch, 0, want);
        for (int i = 0; i < got; i++) {
            Packet p = scratch[i];
            vq.add(p, p.bufferAddress() + headroom - VirtioNetHdrDescriptor.SIZE, bufferLen, true);
            scratch[i] = null;
        }
        if (got < want) {
            counters.addNoBuffer(want - got);
        }
        vq.publish();
        return got;
    }

    /**
     * Receives up to {@code max} frames into {@code pkts[offset..]}, then refills the ring if enough descriptors
     * are free.
     *
     * @param pkts     destination
     * @param offset   first slot
     * @param max      most frames
     * @param counters this queue's counters
     * @return frames received; 0 once the device broke the ring ({@link Virtq#failed()})
     */
    public int receive(Packet[] pkts, int offset, int max, QueueCounters counters) {
        int ready = vq.pollUsed();
        int n = 0;
        long bytes = 0;
        long errors = 0;
        while (ready > 0 && n < max) {
            Packet p = vq.takeUsed();
            ready--;
            if (p == null) {
                break; // the device broke the ring: failed() is set
            }
            int len = vq.usedLen();
            if (len < VirtioNetHdrDescriptor.SIZE) {
                p.free();
                vq.fail(VirtqFault.USED_LEN_SHORT, len, VirtioNetHdrDescriptor.SIZE);
                break;
            }
            if (dropRemaining > 0) {
                dropRemaining--;
                p.free();
                continue;
            }
            if (mergeable) {
                int numBuffers = p.buffer().get(LE16_UNALIGNED,
                        headroom - VirtioNetHdrDescriptor.SIZE + VirtioNetHdrDescriptor.NUM_BUFFERS) & 0xFFFF;
                if (numBuffers != 1) {
                    p.free();
                    if (numBuffers == 0 || numBuffers > vq.size()) {
                        vq.fail(VirtqFault.NUM_BUFFERS, numBuffers, vq.size());
                        break;
                    }
                    dropRemaining = numBuffers - 1;
                    errors++;
                    MERGED_DROPPED.setOpaque(this, mergedDropped + 1);
                    continue;
                }
            }
            int frame = len - VirtioNetHdrDescriptor.SIZE;
            if (frame == 0) {
                p.free();
                errors++;
                EMPTY_DROPPED.setOpaque(this, emptyDropped + 1);
                continue;
            }
            p.setData(headroom, frame); // cannot throw: len <= bufferLen was checked by takeUsed
            p.port(portId);
            p.queue(queueId);
            bytes += frame;
            pkts[offset + n++] = p;
        }
        if (n > 0) {
            counters.addPackets(n, bytes);
        }
        if (errors > 0) {
            counters.addErrors(errors);
        }
        if (vq.numFree() >= refillThreshold) {
            refill(counters);
        }
        return n;
    }

    /** @return frames dropped because the device merged them over several buffers (opaque read) */
    public long mergedDropped() {
        return (long) MERGED_DROPPED.getOpaque(this);
    }

    /** @return empty frames (a header and nothing else) dropped (opaque read) */
    public long emptyDropped() {
        return (long) EMPTY_DROPPED.getOpaque(this);
    }

    /**
     * Frees every buffer the device holds; control path, device stopped, data path idle.
     *
     * @return buffers freed
     */
    public int releaseAll() {
        dropRemaining = 0;
        return vq.reclaimAll(Packet::free);
    }
}

package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.twinport.vf.PacketRingDescriptor.*;

/**
 * A TPACKET_V3 RX ring: the kernel fills whole blocks and hands each over by setting its status to
 * {@code TP_STATUS_USER} (when it is full, or {@code blocktov} after its first frame); {@link #receive} copies
 * frames out of the current block and gives the block back ({@code TP_STATUS_KERNEL}) once every frame in it has been
 * copied. A burst may stop in the middle of a block; the cursor stays for the next one.
 */
final class RxRingV3 extends RxRing {
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();

    private final int blockSize;
    private final int blockCount;
    // cursor: the queue thread's only
    private int block;
    private int remaining;
    private long next;

    RxRingV3(int fd, long mapAddress, long mapSize, int blockSize, int blockCount, Arena arena) {
        super(fd, mapAddress, mapSize, arena);
        this.blockSize = blockSize;
        this.blockCount = blockCount;
    }

    @Override
    int receive(Packet[] pkts, int offset, int max, PacketPool pool, int portId, int queue, QueueCounters counters) {
        int n = 0;
        long bytes = 0;
        int errors = 0;
        boolean losing = false;
        while (n < max) {
            if (remaining == 0) {
                long b = (long) block * blockSize;
                // acquire: the kernel writes the block's frames, then (smp_wmb) its status: see them before reading
                int status = (int) STATUS.getAcquire(ring, b + BLOCK_STATUS_OFFSET);
                if ((status & TP_STATUS_USER) == 0) {
                    break;
                }
                remaining = ring.get(INT, b + BLOCK_NUM_PKTS_OFFSET);
                next = b + Integer.toUnsignedLong(ring.get(INT, b + BLOCK_FIRST_PKT_OFFSET));
                if (remaining == 0) {
                    releaseBlock();
                    continue;
                }
            }
            int want = Math.min(max - n, remaining);
            int got = pool.allocBulk(pkts, offset + n, want);
            if (got < want) {
                counters.addNoBuffer(want - got);
            }
            int filled = 0;
            while (filled < got && remaining > 0) {
                long h = next;
                int snaplen = ring.get(INT, h + V3_SNAPLEN);
                int len = ring.get(INT, h + V3_LEN);
                int status = ring.get(INT, h + V3_STATUS);
                long mac = h + Short.toUnsignedInt(ring.get(SHORT, h + V3_MAC));
                next = h + Integer.toUnsignedLong(ring.get(INT, h + V3_NEXT_OFFSET));
                remaining--;
                losing |= (status & TP_STATUS_LOSING) != 0;
                Packet p = pkts[offset + n + filled];
                boolean tagged = (status & TP_STATUS_VLAN_VALID) != 0;
                short tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? ring.get(SHORT, h + V3_VLAN_TPID) : 0;
                int out = snaplen == len ? copyOut(mac, snaplen, tagged, tpid, (short) ring.get(INT, h + V3_VLAN_TCI),
                        p) : -1;
                if (out < 0) {
                    errors++; // truncated by the kernel, runt, or larger than a pool buffer: dropped
                    continue;
                }
                p.port(portId);
                p.queue(queue);
                bytes += out;
                filled++;
            }
            if (filled < got) {
                pool.freeBulk(pkts, offset + n + filled, got - filled);
                for (int i = offset + n + filled; i < offset + n + got; i++) {
                    pkts[i] = null;
                }
            }
            n += filled;
            if (remaining == 0) {
                releaseBlock();
            }
            if (got < want) {
                break; // the pool is dry
            }
        }
        if (n > 0) {
            counters.addPackets(n, bytes);
        }
        if (errors > 0) {
            counters.addErrors(errors);
        }
        if (losing) {
            counters.addMissed(readDrops());
        }
        return n;
    }

    private void releaseBlock() {
        // release: our reads of the block's frames happen before the kernel may refill it
        STATUS.setRelease(ring, (long) block * blockSize + BLOCK_STATUS_OFFSET, TP_STATUS_KERNEL);
        if (++block == blockCount) {
            block = 0;
        }
    }

    @Override
    boolean ready() {
        return remaining > 0 || ((int) STATUS.getAcquire(ring, (long) block * blockSize + BLOCK_STATUS_OFFSET)
                & TP_STATUS_USER) != 0;
    }
}

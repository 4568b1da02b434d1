package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;
import io.twinport.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.twinport.vf.PacketRingDescriptor.*;

/**
 * One RX queue: an AF_PACKET socket bound to the netdev with a TPACKET_V3 ring mmap'ed into the process. The
 * kernel fills whole blocks and hands each over by setting its status to {@code TP_STATUS_USER}; {@link #receive}
 * copies frames out of the current block into pool packets and gives the block back ({@code TP_STATUS_KERNEL}) once
 * every frame in it has been copied. A burst may stop in the middle of a block; the cursor stays for the next one.
 *
 * <p>Everything here is allocated when the queue is opened (port start); {@link #receive} allocates nothing and
 * never throws. The cursor fields are the queue thread's only.
 */
final class RxRing {
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    private static final short ETH_P_8021Q = (short) 0x8100;

    final int fd;
    private final long mapAddress;
    private final long mapSize;
    private final MemorySegment ring;
    private final int blockSize;
    private final int blockCount;
    // allocated once per queue: the data path's syscalls (statistics read, idle poll) use these
    private final MemorySegment stats;
    private final MemorySegment statsLen;
    final MemorySegment pollfd;

    // cursor: written and read by the queue's thread only
    private int block;
    private int remaining;
    private long next;

    private RxRing(int fd, long mapAddress, long mapSize, int blockSize, int blockCount, Arena arena) {
        this.fd = fd;
        this.mapAddress = mapAddress;
        this.mapSize = mapSize;
        this.ring = Libc.segmentAt(mapAddress, mapSize);
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.stats = arena.allocate(TPACKET_STATS_V3_SIZE, 4);
        this.statsLen = arena.allocate(INT);
        this.pollfd = arena.allocate(POLLFD_SIZE, 4);
        pollfd.set(INT, 0, fd);
        pollfd.set(SHORT, 4, POLLIN);
    }

    /**
     * Opens an RX socket on a netdev: TPACKET_V3, outgoing frames ignored, the ring mapped, bound to
     * {@code ETH_P_ALL} on the ifindex.
     *
     * @param ifindex   the netdev
     * @param frames    frames the ring should hold at {@code options.frameSize()} each
     * @param options   ring geometry
     * @param arena     where per-queue segments are allocated (closed when the queue is closed)
     * @return the queue
     */
    static RxRing open(int ifindex, int frames, AfPacketOptions options, Arena arena) {
        int blockSize = options.blockSize();
        long bytes = (long) frames * options.frameSize();
        int blockCount = (int) Math.max(2, (bytes + blockSize - 1) / blockSize);
        int framesPerBlock = blockSize / options.frameSize();
        int fd = LinuxNet.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        long addr = 0;
        long size = (long) blockSize * blockCount;
        try {
            LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION");
            LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment req = tmp.allocate(TPACKET_REQ3_SIZE, 4);
                req.set(INT, 0, blockSize);
                req.set(INT, 4, blockCount);
                req.set(INT, 8, options.frameSize());
                req.set(INT, 12, blockCount * framesPerBlock);
                req.set(INT, 16, options.blockTimeoutMs());
                LinuxNet.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, "setsockopt(fd=" + fd
                        + ", PACKET_RX_RING, V3 block_size=" + blockSize + " block_nr=" + blockCount
                        + " frame_size=" + options.frameSize() + " retire_blk_tov=" + options.blockTimeoutMs() + ")");
            }
            addr = Libc.mmapShared(fd, size, 0);
            bind(fd, ifindex, ETH_P_ALL_BE);
            return new RxRing(fd, addr, size, blockSize, blockCount, arena);
        } catch (RuntimeException e) {
            if (addr != 0) {
                Libc.munmap(addr, size);
            }
            LinuxNet.closeQuietly(fd);
            throw e;
        }
    }

    static void bind(int fd, int ifindex, short protocolBe) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment sll = tmp.allocate(SOCKADDR_LL_SIZE, 4);
            sll.set(SHORT, 0, (short) AF_PACKET);
            sll.set(SHORT, 2, protocolBe);
            sll.set(INT, 4, ifindex);
            LinuxNet.bind(fd, sll, "bind(fd=" + fd + ", AF_PACKET, protocol=0x"
                    + Integer.toHexString(Short.toUnsignedInt(Short.reverseBytes(protocolBe))) + ", ifindex="
                    + ifindex + ")");
        }
    }

    /**
     * Joins this socket to a fanout group.
     *
     * @param id   the group id, or -1 to have the kernel pick an unused one
     * @param mode {@code PACKET_FANOUT_*}
     * @return the group id
     */
    int joinFanout(int id, int mode) {
        int arg = id < 0 ? (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16 : (id & 0xFFFF) | (mode << 16);
        LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_FANOUT, arg, "PACKET_FANOUT");
        return LinuxNet.getsockoptInt(fd, SOL_PACKET, PACKET_FANOUT, "PACKET_FANOUT") & 0xFFFF;
    }

    /**
     * Adds a receive membership ({@code PACKET_ADD_MEMBERSHIP}); the kernel undoes it when the socket closes.
     *
     * @param ifindex the netdev
     * @param type    {@code PACKET_MR_PROMISC}, {@code PACKET_MR_ALLMULTI} or {@code PACKET_MR_MULTICAST}
     * @param address the group address for {@code PACKET_MR_MULTICAST}, else null
     */
    void addMembership(int ifindex, short type, byte[] address) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment mreq = tmp.allocate(PACKET_MREQ_SIZE, 4);
            mreq.set(INT, 0, ifindex);
            mreq.set(SHORT, 4, type);
            if (address != null) {
                mreq.set(SHORT, 6, (short) address.length);
                MemorySegment.copy(address, 0, mreq, ValueLayout.JAVA_BYTE, 8, address.length);
            }
            LinuxNet.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, "setsockopt(fd=" + fd
                    + ", PACKET_ADD_MEMBERSHIP, ifindex=" + ifindex + ", type=" + type + ")");
        }
    }

    /**
     * Copies up to {@code max} frames into packets from {@code pool}. Frames the kernel truncated (longer than a
     * block can hold) or that do not fit a pool buffer are dropped and counted as errors; when the pool runs dry
     * the frames stay in the ring for the next burst (counted as no-buffer).
     *
     * @return frames received
     */
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
                int out = tagged ? snaplen + 4 : snaplen;
                if (snaplen != len || snaplen < 14 || out > p.bufferSize() - p.dataOffset()) {
                    errors++; // truncated by the kernel, runt, or larger than a pool buffer: dropped
                    continue;
                }
                MemorySegment buf = p.buffer();
                long d = p.dataOffset();
                if (tagged) {
                    // the device stripped an 802.1Q tag into tp_vlan_tci: put it back where it was
                    short tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? ring.get(SHORT, h + V3_VLAN_TPID)
                            : ETH_P_8021Q;
                    short tci = (short) ring.get(INT, h + V3_VLAN_TCI);
                    MemorySegment.copy(ring, mac, buf, d, 12);
                    buf.set(SHORT, d + 12, Short.reverseBytes(tpid));
                    buf.set(SHORT, d + 14, Short.reverseBytes(tci));
                    MemorySegment.copy(ring, mac + 12, buf, d + 16, snaplen - 12);
                } else {
                    MemorySegment.copy(ring, mac, buf, d, snaplen);
                }
                p.setData(p.dataOffset(), out);
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

    /**
     * Reads (and so resets) the kernel's drop counter for this socket. Data path, rare: only when a frame carried
     * {@code TP_STATUS_LOSING}; uses the segments allocated with the queue.
     *
     * @return frames the kernel dropped since the last read, 0 if the read failed
     */
    long readDrops() {
        try {
            statsLen.set(INT, 0, TPACKET_STATS_V3_SIZE);
            int rc = (int) LinuxNet.GETSOCKOPT_NO_ERRNO.invokeExact(fd, SOL_PACKET, PACKET_STATISTICS, stats,
                    statsLen);
            return rc == 0 ? Integer.toUnsignedLong(stats.get(INT, 4)) : 0;
        } catch (Throwable t) {
            return 0;
        }
    }

    /**
     * Waits up to {@code timeoutMs} for a block to be ready or an error ({@code poll(2)} on the socket). Called by
     * the queue's idle strategy on the queue's thread.
     *
     * @param timeoutMs longest wait
     */
    void await(int timeoutMs) {
        try {
            pollfd.set(SHORT, 6, (short) 0);
            int rc = (int) LinuxNet.POLL_NO_ERRNO.invokeExact(pollfd, 1L, timeoutMs);
            if (rc < 0) {
                Thread.onSpinWait();
            }
        } catch (Throwable t) {
            Thread.onSpinWait();
        }
    }

    /** @return true if the next block is ready for user space (a cheap check for the idle strategy) */
    boolean ready() {
        return remaining > 0 || ((int) STATUS.getAcquire(ring, (long) block * blockSize + BLOCK_STATUS_OFFSET)
                & TP_STATUS_USER) != 0;
    }

    /**
     * Unmaps the ring and closes the socket. Control path, when no thread polls the queue any more.
     *
     * @return the first failure, or null
     */
    RuntimeException close() {
        RuntimeException failure = null;
        try {
            Libc.munmap(mapAddress, mapSize);
        } catch (RuntimeException e) {
            failure = e;
        }
        RuntimeException c = LinuxNet.closeQuietly(fd);
        return failure != null ? failure : c;
    }
}

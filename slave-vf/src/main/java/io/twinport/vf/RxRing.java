package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;
import io.twinport.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.twinport.vf.PacketRingDescriptor.*;

/**
 * One RX queue: an AF_PACKET socket bound to the netdev with an RX ring mmap'ed into the process, in
 * {@link RxRingV3 TPACKET_V3} (blocks, the default) or {@link RxRingV2 TPACKET_V2} (one frame at a time). What both
 * share is here: the socket, the mapping, fanout, memberships, the kernel's drop counter and the idle wait.
 *
 * <p>Everything is allocated when the queue is opened (port start); {@link #receive} allocates nothing and never
 * throws. The ring cursor is the queue thread's only.
 */
abstract class RxRing {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    static final short ETH_P_8021Q = (short) 0x8100;

    final int fd;
    final MemorySegment ring;
    private final long mapAddress;
    private final long mapSize;
    // allocated once per queue: the data path's syscalls (statistics read, idle poll) use these
    private final MemorySegment stats;
    private final MemorySegment statsLen;
    private final MemorySegment pollfd;

    RxRing(int fd, long mapAddress, long mapSize, Arena arena) {
        this.fd = fd;
        this.mapAddress = mapAddress;
        this.mapSize = mapSize;
        this.ring = Libc.segmentAt(mapAddress, mapSize);
        this.stats = arena.allocate(TPACKET_STATS_V3_SIZE, 4);
        this.statsLen = arena.allocate(INT);
        this.pollfd = arena.allocate(POLLFD_SIZE, 4);
        pollfd.set(INT, 0, fd);
        pollfd.set(SHORT, 4, POLLIN);
    }

    /**
     * Opens an RX socket on a netdev: the ring version of {@code options}, outgoing frames ignored, the ring mapped,
     * bound to {@code ETH_P_ALL} on the ifindex.
     *
     * @param ifindex the netdev
     * @param frames  frames of {@code options.frameSize()} the ring should hold
     * @param options ring geometry and version
     * @param arena   where per-queue segments are allocated (closed when the queue is closed)
     * @return the queue
     */
    static RxRing open(int ifindex, int frames, AfPacketOptions options, Arena arena) {
        int blockSize = options.blockSize();
        int framesPerBlock = blockSize / options.frameSize();
        long bytes = (long) frames * options.frameSize();
        boolean v3 = options.rxVersion() == 3;
        int blockCount = (int) Math.max(v3 ? 2 : 1, (bytes + blockSize - 1) / blockSize);
        long size = (long) blockSize * blockCount;
        int fd = LinuxNet.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        long addr = 0;
        try {
            LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, v3 ? TPACKET_V3 : TPACKET_V2, "PACKET_VERSION");
            LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment req = tmp.allocate(TPACKET_REQ3_SIZE, 4);
                req.set(INT, 0, blockSize);
                req.set(INT, 4, blockCount);
                req.set(INT, 8, options.frameSize());
                req.set(INT, 12, blockCount * framesPerBlock);
                if (v3) {
                    req.set(INT, 16, options.blockTimeoutMs());
                }
                MemorySegment arg = v3 ? req : req.asSlice(0, TPACKET_REQ_SIZE);
                LinuxNet.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, arg, "setsockopt(fd=" + fd
                        + ", PACKET_RX_RING, V" + options.rxVersion() + " block_size=" + blockSize + " block_nr="
                        + blockCount + " frame_size=" + options.frameSize()
                        + (v3 ? " retire_blk_tov=" + options.blockTimeoutMs() : "") + ")");
            }
            addr = Libc.mmapShared(fd, size, 0);
            bind(fd, ifindex, ETH_P_ALL_BE);
            return v3 ? new RxRingV3(fd, addr, size, blockSize, blockCount, arena)
                    : new RxRingV2(fd, addr, size, options.frameSize(), blockCount * framesPerBlock, arena);
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
     * @param mode {@code PACKET_FANOUT_*} with flags
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
     * Copies up to {@code max} frames into packets from {@code pool}. Frames the kernel truncated or that do not fit
     * a pool buffer are dropped and counted as errors; when the pool runs dry the frames stay in the ring for the
     * next burst (counted as no-buffer). Queue thread only.
     *
     * @return frames received
     */
    abstract int receive(Packet[] pkts, int offset, int max, PacketPool pool, int portId, int queue,
                         QueueCounters counters);

    /** @return true if a frame is waiting for user space (a cheap check for the idle strategy) */
    abstract boolean ready();

    /**
     * Copies one frame from the ring into a packet, putting back a VLAN tag the device stripped.
     *
     * @param mac     where the frame starts in the ring
     * @param snaplen its length in the ring
     * @param tagged  {@code TP_STATUS_VLAN_VALID}
     * @param tpid    the tag's TPID (0 if not given)
     * @param tci     the tag's TCI
     * @param p       the packet, fresh from the pool
     * @return the frame's length in the packet, or -1 if it does not fit (the packet is left empty)
     */
    final int copyOut(long mac, int snaplen, boolean tagged, short tpid, short tci, Packet p) {
        int out = tagged ? snaplen + 4 : snaplen;
        if (snaplen < 14 || out > p.bufferSize() - p.dataOffset()) {
            return -1;
        }
        MemorySegment buf = p.buffer();
        long d = p.dataOffset();
        if (tagged) {
            MemorySegment.copy(ring, mac, buf, d, 12);
            buf.set(SHORT, d + 12, Short.reverseBytes(tpid != 0 ? tpid : ETH_P_8021Q));
            buf.set(SHORT, d + 14, Short.reverseBytes(tci));
            MemorySegment.copy(ring, mac + 12, buf, d + 16, snaplen - 12);
        } else {
            MemorySegment.copy(ring, mac, buf, d, snaplen);
        }
        p.setData(p.dataOffset(), out);
        return out;
    }

    /**
     * Reads (and so resets) the kernel's drop counter for this socket. Data path, rare: only when a frame carried
     * {@code TP_STATUS_LOSING}; uses the segments allocated with the queue.
     *
     * @return frames the kernel dropped since the last read, 0 if the read failed
     */
    final long readDrops() {
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
     * Waits up to {@code timeoutMs} for a frame or an error ({@code poll(2)} on the socket: the kernel wakes it when
     * it hands over a V3 block or a V2 frame). Called by the queue's idle strategy on the queue's thread.
     *
     * @param timeoutMs longest wait
     */
    final void await(int timeoutMs) {
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

    /**
     * Unmaps the ring and closes the socket. Control path, when no thread polls the queue any more.
     *
     * @return the first failure, or null
     */
    final RuntimeException close() {
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

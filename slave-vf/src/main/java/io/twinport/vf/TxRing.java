package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;
import io.twinport.sys.Errno;
import io.twinport.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.twinport.vf.PacketRingDescriptor.*;

/**
 * One TX queue: its own AF_PACKET socket with a TPACKET_V2 TX ring (fixed-size frames), bound to the netdev with
 * protocol 0 so it receives nothing. {@link #send} copies each packet into the next free frame, marks it
 * {@code TP_STATUS_SEND_REQUEST}, frees the packet, and after the burst makes one {@code sendto(fd, NULL, 0,
 * MSG_DONTWAIT)}: the kernel sends every requested frame in that one call and marks each frame available again
 * when the device is done with it.
 *
 * <p>Allocated when the queue is opened (port start); {@link #send} allocates nothing and never throws.
 */
final class TxRing {
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final int ETH_HLEN = 14;

    final int fd;
    private final long mapAddress;
    private final long mapSize;
    private final MemorySegment ring;
    private final int frameSize;
    private final int frames;
    private final int maxFrame;
    final MemorySegment errno;

    // queue thread only
    private int head;
    private boolean kickPending;
    private int lastErrno;

    private TxRing(int fd, long mapAddress, long mapSize, int frameSize, int frames, Arena arena) {
        this.fd = fd;
        this.mapAddress = mapAddress;
        this.mapSize = mapSize;
        this.ring = Libc.segmentAt(mapAddress, mapSize);
        this.frameSize = frameSize;
        this.frames = frames;
        this.maxFrame = frameSize - TX_DATA_OFFSET;
        this.errno = Libc.newErrnoSegment(arena);
    }

    /**
     * Opens a TX socket on a netdev.
     *
     * @param ifindex the netdev
     * @param frames  frames in the ring (rounded up to whole blocks)
     * @param options geometry and {@code qdisc_bypass}
     * @param arena   where per-queue segments are allocated
     * @return the queue
     */
    static TxRing open(int ifindex, int frames, AfPacketOptions options, Arena arena) {
        int blockSize = options.blockSize();
        int framesPerBlock = blockSize / options.frameSize();
        int blockCount = Math.max(1, (frames + framesPerBlock - 1) / framesPerBlock);
        int frameCount = blockCount * framesPerBlock;
        long size = (long) blockSize * blockCount;
        int fd = LinuxNet.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        long addr = 0;
        try {
            LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION");
            // a malformed frame is discarded instead of stopping the ring at it
            LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS");
            if (options.qdiscBypass()) {
                LinuxNet.setsockoptInt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            }
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment req = tmp.allocate(TPACKET_REQ_SIZE, 4);
                req.set(INT, 0, blockSize);
                req.set(INT, 4, blockCount);
                req.set(INT, 8, options.frameSize());
                req.set(INT, 12, frameCount);
                LinuxNet.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, req, "setsockopt(fd=" + fd
                        + ", PACKET_TX_RING, V2 block_size=" + blockSize + " block_nr=" + blockCount
                        + " frame_size=" + options.frameSize() + " frame_nr=" + frameCount + ")");
            }
            addr = Libc.mmapShared(fd, size, 0);
            RxRing.bind(fd, ifindex, (short) 0);
            return new TxRing(fd, addr, size, options.frameSize(), frameCount, arena);
        } catch (RuntimeException e) {
            if (addr != 0) {
                Libc.munmap(addr, size);
            }
            LinuxNet.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Copies packets into free frames, requests their sending with one kick, and frees them. Stops at the first
     * frame the kernel still owns (the ring is full): the caller keeps the rest. A packet that no frame can hold
     * (longer than {@code framesz - 32}, or shorter than an Ethernet header) is taken, freed and counted as an error.
     *
     * @return packets taken
     */
    int send(Packet[] pkts, int offset, int count, QueueCounters counters) {
        int n = 0;
        int queued = 0;
        int errors = 0;
        long bytes = 0;
        while (n < count) {
            long f = (long) head * frameSize;
            // acquire: the kernel is done with the frame's bytes before it makes the frame available again
            int status = (int) STATUS.getAcquire(ring, f + V2_STATUS);
            if ((status & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) != 0) {
                kickPending |= (status & TP_STATUS_SEND_REQUEST) != 0; // full of unsent frames: kick them
                break;
            }
            Packet p = pkts[offset + n];
            n++;
            int len = p.length();
            if (len > maxFrame || len < ETH_HLEN) {
                errors++;
                continue;
            }
            MemorySegment.copy(p.buffer(), p.dataOffset(), ring, f + TX_DATA_OFFSET, len);
            ring.set(INT, f + V2_LEN, len);
            ring.set(INT, f + V2_SNAPLEN, len);
            // release: the frame's bytes and length are visible before the kernel sees SEND_REQUEST
            STATUS.setRelease(ring, f + V2_STATUS, TP_STATUS_SEND_REQUEST);
            if (++head == frames) {
                head = 0;
            }
            queued++;
            bytes += len;
        }
        if (queued > 0 || kickPending) {
            if (kick()) {
                counters.addPackets(queued, bytes);
            } else {
                errors += queued; // the device is down or gone: these frames were not sent
            }
        }
        if (errors > 0) {
            counters.addErrors(errors);
        }
        if (n > 0) {
            freeRuns(pkts, offset, n);
        }
        return n;
    }

    /** @return false if the kernel refused for good (device down or gone); true if sent or merely deferred */
    private boolean kick() {
        long rc;
        try {
            rc = (long) LinuxNet.SENDTO_NO_ERRNO.invokeExact(fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                    MemorySegment.NULL, 0);
            if (rc < 0) {
                // failed: ask again, capturing errno this time. ENXIO and ENETDOWN repeat; EAGAIN and ENOBUFS
                // repeat or the frames go now, either way the answer is right
                rc = (long) LinuxNet.SENDTO.invokeExact(errno, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                        MemorySegment.NULL, 0);
            }
        } catch (Throwable t) {
            rc = -1;
            errno.fill((byte) 0);
        }
        if (rc >= 0) {
            kickPending = false;
            return true;
        }
        int e = Libc.errno(errno);
        lastErrno = e;
        if (e == Errno.EAGAIN || e == Errno.ENOBUFS || e == Errno.EINTR) {
            kickPending = true; // the frames stay requested: the next burst kicks again
            return true;
        }
        kickPending = false;
        return false;
    }

    /** Frees the packets in runs of the same pool: one free-ring operation per run. */
    private static void freeRuns(Packet[] pkts, int offset, int n) {
        int start = offset;
        int end = offset + n;
        PacketPool pool = pkts[start].pool();
        for (int i = start + 1; i < end; i++) {
            PacketPool p = pkts[i].pool();
            if (p != pool) {
                pool.freeBulk(pkts, start, i - start);
                start = i;
                pool = p;
            }
        }
        pool.freeBulk(pkts, start, end - start);
    }

    /** @return the errno of the last kick that failed, 0 if none did (diagnostics; read on the queue's thread) */
    int lastErrno() {
        return lastErrno;
    }

    /** @return frames in the ring */
    int frames() {
        return frames;
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

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
 * MSG_DONTWAIT)} (the kick): the kernel walks the ring from its own head, in order, turning each requested frame
 * into an skb ({@code TP_STATUS_SENDING}) until it meets a frame that is not requested, and marks each frame
 * available again when the skb is freed.
 *
 * <p><b>Deferred kicks.</b> The kernel may stop before the last requested frame: the socket's send buffer is full
 * (the skbs of earlier frames still wait in a qdisc or a backlog), so the kick returns the bytes it did send, or
 * {@code EAGAIN} if it sent nothing; or the device dropped a frame ({@code ENOBUFS}), which the kernel marks requested
 * again. Either way the frames it did not take stay requested, and only another kick sends them. Because the kernel
 * takes frames strictly in order, one status word says whether any are left: that of the last frame this queue
 * requested. After every kick the queue reads it, and while it is still requested every later burst kicks again,
 * even an empty one. {@link #flushStep} does the same for a stopping port until the ring is empty.
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

    // queue thread only (and the stopping thread after the queue thread's last burst)
    private int head;
    private boolean kickPending;
    private int lastErrno;
    // frames a refused kick counted as TX errors that the kernel may still hold as requested (reset when a kick
    // leaves nothing requested), so a stop that abandons them does not count them twice
    private int refusedRequested;
    // kicks after which requested frames were left (read by xstats from any thread: a plain, monotonic long)
    private long deferredKicks;
    // flushStep's progress: frames from index 0 on found neither requested nor in flight (none becomes so again)
    private int flushChecked;
    private boolean flushRefused;

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
                refusedRequested = Math.min(frames, refusedRequested + queued);
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

    /**
     * Kicks the kernel and notes whether it left requested frames, so that the next burst kicks again.
     *
     * @return false if the kernel refused for good (device down or gone); true if it took every requested frame or
     *         deferred some
     */
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
        if (rc < 0) {
            int e = Libc.errno(errno);
            lastErrno = e;
            if (!deferral(e)) {
                kickPending = false; // the next burst with frames tries again; stop counts what is left
                return false;
            }
        }
        // a success may be partial (the send buffer filled up): the kernel returns the bytes of the frames it took
        // and leaves the rest requested, as after EAGAIN or ENOBUFS; the last frame requested tells
        kickPending = lastRequestedStillRequested();
        if (kickPending) {
            deferredKicks++;
        } else {
            refusedRequested = 0;
        }
        return true;
    }

    /** @return true for an errno after which the kernel keeps the frames requested and a later kick may send them */
    private static boolean deferral(int e) {
        return e == Errno.EAGAIN || e == Errno.ENOBUFS || e == Errno.EINTR;
    }

    /**
     * The kernel takes requested frames strictly in ring order, from its head on: if the frame this queue requested
     * last is no longer requested, neither is any frame before it.
     *
     * @return true if the kernel has not taken the last frame requested (acquire: read after the kick returned)
     */
    private boolean lastRequestedStillRequested() {
        long last = (long) (head == 0 ? frames - 1 : head - 1) * frameSize;
        return ((int) STATUS.getAcquire(ring, last + V2_STATUS) & TP_STATUS_SEND_REQUEST) != 0;
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

    /**
     * One round of handing the ring's frames to the kernel before the queue closes: a kick if any frame is still
     * requested, then a look at how far the frames are done. Control path, after the queue thread's last burst;
     * call it until it returns true or a deadline passes.
     *
     * @return true when no frame is requested or in flight ({@code TP_STATUS_SENDING}: the skb is not freed yet),
     *         or when the kernel refused the kick for good (see {@link #flushRefused()}; {@link #lastErrno()} says
     *         why)
     */
    boolean flushStep() {
        if (flushRefused) {
            return true;
        }
        if (lastRequestedStillRequested()) {
            long rc;
            try {
                rc = (long) LinuxNet.SENDTO.invokeExact(errno, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                        MemorySegment.NULL, 0);
            } catch (Throwable t) {
                rc = -1;
                errno.fill((byte) 0);
            }
            if (rc < 0) {
                int e = Libc.errno(errno);
                lastErrno = e;
                if (!deferral(e)) {
                    flushRefused = true;
                    return true;
                }
            }
        }
        // frames done stay done (nobody requests new ones now): resume where the last round stopped
        while (flushChecked < frames) {
            int status = (int) STATUS.getAcquire(ring, (long) flushChecked * frameSize + V2_STATUS);
            if ((status & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING)) != 0) {
                return false;
            }
            flushChecked++;
        }
        return true;
    }

    /** @return true if the kernel refused a {@link #flushStep} kick for good (device down or gone) */
    boolean flushRefused() {
        return flushRefused;
    }

    /**
     * @param mask {@code TP_STATUS_SEND_REQUEST} or {@code TP_STATUS_SENDING}
     * @return frames whose status has that bit (control path: reads every frame's status)
     */
    int count(int mask) {
        int n = 0;
        for (int i = 0; i < frames; i++) {
            if (((int) STATUS.getAcquire(ring, (long) i * frameSize + V2_STATUS) & mask) != 0) {
                n++;
            }
        }
        return n;
    }

    /** @return frames a refused kick counted as TX errors that may still be requested (see {@link #send}) */
    int refusedRequested() {
        return refusedRequested;
    }

    /** @return kicks after which the kernel left requested frames for a later kick (any thread; monotonic) */
    long deferredKicks() {
        return deferredKicks;
    }

    /**
     * @return the errno of the last kick that failed, 0 if none did (diagnostics; read on the queue's thread, or on
     *         the stopping thread after the last burst)
     */
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

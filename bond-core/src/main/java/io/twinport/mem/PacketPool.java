package io.twinport.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A pool of fixed-size packet buffers carved from one {@link SharedMemory} region (a memfd), DPDK's mempool in
 * Java. Buffers are allocated and freed in bursts through a lock-free multi-producer multi-consumer ring (one CAS
 * per burst), and every {@link Packet} object is created up front: the data path allocates nothing.
 *
 * <p>Misuse never corrupts the pool: a second free of the same buffer is refused and counted
 * ({@link #doubleFrees()}); a packet of another pool given to {@link #free} is counted ({@link #foreignFrees()}) and
 * returned to the pool it belongs to, so it is not lost either.
 *
 * <p>Buffer layout: buffer {@code i} starts at {@code memory().address() + i * bufferSize}; the frame starts
 * {@code headroom} bytes in. Buffer sizes are rounded up to a multiple of 64 bytes (a cache line).
 */
public final class PacketPool implements AutoCloseable {
    /** Default buffer size: a 1500-byte MTU frame, the virtio-net header and the headroom fit. */
    public static final int DEFAULT_BUFFER_SIZE = 2048;
    /** Default headroom before the frame (room for a virtio-net header and tunnel headers). */
    public static final int DEFAULT_HEADROOM = 128;

    private static final VarHandle ALLOC_FAILURES;
    private static final VarHandle DOUBLE_FREES;
    private static final VarHandle FOREIGN_FREES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ALLOC_FAILURES = l.findVarHandle(PacketPool.class, "allocFailures", long.class);
            DOUBLE_FREES = l.findVarHandle(PacketPool.class, "doubleFrees", long.class);
            FOREIGN_FREES = l.findVarHandle(PacketPool.class, "foreignFrees", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final SharedMemory memory;
    private final int bufferSize;
    private final int headroom;
    private final Packet[] packets;
    private final PacketRing free;
    @SuppressWarnings("unused") // accessed through ALLOC_FAILURES
    private volatile long allocFailures;
    @SuppressWarnings("unused") // accessed through DOUBLE_FREES
    private volatile long doubleFrees;
    @SuppressWarnings("unused") // accessed through FOREIGN_FREES
    private volatile long foreignFrees;

    private PacketPool(String name, SharedMemory memory, int count, int bufferSize, int headroom) {
        this.name = name;
        this.memory = memory;
        this.bufferSize = bufferSize;
        this.headroom = headroom;
        this.packets = new Packet[count];
        this.free = new PacketRing(count);
        for (int i = 0; i < count; i++) {
            long offset = (long) i * bufferSize;
            packets[i] = new Packet(this, i, memory.segment().asSlice(offset, bufferSize),
                    memory.address() + offset, headroom);
        }
        if (free.offer(packets, 0, count) != count) {
            throw new IllegalStateException("pool " + name + ": free ring refused its own buffers");
        }
    }

    /**
     * Creates a pool with the default buffer size and headroom.
     *
     * @param name  the pool's name (also the memfd's)
     * @param count number of buffers
     * @return the pool
     */
    public static PacketPool create(String name, int count) {
        return create(name, count, DEFAULT_BUFFER_SIZE, DEFAULT_HEADROOM);
    }

    /**
     * Creates a pool backed by a new memfd of {@code count * bufferSize} bytes.
     *
     * @param name       the pool's name (also the memfd's)
     * @param count      number of buffers, 1 to 2^24
     * @param bufferSize bytes per buffer, headroom included: at least {@code headroom + 64}, at most 65536; rounded
     *                   up to a multiple of 64
     * @param headroom   bytes before the frame, 0 to {@code bufferSize - 64}
     * @return the pool
     * @throws IllegalArgumentException naming the value that is out of range
     * @throws io.twinport.sys.SyscallException if the memfd cannot be created or mapped
     */
    public static PacketPool create(String name, int count, int bufferSize, int headroom) {
        if (count < 1 || count > (1 << 24)) {
            throw new IllegalArgumentException("pool " + name + ": count " + count + " must be in [1, 16777216]");
        }
        if (headroom < 0 || headroom > 65536 - 64) {
            // the upper bound also keeps headroom + 64 below from overflowing
            throw new IllegalArgumentException("pool " + name + ": headroom " + headroom + " must be in [0, 65472]");
        }
        if (bufferSize < headroom + 64 || bufferSize > 65536) {
            throw new IllegalArgumentException("pool " + name + ": buffer size " + bufferSize
                    + " must be in [headroom + 64 = " + (headroom + 64) + ", 65536]");
        }
        int rounded = (bufferSize + 63) & ~63;
        SharedMemory memory = SharedMemory.create("twinport-pool-" + name, (long) count * rounded);
        try {
            return new PacketPool(name, memory, count, rounded, headroom);
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /** @return the pool's name */
    public String name() {
        return name;
    }

    /** @return the shared memory the buffers live in (fd, address, size for a vhost-user device) */
    public SharedMemory memory() {
        return memory;
    }

    /** @return bytes per buffer */
    public int bufferSize() {
        return bufferSize;
    }

    /** @return default headroom of a freshly allocated packet */
    public int headroom() {
        return headroom;
    }

    /** @return number of buffers */
    public int capacity() {
        return packets.length;
    }

    /** @return buffers currently allocated (a snapshot while bursts are under way) */
    public int inUse() {
        return packets.length - free.size();
    }

    /** @return buffers currently free */
    public int available() {
        return free.size();
    }

    /** @return allocation requests that could not be met in full, counted in buffers */
    public long allocFailures() {
        return (long) ALLOC_FAILURES.getOpaque(this);
    }

    /** @return frees of a buffer that was already free (refused) */
    public long doubleFrees() {
        return (long) DOUBLE_FREES.getOpaque(this);
    }

    /** @return packets of another pool handed to this pool's free (returned to their own pool) */
    public long foreignFrees() {
        return (long) FOREIGN_FREES.getOpaque(this);
    }

    /**
     * @param index a buffer index
     * @return the packet object for that buffer (for drivers that translate ring addresses back to packets)
     */
    public Packet packet(int index) {
        return packets[index];
    }

    /**
     * Maps a virtual address inside the pool's memory to the packet whose buffer contains it.
     *
     * @param address a virtual address
     * @return the packet, or null if the address is outside the pool
     */
    public Packet packetAt(long address) {
        long offset = address - memory.address();
        if (offset < 0 || offset >= (long) packets.length * bufferSize) {
            return null;
        }
        return packets[(int) (offset / bufferSize)];
    }

    /**
     * Allocates one packet, reset to an empty frame at the default headroom.
     *
     * @return the packet, or null if the pool is empty (counted in {@link #allocFailures()})
     */
    public Packet alloc() {
        Packet[] one = ONE.get();
        if (allocBulk(one, 0, 1) == 0) {
            return null;
        }
        Packet p = one[0];
        one[0] = null;
        return p;
    }

    private static final ThreadLocal<Packet[]> ONE = ThreadLocal.withInitial(() -> new Packet[1]);

    /**
     * Allocates up to {@code n} packets into {@code dst[off..off+n)}, each reset to an empty frame at the default
     * headroom. Fewer than {@code n} only when the pool runs dry; the shortfall is counted in
     * {@link #allocFailures()}.
     *
     * @param dst destination array
     * @param off first index to fill
     * @param n   how many are wanted
     * @return how many were allocated
     * @throws IndexOutOfBoundsException if {@code [off, off + n)} is not inside {@code dst}; nothing is taken
     */
    public int allocBulk(Packet[] dst, int off, int n) {
        // before the ring: an exception between its reservation and publication would wedge it for every thread
        Objects.checkFromIndexSize(off, n, dst.length);
        int got = free.poll(dst, off, n);
        for (int i = 0; i < got; i++) {
            Packet p = dst[off + i];
            p.reset();
            p.markAllocated();
        }
        if (got < n) {
            ALLOC_FAILURES.getAndAdd(this, (long) (n - got));
        }
        return got;
    }

    /**
     * Returns one packet to its pool.
     *
     * @param p the packet; a second free is counted and ignored
     */
    public void free(Packet p) {
        if (p.pool() != this) {
            FOREIGN_FREES.getAndAdd(this, 1L);
            p.pool().free(p);
            return;
        }
        if (!p.markFree()) {
            DOUBLE_FREES.getAndAdd(this, 1L);
            return;
        }
        Packet[] one = ONE.get();
        one[0] = p;
        free.offer(one, 0, 1);
        one[0] = null;
    }

    /**
     * Returns {@code n} packets from {@code src[off..off+n)} to the pool, one ring operation for the burst. Double
     * frees and foreign packets are counted and handled as in {@link #free(Packet)}; the array slots are left as they
     * were (callers usually overwrite them on the next burst).
     *
     * @param src the packets
     * @param off first index
     * @param n   how many
     * @throws IndexOutOfBoundsException if {@code [off, off + n)} is not inside {@code src}; nothing is freed
     */
    public void freeBulk(Packet[] src, int off, int n) {
        // before any packet is marked free: a throw half-way would leave marked packets outside the ring, lost
        Objects.checkFromIndexSize(off, n, src.length);
        int start = off;
        int end = off + n;
        for (int i = off; i < end; i++) {
            Packet p = src[i];
            if (p == null || p.pool() != this || !p.markFree()) {
                // flush the clean run before the odd one, then deal with it alone
                if (i > start) {
                    free.offer(src, start, i - start);
                }
                start = i + 1;
                if (p == null) {
                    continue;
                }
                if (p.pool() != this) {
                    FOREIGN_FREES.getAndAdd(this, 1L);
                    p.pool().free(p);
                } else {
                    DOUBLE_FREES.getAndAdd(this, 1L);
                }
            }
        }
        if (end > start) {
            free.offer(src, start, end - start);
        }
    }

    /**
     * Unmaps the pool's memory. Packets still in use must not be touched afterwards; the count of those is
     * {@link #inUse()} just before closing.
     */
    @Override
    public void close() {
        memory.close();
    }

    @Override
    public String toString() {
        return "PacketPool[" + name + ", " + packets.length + " x " + bufferSize + " B, in use " + inUse() + "]";
    }
}

package io.twinport.mem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One packet buffer of a {@link PacketPool} (DPDK's mbuf, in Java): a fixed-size buffer in the pool's shared memory
 * with headroom before the frame. The {@code Packet} object itself is created once with its pool and reused for the
 * pool's lifetime, so the data path allocates nothing.
 *
 * <pre>
 *  buffer start        data start = buffer start + dataOffset
 *  |<-- headroom -->|<-------- length -------->|<-- tailroom -->|
 *  |<--------------------- bufferSize ------------------------->|
 * </pre>
 *
 * A packet is owned by exactly one party at a time: the pool (free), a port's ring, or the application. Passing it
 * to {@code txBurst} hands it to the port when the port takes it; {@link #free()} hands it back to its pool.
 */
public final class Packet {
    static final int FREE = 0;
    static final int IN_USE = 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Packet.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PacketPool pool;
    private final int index;
    private final MemorySegment buffer;
    private final long address;
    private final int headroom;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    private int dataOffset;
    private int length;
    private int port;
    private int queue;

    Packet(PacketPool pool, int index, MemorySegment buffer, long address, int headroom) {
        this.pool = pool;
        this.index = index;
        this.buffer = buffer;
        this.address = address;
        this.headroom = headroom;
        this.dataOffset = headroom;
        this.state = FREE;
    }

    /** @return the pool this buffer belongs to */
    public PacketPool pool() {
        return pool;
    }

    /** @return the buffer's index in its pool */
    public int index() {
        return index;
    }

    /** @return the whole buffer (headroom included) */
    public MemorySegment buffer() {
        return buffer;
    }

    /** @return the virtual address of the buffer's first byte (a guest-physical address for vhost-user) */
    public long bufferAddress() {
        return address;
    }

    /** @return the virtual address of the frame's first byte */
    public long dataAddress() {
        return address + dataOffset;
    }

    /** @return the buffer's size in bytes */
    public int bufferSize() {
        return (int) buffer.byteSize();
    }

    /** @return the frame's offset from the buffer start */
    public int dataOffset() {
        return dataOffset;
    }

    /** @return the frame's length in bytes */
    public int length() {
        return length;
    }

    /** @return the bytes free before the frame */
    public int headroom() {
        return dataOffset;
    }

    /** @return the bytes free after the frame */
    public int tailroom() {
        return bufferSize() - dataOffset - length;
    }

    /** @return the id of the port the packet was received on (set by {@code rxBurst}) */
    public int port() {
        return port;
    }

    /** @param port the id of the port this packet was received on; drivers set it in {@code rxBurst} */
    public void port(int port) {
        this.port = port;
    }

    /** @return the queue the packet was received on */
    public int queue() {
        return queue;
    }

    /** @param queue the queue this packet was received on; drivers set it in {@code rxBurst} */
    public void queue(int queue) {
        this.queue = queue;
    }

    /**
     * Sets where the frame lies in the buffer.
     *
     * @param offset from the buffer start
     * @param len    frame length
     * @throws IndexOutOfBoundsException if the frame would not fit in the buffer
     */
    public void setData(int offset, int len) {
        if (offset < 0 || len < 0 || offset > bufferSize() - len) {
            throw new IndexOutOfBoundsException("packet " + index + " of pool " + pool.name() + ": data offset "
                    + offset + " length " + len + " does not fit a buffer of " + bufferSize() + " bytes");
        }
        this.dataOffset = offset;
        this.length = len;
    }

    /**
     * Sets the frame length, keeping the offset.
     *
     * @param len frame length
     * @throws IndexOutOfBoundsException if the frame would not fit in the buffer
     */
    public void length(int len) {
        setData(dataOffset, len);
    }

    /** Resets the frame to empty at the default headroom. */
    public void reset() {
        this.dataOffset = headroom;
        this.length = 0;
        this.port = 0;
        this.queue = 0;
    }

    /**
     * @param i offset inside the frame
     * @return the byte there
     */
    public byte getByte(int i) {
        return buffer.get(ValueLayout.JAVA_BYTE, dataOffset + i);
    }

    /**
     * @param i offset inside the frame
     * @param b the byte to write there
     */
    public void putByte(int i, byte b) {
        buffer.set(ValueLayout.JAVA_BYTE, dataOffset + i, b);
    }

    /**
     * Copies bytes into the frame area, without changing the frame's length.
     *
     * @param i   offset inside the frame
     * @param src source bytes
     * @param off offset in {@code src}
     * @param len how many bytes
     */
    public void write(int i, byte[] src, int off, int len) {
        MemorySegment.copy(src, off, buffer, ValueLayout.JAVA_BYTE, dataOffset + i, len);
    }

    /**
     * Copies bytes out of the frame.
     *
     * @param i   offset inside the frame
     * @param dst destination
     * @param off offset in {@code dst}
     * @param len how many bytes
     */
    public void read(int i, byte[] dst, int off, int len) {
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, dataOffset + i, dst, off, len);
    }

    /** Returns this packet to its pool. Freeing twice is detected and counted by the pool. */
    public void free() {
        pool.free(this);
    }

    /** @return true while the packet is allocated (not in its pool) */
    public boolean inUse() {
        return (int) STATE.getAcquire(this) == IN_USE;
    }

    /** Marks the packet allocated; called by the pool on the thread that just took it out of the free ring. */
    void markAllocated() {
        // release: pairs with the acquire in markFree; a later free on another thread sees IN_USE
        STATE.setRelease(this, IN_USE);
    }

    /** @return true if this call moved the packet from in-use to free; false for a second free */
    boolean markFree() {
        return STATE.compareAndSet(this, IN_USE, FREE);
    }

    @Override
    public String toString() {
        return "Packet[" + pool.name() + "#" + index + ", offset=" + dataOffset + ", length=" + length + ", port="
                + port + "]";
    }
}

package io.twinport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.twinport.mem.Packet;

import java.nio.ByteBuffer;

/**
 * A received frame as a {@link ByteBuf} without a copy: a direct buffer over the packet's own memory, from the
 * frame's first byte (index 0) to the end of the packet buffer (so a handler may append into the tailroom). Its
 * last {@link #release()} hands the packet back to its pool, on whatever thread releases it.
 *
 * <p>Two ways the packet leaves earlier: a write of this buffer (still the only reference) hands the packet itself
 * to TX ({@link #takePacket}, zero-copy TX), after which the release frees nothing; and a capacity change moves the
 * contents to memory Netty allocates, after which the packet is still held and freed at release but no longer
 * used for zero-copy TX.
 */
final class PacketByteBuf extends UnpooledDirectByteBuf {
    private final int base;
    private Packet packet;
    private boolean moved;

    /**
     * @param alloc  the channel's allocator (for derived buffers and growth)
     * @param memory the packet's memory from {@code base} to the end of its buffer, as a direct buffer
     * @param packet the packet (owned by this buffer from now on)
     * @param base   the packet buffer offset of index 0 (the frame's first byte)
     */
    PacketByteBuf(ByteBufAllocator alloc, ByteBuffer memory, Packet packet, int base) {
        super(alloc, memory, Integer.MAX_VALUE);
        this.packet = packet;
        this.base = base;
        setIndex(0, packet.length());
    }

    /** @return true while this buffer still reads and writes the packet's memory and owns the packet */
    boolean backedByPacket() {
        return packet != null && !moved;
    }

    /**
     * Hands the packet over for TX, its frame set to {@code [readerIndex, readerIndex + length)} of this buffer; the
     * buffer's release frees nothing afterwards. Only when {@link #backedByPacket()} and nobody else holds the buffer.
     *
     * @param readerIndex the frame's first byte, as an index of this buffer
     * @param length      the frame's length
     * @return the packet, now the caller's
     */
    Packet takePacket(int readerIndex, int length) {
        Packet p = packet;
        packet = null;
        p.setData(base + readerIndex, length);
        return p;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        if (newCapacity != capacity()) {
            moved = true; // the contents move to a buffer Netty allocates; the packet stays ours until release
        }
        return super.capacity(newCapacity);
    }

    @Override
    protected void deallocate() {
        super.deallocate(); // frees only memory Netty allocated on a capacity change, never the packet's
        Packet p = packet;
        if (p != null) {
            packet = null;
            p.free();
        }
    }
}

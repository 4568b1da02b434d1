package io.twinport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.twinport.mem.Packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 *
 * <h2>Reuse</h2>
 * One such buffer serves one packet buffer of a pool, frame after frame, as Netty's pooled buffers are recycled: a
 * channel keeps a table per pool, indexed by the packet's {@linkplain Packet#index() index}. The buffer is taken out
 * of its slot when a frame arrives in its packet ({@link #takeSlot}, then {@link #arm}) and puts itself back when
 * its last reference is released, before the packet goes back to the pool. So a buffer is in its slot only while
 * nobody may use it; one the application leaks is in no slot, becomes garbage, and Netty's leak detector reports
 * it. A released buffer must not be used again (as with any Netty buffer): it may carry a later frame by then.
 * Not returned to the slot (left to the garbage collector): a buffer whose contents moved on a capacity change.
 */
final class PacketByteBuf extends UnpooledDirectByteBuf {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(PacketByteBuf[].class);

    private final PacketByteBuf[] slots;
    private final int slot;
    private final int base;
    private Packet packet;
    private boolean moved;

    /**
     * A buffer for the packet buffer {@code slot} of a pool, its frames starting at {@code base}; {@link #arm} it
     * with a packet before use.
     *
     * @param alloc  the channel's allocator (for derived buffers and growth)
     * @param memory the packet buffer's memory from {@code base} to its end, as a direct buffer
     * @param slots  the table of the packet's pool this buffer goes back to when released
     * @param slot   the packet's index in its pool
     * @param base   the packet buffer offset of index 0 (the frame's first byte)
     */
    PacketByteBuf(ByteBufAllocator alloc, ByteBuffer memory, PacketByteBuf[] slots, int slot, int base) {
        super(alloc, memory, Integer.MAX_VALUE);
        this.slots = slots;
        this.slot = slot;
        this.base = base;
    }

    /**
     * Takes the buffer waiting in a slot out of it, if any; the event loop of the table's channel only.
     *
     * @return the buffer, now the caller's, or null
     */
    static PacketByteBuf takeSlot(PacketByteBuf[] slots, int slot) {
        // acquire: pairs with the release in deallocate (maybe another thread): its last writes happen before reuse
        PacketByteBuf b = (PacketByteBuf) SLOT.getAcquire(slots, slot);
        if (b != null) {
            slots[slot] = null; // only this thread reads the slot; a release puts a buffer back only after a free
        }
        return b;
    }

    /** @return true if this buffer can carry a frame that starts at packet buffer offset {@code dataOffset} */
    boolean fits(int dataOffset) {
        return base == dataOffset && !moved;
    }

    /**
     * Makes this (new or released) buffer the frame now in {@code p}: one reference, indexes {@code [0, length)},
     * marks at 0; the packet is owned by this buffer from now on.
     *
     * @param p a packet whose frame starts at this buffer's base ({@link #fits})
     * @return this
     */
    PacketByteBuf arm(Packet p) {
        packet = p;
        resetRefCnt();
        setIndex(0, 0);
        markReaderIndex();
        markWriterIndex();
        setIndex(0, p.length());
        return this;
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
        Packet p = packet;
        packet = null;
        if (moved) {
            super.deallocate(); // frees the memory Netty allocated on the capacity change, never the packet's
        } else {
            // release: this buffer's last writes happen before its reuse by the channel's event loop (takeSlot);
            // before the free, so the slot is filled before the packet can arrive again
            SLOT.setRelease(slots, slot, this);
        }
        if (p != null) {
            p.free(); // the last touch of this buffer was before: from here on it may carry the packet's next frame
        }
    }
}

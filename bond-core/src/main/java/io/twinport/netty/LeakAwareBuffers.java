package io.twinport.netty;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;

/**
 * Puts a buffer that no allocator made (a received packet, {@link PacketByteBuf}) under Netty's leak detector, as
 * Netty's own allocators do with theirs, so {@code -Dio.netty.leakDetection.level} covers it too. Only the static
 * helper of {@link AbstractByteBufAllocator} is used; this class is never instantiated.
 */
final class LeakAwareBuffers extends AbstractByteBufAllocator {
    private LeakAwareBuffers() {
        throw new AssertionError("not instantiated");
    }

    /**
     * @param buf a buffer
     * @return {@code buf} itself, or a wrapper that records it for the leak detector (at its configured level)
     */
    static ByteBuf track(ByteBuf buf) {
        return toLeakAwareBuffer(buf);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }
}

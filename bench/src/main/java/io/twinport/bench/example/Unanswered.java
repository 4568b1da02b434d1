package io.twinport.bench.example;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The end of the example's pipeline: counts and releases the frames no handler answered, and flushes the replies
 * once per read round (so a round's replies leave in one TX burst).
 */
public final class Unanswered extends ChannelInboundHandlerAdapter {
    private final AtomicLong dropped = new AtomicLong();

    // Sharable (one instance in many pipelines): its state is atomic counters. Said by override, not by the
    // @Sharable annotation, which this module's JMH annotation processor would warn about.
    @Override
    public boolean isSharable() {
        return true;
    }

    Unanswered() {
    }

    /** @return frames nobody answered */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        dropped.incrementAndGet();
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }
}

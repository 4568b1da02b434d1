package io.twinport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channel's steady state allocates (next to) nothing per frame: an echo through the channel over a wire pair,
 * the bytes the event loop thread allocated (HotSpot's per-thread allocation counter) over many frames after a
 * warm-up. The echo writes with the void promise (a {@code write(msg)} allocates its promise, which is the
 * application's choice). Netty's leak detector is off here: it is Netty's cost, not the channel's (at its default
 * level, SIMPLE, it samples one buffer in 128 and records a stack trace for it: about 13 B a frame on average, which
 * an application pays for the buffers of Netty's own allocators as well). Any object made per frame is at least 16
 * bytes, so the bound of 2 B a frame leaves room for rare bookkeeping (one object in 8 frames at most), not for a
 * per-frame one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TwinportChannelAllocationTest {
    private static final int WARM_UP = 60_000;
    private static final int MEASURED = 100_000;
    /** Bytes per frame allowed: less than one object of 16 bytes every 8 frames. */
    private static final double MAX_BYTES_PER_FRAME = 2;

    private static ResourceLeakDetector.Level levelBefore;
    private PacketPool pool;
    private EventLoopGroup group;
    private WirePair pair;

    @BeforeAll
    static void noLeakDetection() {
        levelBefore = ResourceLeakDetector.getLevel();
        // off: PARANOID tracks (allocates for) every buffer, the default SIMPLE one in 128 (about 13 B a frame here)
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(levelBefore);
    }

    @BeforeEach
    void setUp() {
        Assumptions.assumeTrue(threadMx().isThreadAllocatedMemorySupported(),
                "skipped: this JVM does not count allocated bytes per thread");
        threadMx().setThreadAllocatedMemoryEnabled(true);
        pool = PacketPool.create("netty-alloc", 4096);
        group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(IdleStrategy.yielding()));
        pair = WirePair.create("nal");
        for (WirePort end : new WirePort[] {pair.a(), pair.b()}) {
            end.configure(PortConfig.DEFAULT.withRingSize(1024));
            end.start();
        }
    }

    @AfterEach
    void tearDown() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (pair != null) {
            pair.close();
        }
        if (pool != null) {
            int inUse = pool.inUse();
            pool.close();
            assertEquals(0, inUse, "packets not returned to the pool");
        }
    }

    private static com.sun.management.ThreadMXBean threadMx() {
        return (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    }

    @Test
    void zeroCopyEchoAllocatesNothingPerFrameOnTheEventLoop() throws Exception {
        TwinportChannel ch = new TwinportChannel(pair.a(), pool);
        ch.pipeline().addLast(new VoidPromiseEcho());
        double perFrame = bytesPerFrame(ch);
        TwinportChannelStats s = ch.stats();
        assertEquals(s.rxFrames(), s.rxZeroCopy(), "every frame received without a copy");
        assertEquals(s.txFrames(), s.txZeroCopy(), "every frame sent back in its own packet");
        assertTrue(perFrame < MAX_BYTES_PER_FRAME, "the zero-copy echo allocated " + perFrame
                + " bytes per frame on the event loop; expected under " + MAX_BYTES_PER_FRAME);
    }

    @Test
    void copyingEchoAllocatesNothingPerFrameOnTheEventLoop() throws Exception {
        TwinportChannel ch = new TwinportChannel(pair.a(), pool);
        ch.config().setRxZeroCopy(false); // RX copies into the pooled allocator's buffers, TX copies into packets
        ch.pipeline().addLast(new VoidPromiseEcho());
        double perFrame = bytesPerFrame(ch);
        TwinportChannelStats s = ch.stats();
        assertEquals(s.rxFrames(), s.rxCopied(), "every frame received as a copy");
        assertEquals(s.txFrames(), s.txCopied(), "every frame sent as a copy");
        assertTrue(perFrame < MAX_BYTES_PER_FRAME, "the copying echo allocated " + perFrame
                + " bytes per frame on the event loop; expected under " + MAX_BYTES_PER_FRAME);
    }

    /** Echoes WARM_UP frames, then MEASURED more; returns what the event loop allocated per measured frame. */
    private double bytesPerFrame(TwinportChannel ch) throws Exception {
        group.register(ch).syncUninterruptibly();
        long loopThread = ch.eventLoop().submit(() -> Thread.currentThread().threadId()).get(10, TimeUnit.SECONDS);
        echo(WARM_UP);
        long before = threadMx().getThreadAllocatedBytes(loopThread);
        echo(MEASURED);
        long after = threadMx().getThreadAllocatedBytes(loopThread);
        assertTrue(before >= 0 && after >= before, "allocation counter of the event loop thread: " + before
                + " then " + after);
        ch.close().syncUninterruptibly();
        double perFrame = (double) (after - before) / MEASURED;
        System.out.printf("event loop allocated %.3f B/frame over %d frames (%s RX)%n", perFrame, MEASURED,
                ch.config().isRxZeroCopy() ? "zero-copy" : "copying");
        return perFrame;
    }

    /** Sends {@code total} frames on end B in bursts of 32 and takes every echo back (bounded: 30 s). */
    private void echo(int total) {
        WirePort a = pair.a();
        WirePort b = pair.b();
        List<Integer> back = new ArrayList<>(total);
        int sent = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (back.size() < total) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out: " + back.size() + " of " + total
                    + " frames echoed");
            if (sent < total && sent - back.size() < 64) {
                sent += NettyTesting.send(pool, b, 0, a.mac(), sent, Math.min(32, total - sent), 64);
            }
            if (NettyTesting.receive(b, 0, back, b.mac()) == 0) {
                Thread.yield(); // two shared cores: let the event loop run
            }
        }
        assertEquals(total, back.size(), "every frame came back");
    }

    /** Swaps the MACs in place and writes the frame back with the void promise; flushes once per read round. */
    private static final class VoidPromiseEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            int r = b.readerIndex();
            for (int i = 0; i < 6; i++) {
                byte d = b.getByte(r + i);
                b.setByte(r + i, b.getByte(r + 6 + i));
                b.setByte(r + 6 + i, d);
            }
            ctx.write(b, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}

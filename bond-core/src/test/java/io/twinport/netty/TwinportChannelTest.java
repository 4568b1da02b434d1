package io.twinport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ResourceLeakDetector;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.FakePort;
import io.twinport.testing.Frames;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.twinport.netty.NettyTesting.await;
import static io.twinport.netty.NettyTesting.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Netty channel over a wire pair and over fault-injecting fake ports. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TwinportChannelTest {
    private static final MacAddress PEER = MacAddress.parse("02:00:00:00:00:99");

    private PacketPool pool;
    private EventLoopGroup group;

    @BeforeAll
    static void paranoidLeakDetection() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @BeforeEach
    void setUp() {
        pool = PacketPool.create("netty-test", 4096);
        group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(
                IdleStrategy.backoff(20, 5, 1_000, 100_000)));
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        pool.close();
    }

    private static WirePair startedPair(String name) {
        WirePair pair = WirePair.create(name);
        for (WirePort end : new WirePort[] {pair.a(), pair.b()}) {
            end.configure(PortConfig.DEFAULT.withRingSize(1024));
            end.start();
        }
        return pair;
    }

    private static FakePort startedFake(String name) {
        FakePort fake = new FakePort(name, MacAddress.parse("02:00:00:00:00:0a"), VirtioNetFeature.MAC.mask());
        fake.configure(PortConfig.DEFAULT);
        fake.start();
        return fake;
    }

    @Test
    void framesRoundTripThroughTheChannelOverAWirePairWithoutACopy() {
        WirePair pair = startedPair("nrt");
        WirePort a = pair.a();
        WirePort b = pair.b();
        try {
            TwinportChannel ch = new TwinportChannel(a, pool);
            ch.pipeline().addLast(new NettyTesting.Echo());
            group.register(ch).syncUninterruptibly();
            assertTrue(ch.isActive());
            assertEquals(new TwinportAddress("nrta", 0, 1), ch.localAddress());

            int total = 20_000;
            int sent = 0;
            List<Integer> back = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (back.size() < total && System.nanoTime() < deadline) {
                if (sent < total) {
                    sent += NettyTesting.send(pool, b, 0, a.mac(), sent, Math.min(32, total - sent),
                            60 + sent % 1400);
                }
                NettyTesting.receive(b, 0, back, b.mac()); // the echo swapped the MACs: back to us
            }
            assertEquals(total, back.size(), "every frame came back");
            assertEquals(total, new HashSet<>(back).size(), "no frame twice");
            TwinportChannelStats s = ch.stats();
            assertEquals(total, s.rxFrames());
            assertEquals(total, s.rxZeroCopy(), "received frames wrap the packets");
            assertEquals(total, s.txFrames());
            assertEquals(total, s.txZeroCopy(), "an echoed frame goes back out in its own packet");
            assertEquals(0, s.txCopied());

            ch.close().syncUninterruptibly();
            assertNull(ch.closeCause(), "closed by the application, not by its port");
        } finally {
            pair.close();
        }
        assertEquals(0, pool.inUse(), "packets not returned to the pool");
    }

    @Test
    void framesTheApplicationWritesAreCopiedIntoPacketsInOrder() {
        WirePair pair = startedPair("ncp");
        WirePort a = pair.a();
        WirePort b = pair.b();
        List<ByteBuf> written = new ArrayList<>();
        try {
            TwinportChannel ch = new TwinportChannel(a, pool);
            group.register(ch).syncUninterruptibly();
            List<ChannelFuture> futures = new ArrayList<>();
            for (int seq = 0; seq < 300; seq++) {
                byte[] f = frame(b.mac(), a.mac(), seq, 60 + seq);
                ByteBuf buf = switch (seq % 3) {
                    case 0 -> Unpooled.wrappedBuffer(f); // heap
                    case 1 -> PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(f); // direct, pooled
                    default -> Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(f, 0, 20),
                            Unpooled.directBuffer().writeBytes(f, 20, f.length - 20)); // composite
                };
                written.add(buf);
                futures.add(ch.write(buf));
            }
            ch.flush();
            for (ChannelFuture f : futures) {
                assertTrue(f.syncUninterruptibly().isSuccess());
            }
            List<Integer> got = new ArrayList<>();
            await(() -> {
                NettyTesting.receive(b, 0, got, b.mac());
                return got.size() == 300;
            }, "300 frames on the wire");
            for (int i = 0; i < 300; i++) {
                assertEquals(i, got.get(i), "in the order written");
            }
            assertEquals(300, ch.stats().txCopied());
            ch.close().syncUninterruptibly();
        } finally {
            pair.close();
        }
        for (ByteBuf buf : written) {
            assertEquals(0, buf.refCnt(), "the channel released every buffer written");
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void rxCanCopyIntoTheChannelsAllocatorInsteadOfHoldingPackets() {
        WirePair pair = startedPair("nrx");
        WirePort a = pair.a();
        WirePort b = pair.b();
        try {
            TwinportChannel ch = new TwinportChannel(a, pool);
            ch.config().setOption(TwinportChannelOption.RX_ZERO_COPY, false);
            ch.config().setOption(TwinportChannelOption.BURST, 8);
            List<Integer> inUseWhileHeld = new CopyOnWriteArrayList<>();
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    inUseWhileHeld.add(pool.inUse()); // the packet is back already
                    ctx.fireChannelRead(msg);
                }
            }, new NettyTesting.Echo());
            group.register(ch).syncUninterruptibly();
            assertEquals(100, NettyTesting.send(pool, b, 0, a.mac(), 0, 100, 128));
            List<Integer> back = new ArrayList<>();
            await(() -> {
                NettyTesting.receive(b, 0, back, b.mac());
                return back.size() == 100;
            }, "100 echoes");
            TwinportChannelStats s = ch.stats();
            assertEquals(100, s.rxCopied());
            assertEquals(0, s.rxZeroCopy());
            assertEquals(100, s.txCopied(), "a copied frame is not a packet: TX copies it back");
            assertEquals(8, ch.config().getOption(TwinportChannelOption.BURST));
            ch.close().syncUninterruptibly();
        } finally {
            pair.close();
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void aFrameStillHeldElsewhereIsCopiedNotTakenFromItsHolder() {
        WirePair pair = startedPair("nrt2");
        WirePort a = pair.a();
        WirePort b = pair.b();
        List<ByteBuf> kept = new CopyOnWriteArrayList<>();
        try {
            TwinportChannel ch = new TwinportChannel(a, pool);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    kept.add(((ByteBuf) msg).retain()); // someone else holds it too
                    ctx.fireChannelRead(msg);
                }
            }, new NettyTesting.Echo());
            group.register(ch).syncUninterruptibly();
            assertEquals(10, NettyTesting.send(pool, b, 0, a.mac(), 0, 10, 64));
            List<Integer> back = new ArrayList<>();
            await(() -> {
                NettyTesting.receive(b, 0, back, b.mac());
                return back.size() == 10;
            }, "10 echoes");
            assertEquals(10, ch.stats().txCopied());
            assertEquals(0, ch.stats().txZeroCopy());
            assertEquals(10, pool.inUse(), "the held buffers still hold their packets");
            // the peer may see an echo before the event loop drops the write's reference (right after txBurst)
            await(() -> kept.stream().allMatch(buf -> buf.refCnt() == 1), "the writes' references dropped");
            for (ByteBuf buf : kept) {
                assertTrue(buf.release(), "the last reference");
            }
            assertEquals(0, pool.inUse(), "releasing the last reference frees the packet");
            ch.close().syncUninterruptibly();
        } finally {
            pair.close();
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void aPacketsBufferIsReusedForItsNextFrameButNeverWhileTheApplicationHoldsIt() {
        PacketPool small = PacketPool.create("netty-reuse", 64); // 64 packets: later frames must reuse them
        WirePair pair = startedPair("nru");
        WirePort a = pair.a();
        WirePort b = pair.b();
        List<ByteBuf> held = new CopyOnWriteArrayList<>();
        List<ByteBuf> seen = new CopyOnWriteArrayList<>(); // the buffers under the leak detector's wrappers
        AtomicInteger grown = new AtomicInteger();
        try {
            TwinportChannel ch = new TwinportChannel(a, small);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf buf = (ByteBuf) msg;
                    int seq = NettyTesting.seq(buf);
                    seen.add(buf.unwrap() == null ? buf : buf.unwrap());
                    if (seq < 32) {
                        held.add(buf); // the application keeps the first 32 frames
                    } else if (seq % 5 == 0) {
                        buf.capacity(buf.capacity() + 64); // moved off the packet: its buffer is not reused
                        grown.incrementAndGet();
                        buf.release();
                    } else {
                        buf.release();
                    }
                }
            });
            group.register(ch).syncUninterruptibly();
            int total = 32 + 400;
            for (int sent = 0; sent < total; ) {
                int took = NettyTesting.send(small, b, 0, a.mac(), sent, 1, 64);
                sent += took;
                int expect = sent;
                await(() -> seen.size() == expect, "frame " + (expect - 1) + " through the channel");
            }
            assertEquals(32, held.size());
            for (int i = 0; i < 32; i++) {
                ByteBuf buf = held.get(i);
                assertEquals(1, buf.refCnt(), "held frame " + i + " still has its one reference");
                assertEquals(i, NettyTesting.seq(buf), "a held frame keeps its bytes while 400 more arrive");
                ByteBuf under = seen.get(i);
                for (int j = 32; j < total; j++) {
                    assertFalse(seen.get(j) == under, "frame " + j + " arrived in held frame " + i + "'s buffer");
                }
            }
            Set<ByteBuf> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
            buffers.addAll(seen);
            int distinct = buffers.size();
            assertTrue(distinct < total - 32, "released buffers carry later frames (" + distinct + " buffers for "
                    + total + " frames)");
            assertEquals(80, grown.get());
            assertEquals(32, small.inUse(), "only the held frames hold packets");
            for (ByteBuf buf : held) {
                assertTrue(buf.release());
            }
            assertEquals(0, small.inUse(), "releasing the held frames frees their packets");
            ch.close().syncUninterruptibly();
        } finally {
            pair.close();
            small.close();
        }
    }

    @Test
    void writesThatAreNotFramesFailNamingWhatIsAccepted() {
        FakePort fake = startedFake("nbad");
        try {
            TwinportChannel ch = new TwinportChannel(fake, pool);
            group.register(ch).syncUninterruptibly();
            ByteBuf tiny = Unpooled.buffer().writeZero(10);
            Throwable t = ch.writeAndFlush(tiny).awaitUninterruptibly().cause();
            assertInstanceOf(IllegalArgumentException.class, t);
            assertEquals("twinport channel nbad[q0]: frame of 10 bytes out of range [14, 1920] (an Ethernet header"
                    + " and payload, no FCS, that fits a buffer of pool netty-test)", t.getMessage());
            assertEquals(0, tiny.refCnt(), "a refused write is released");
            t = ch.writeAndFlush("hello").awaitUninterruptibly().cause();
            assertInstanceOf(UnsupportedOperationException.class, t);
            assertEquals("twinport channel nbad[q0]: cannot write a String; write ByteBufs, each one whole Ethernet"
                    + " frame", t.getMessage());
            assertTrue(ch.isActive(), "a bad write does not close the channel");
            ch.close().syncUninterruptibly();
        } finally {
            fake.close();
        }
    }

    @Test
    void registrationNeedsAStartedPortAndFreeQueues() {
        FakePort fake = new FakePort("nreg", MacAddress.parse("02:00:00:00:00:0b"), VirtioNetFeature.MAC.mask());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new TwinportChannel(fake, pool));
            assertEquals("twinport channel: port nreg is not configured (it is CREATED): configure and start it"
                    + " first", e.getMessage());
            fake.configure(PortConfig.DEFAULT.withQueues(2, 2));
            e = assertThrows(IllegalArgumentException.class, () -> new TwinportChannel(fake, pool, null, 1, 2));
            assertEquals("twinport channel: queues [1, 1 + 2) of port nreg out of range: the port has 2 RX and 2 TX"
                    + " queues, a channel needs at least one of each", e.getMessage());

            TwinportChannel early = new TwinportChannel(fake, pool);
            Throwable t = group.register(early).awaitUninterruptibly().cause();
            assertEquals("twinport channel nreg[q0..q1]: port nreg is CONFIGURED: start it before registering a"
                    + " channel on it", t.getMessage());
            assertFalse(early.isOpen(), "a failed registration closes the channel");

            fake.start();
            TwinportChannel first = new TwinportChannel(fake, pool, null, 1, 1);
            group.register(first).syncUninterruptibly();
            TwinportChannel overlapping = new TwinportChannel(fake, pool);
            t = group.register(overlapping).awaitUninterruptibly().cause();
            assertEquals("twinport channel nreg[q0..q1]: queue 1 of port nreg is polled by another open channel"
                    + " (nreg[q1]); one thread per queue", t.getMessage());
            TwinportChannel other = new TwinportChannel(fake, pool, null, 0, 1);
            group.register(other).syncUninterruptibly();
            assertTrue(other.isActive(), "queue 0 was left free by the refused channel");
            first.close().syncUninterruptibly();
            other.close().syncUninterruptibly();
            TwinportChannel again = new TwinportChannel(fake, pool);
            group.register(again).syncUninterruptibly();
            assertTrue(again.isActive(), "closing gives the queues back");
            again.close().syncUninterruptibly();
        } finally {
            fake.close();
        }
    }

    @Test
    void aTxThatRefusesMakesTheChannelUnwritableAndNothingIsLostWhenItTakesAgain() {
        FakePort fake = startedFake("nbp");
        List<Boolean> writability = new CopyOnWriteArrayList<>();
        try {
            fake.txMode(FakePort.TxMode.REFUSE);
            TwinportChannel ch = new TwinportChannel(fake, pool);
            ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1024, 4096));
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    writability.add(ctx.channel().isWritable());
                }
            });
            group.register(ch).syncUninterruptibly();
            List<ChannelFuture> futures = new ArrayList<>();
            int seq = 0;
            while (ch.isWritable()) {
                futures.add(ch.writeAndFlush(Unpooled.wrappedBuffer(frame(PEER, fake.mac(), seq++, 100))));
                assertTrue(seq < 1000, "never became unwritable");
            }
            int written = seq;
            await(() -> writability.contains(false), "channelWritabilityChanged(false)");
            await(() -> ch.stats().txBlocked() > 3, "TX retried while it refused");
            assertTrue(futures.stream().noneMatch(ChannelFuture::isDone), "nothing was taken, nothing completed");
            assertEquals(0, ch.stats().txFrames());

            fake.txMode(FakePort.TxMode.PARTIAL); // takes 3 a burst from now on
            fake.txLimit(3);
            for (ChannelFuture f : futures) {
                assertTrue(f.syncUninterruptibly().isSuccess());
            }
            await(ch::isWritable, "writable again");
            assertEquals(List.of(false, true), writability);
            List<Packet> out = fake.takeTx();
            assertEquals(written, out.size(), "every frame written reached the port");
            for (int i = 0; i < written; i++) {
                assertEquals(i, Frames.seq(out.get(i)), "in order");
                assertTrue(Frames.intact(out.get(i)));
            }
            out.forEach(Packet::free);
            assertEquals(written, ch.stats().txFrames());
            ch.close().syncUninterruptibly();
        } finally {
            fake.close();
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void aPortThatReportsRemovedClosesTheChannelNamingThePortAndItsPendingWritesFail() {
        FakePort fake = startedFake("ngone");
        List<Throwable> caught = new CopyOnWriteArrayList<>();
        try {
            fake.txMode(FakePort.TxMode.REFUSE);
            TwinportChannel ch = new TwinportChannel(fake, pool);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    caught.add(cause);
                }
            });
            group.register(ch).syncUninterruptibly();
            ByteBuf pending = Unpooled.wrappedBuffer(frame(PEER, fake.mac(), 1, 64));
            ChannelFuture write = ch.writeAndFlush(pending);
            await(() -> ch.stats().txBlocked() > 0, "the write waiting for TX");

            fake.unplug(); // the device vanished; no registry was given: the state says it
            ch.closeFuture().syncUninterruptibly();
            PortGoneException cause = assertInstanceOf(PortGoneException.class, ch.closeCause());
            assertEquals("port ngone was removed (it reports state REMOVED: the device went away); twinport channel"
                    + " ngone[q0] closed", cause.getMessage());
            assertEquals("ngone", cause.port());
            assertNull(cause.reason());
            assertEquals(PortState.REMOVED, cause.state());
            assertEquals(List.of(cause), caught, "fired through the pipeline");
            assertSame(cause, write.awaitUninterruptibly().cause(), "the pending write failed with the cause");
            assertEquals(0, pending.refCnt());
            assertEquals(1, ch.stats().txDropped(), "the packet it was already in is counted, and freed");
            Throwable later = ch.writeAndFlush(Unpooled.wrappedBuffer(frame(PEER, fake.mac(), 2, 64)))
                    .awaitUninterruptibly().cause();
            assertSame(cause, later.getCause(), "a later write's ClosedChannelException carries the cause");
        } finally {
            fake.close();
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void aRemovedEventClosesTheChannelWithItsReason() {
        PortRegistry registry = new PortRegistry();
        FakePort fake = startedFake("nevt");
        registry.add(fake);
        try {
            TwinportChannel ch = new TwinportChannel(fake, pool, registry, 0, 1);
            group.register(ch).syncUninterruptibly();
            registry.doWork();
            registry.remove(fake, RemovalReason.GRACEFUL); // the port itself stays STARTED: only the event says it
            registry.doWork();
            ch.closeFuture().syncUninterruptibly();
            PortGoneException cause = assertInstanceOf(PortGoneException.class, ch.closeCause());
            assertEquals("port nevt was removed (graceful unplug); twinport channel nevt[q0] closed",
                    cause.getMessage());
            assertEquals(RemovalReason.GRACEFUL, cause.reason());
            registry.doWork(); // the channel's listener leaves
        } finally {
            fake.close();
            registry.close();
        }
    }

    @Test
    void aPortStoppedUnderTheChannelClosesIt() {
        FakePort fake = startedFake("nstop");
        try {
            TwinportChannel ch = new TwinportChannel(fake, pool);
            group.register(ch).syncUninterruptibly();
            fake.stop();
            ch.closeFuture().syncUninterruptibly();
            assertEquals("port nstop was stopped under the channel (state CONFIGURED); twinport channel nstop[q0]"
                    + " closed", ch.closeCause().getMessage());
        } finally {
            fake.close();
        }
    }

    @Test
    void autoReadOffReadsOnlyWhenAsked() {
        WirePair pair = startedPair("nar");
        WirePort a = pair.a();
        WirePort b = pair.b();
        AtomicInteger reads = new AtomicInteger();
        try {
            TwinportChannel ch = new TwinportChannel(a, pool);
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    reads.incrementAndGet();
                    ((ByteBuf) msg).release();
                }
            });
            group.register(ch).syncUninterruptibly();
            assertEquals(5, NettyTesting.send(pool, b, 0, a.mac(), 0, 5, 64));
            group.submit(() -> { }).syncUninterruptibly(); // a few poll rounds pass
            group.schedule(() -> { }, 20, TimeUnit.MILLISECONDS).syncUninterruptibly();
            assertEquals(0, reads.get(), "no read() asked for yet");
            ch.read();
            await(() -> reads.get() == 5, "the read asked for");
            ch.close().syncUninterruptibly();
        } finally {
            pair.close();
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void onlyTwinportChannelsRunOnATwinportLoopAndTheOptionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> IdleStrategy.backoff(1, 1, 10, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdleStrategy.backoff(-1, 1, 1, 5));
        assertEquals("idle strategy backoff: spins -1 must be >= 0", e.getMessage());
        FakePort fake = startedFake("nopt");
        try {
            TwinportChannel ch = new TwinportChannel(fake, pool);
            e = assertThrows(IllegalArgumentException.class,
                    () -> ch.config().setOption(TwinportChannelOption.BURST, 513));
            assertEquals("twinport channel: burst 513 out of range [1, 512]", e.getMessage());
            assertEquals(32, ch.config().getOption(TwinportChannelOption.BURST));
            assertEquals(Boolean.TRUE, ch.config().getOptions().get(TwinportChannelOption.RX_ZERO_COPY));
            EventLoopGroup other = new MultiThreadIoEventLoopGroup(1, io.netty.channel.local.LocalIoHandler.newFactory());
            try {
                Throwable t = other.register(ch).awaitUninterruptibly().cause();
                assertTrue(t.getMessage().contains("incompatible event loop type"), t.getMessage());
            } finally {
                other.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        } finally {
            fake.close();
        }
    }

    @Test
    void shuttingTheLoopDownClosesItsChannels() {
        FakePort fake = startedFake("nshut");
        try {
            TwinportChannel ch = new TwinportChannel(fake, pool);
            group.register(ch).syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            assertFalse(ch.isOpen());
            assertNull(ch.closeCause(), "the loop closed it, not its port");
        } finally {
            fake.close();
        }
    }
}

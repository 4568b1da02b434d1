package io.twinport.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.netty.IdleStrategy;
import io.twinport.netty.TwinportChannel;
import io.twinport.netty.TwinportIoHandler;
import io.twinport.port.PortConfig;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Frames per second echoed through a {@link TwinportChannel} against the same echo written on the raw port, side by
 * side in one run. Both run the application on its own thread over end A of a wire pair: {@code netty} is a
 * TwinportChannel on an event loop ({@link IdleStrategy#yielding()}) whose handler swaps the MACs and writes the
 * frame back (flushing once per read round), {@code raw} is a thread that does the same with {@code rxBurst},
 * a MAC swap on the packet and {@code txBurst}, yielding when idle too. Every wait yields rather than spins: with
 * three busy threads on two shared cores, a spinner holds the core its peer needs (the first runs, with spinning,
 * varied 100-fold between forks). The JMH thread is the network on end B: one op is one frame; an
 * invocation sends a burst of 32 and takes echoes until at most one burst is on its way (two bursts in flight).
 * Run with {@code -prof gc}: B/op counts every thread's allocation, the application thread's included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NettyChannelBenchmark {
    private static final int BURST = 32;
    private static final int FRAME = 64;

    /** {@code netty}: through the channel and its pipeline; {@code raw}: the same echo on the port's bursts. */
    @Param({"netty", "raw"})
    public String path;

    private PacketPool pool;
    private WirePair pair;
    private WirePort network;
    private EventLoopGroup group;
    private TwinportChannel channel;
    private Thread rawEcho;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Packet[] out = new Packet[BURST];
    private final Packet[] in = new Packet[BURST];
    private long sent;
    private long received;

    /** Starts the application side: the channel on its event loop, or the raw echo thread. */
    @Setup(Level.Trial)
    public void setUp() {
        pool = PacketPool.create("jmh-netty", 8192);
        pair = WirePair.create("jn");
        for (WirePort end : new WirePort[] {pair.a(), pair.b()}) {
            end.configure(PortConfig.DEFAULT.withRingSize(1024));
            end.start();
        }
        network = pair.b();
        WirePort app = pair.a();
        if ("netty".equals(path)) {
            group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(IdleStrategy.yielding()));
            channel = new TwinportChannel(app, pool);
            channel.pipeline().addLast(new Echo());
            group.register(channel).syncUninterruptibly();
        } else {
            rawEcho = Thread.ofPlatform().name("raw-echo").daemon(true).start(() -> {
                Packet[] pkts = new Packet[BURST];
                while (!stop.get()) {
                    int n = app.rxBurst(0, pkts, 0, BURST);
                    if (n == 0) {
                        Thread.yield(); // as the event loop's IdleStrategy.yielding()
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        swapMacs(pkts[i]);
                    }
                    int sentBack = 0;
                    while (sentBack < n && !stop.get()) {
                        sentBack += app.txBurst(0, pkts, sentBack, n - sentBack);
                    }
                    pool.freeBulk(pkts, sentBack, n - sentBack);
                }
            });
        }
    }

    private static void swapMacs(Packet p) {
        long base = p.dataOffset();
        var seg = p.buffer();
        for (int i = 0; i < 6; i++) {
            byte d = seg.get(ValueLayout.JAVA_BYTE, base + i);
            seg.set(ValueLayout.JAVA_BYTE, base + i, seg.get(ValueLayout.JAVA_BYTE, base + 6 + i));
            seg.set(ValueLayout.JAVA_BYTE, base + 6 + i, d);
        }
    }

    /**
     * The Netty application: swap the MACs in place, write the frame back (with the void promise), flush once per
     * read round.
     */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            int r = b.readerIndex();
            for (int i = 0; i < 6; i++) {
                byte d = b.getByte(r + i);
                b.setByte(r + i, b.getByte(r + 6 + i));
                b.setByte(r + 6 + i, d);
            }
            ctx.write(b, ctx.voidPromise()); // write(b) would allocate a promise per frame that nobody reads
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Takes what is on its way back, stops the application side, checks that every packet came back. */
    @TearDown(Level.Trial)
    public void tearDown() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received < sent && System.nanoTime() - deadline < 0) {
            receive();
        }
        long missing = sent - received;
        if (channel != null) {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        stop.set(true);
        if (rawEcho != null) {
            try {
                rawEcho.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pair.close();
        int leaked = pool.inUse();
        pool.close();
        if (missing != 0 || leaked != 0) {
            throw new IllegalStateException("netty benchmark (" + path + "): " + missing + " frames never came back, "
                    + leaked + " packets not returned to the pool");
        }
    }

    private int receive() {
        int n = network.rxBurst(0, in, 0, BURST);
        if (n > 0) {
            pool.freeBulk(in, 0, n);
            received += n;
        }
        return n;
    }

    /**
     * One invocation: a burst of 32 frames out, then echoes in until at most one burst is outstanding.
     *
     * @return frames received so far
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long echo() {
        int n = pool.allocBulk(out, 0, BURST);
        for (int i = 0; i < n; i++) {
            out[i].length(FRAME);
        }
        int taken = network.txBurst(0, out, 0, n);
        pool.freeBulk(out, taken, n - taken);
        sent += taken;
        int idle = 0;
        long deadline = 0;
        while (sent - received > BURST) {
            if (receive() > 0) {
                idle = 0;
            } else if (++idle % 4096 == 0) { // bounded: a lost frame fails the run instead of hanging it
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + TimeUnit.SECONDS.toNanos(10);
                } else if (now - deadline > 0) {
                    throw new IllegalStateException("netty benchmark (" + path + "): " + (sent - received)
                            + " frames not echoed within 10 s");
                }
            } else {
                Thread.yield(); // hand the core to the application thread: on a shared machine a spin starves it
            }
        }
        return received;
    }
}

package io.twinport.bench.demo;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.twinport.bench.example.EchoService;
import io.twinport.failover.FailoverListener;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.netty.IdleStrategy;
import io.twinport.netty.TwinportChannel;
import io.twinport.netty.TwinportIoHandler;
import io.twinport.policy.MacAddress;
import io.twinport.policy.config.TwinportConfig;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest: its own registry and failover manager (which forms the failover port by itself from the virtio standby
 * and a VF of the same MAC), and one application thread that sends numbered frames to the network at a paced rate
 * through the failover port, retrying what TX did not take, and counts the numbered frames that come back from the
 * peer.
 */
public final class Guest implements AutoCloseable {
    /** Backlog of the application's sender. */
    public static final int BACKLOG = 8192;
    /** Sequence window of the application's receiver. */
    public static final int WINDOW = 1 << 22;

    private final MacAddress mac;
    private final PacketPool pool;
    private final PortRegistry registry = new PortRegistry();
    private final FailoverManager manager;
    private final PacedSender sender;
    private final SequenceTracker received = new SequenceTracker(WINDOW);
    private final AtomicLong otherFrames = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopGenerating;
    private volatile boolean stop;
    private volatile int unsent = -1;
    private FailoverPort port;
    private Thread app;
    private EventLoopGroup group;
    private volatile TwinportChannel channel;
    private EchoService.Handlers handlers;
    private boolean channelOpenThroughout;

    /**
     * @param mac              the guest's MAC (the standby's and the VF's)
     * @param peerMac          where its frames go
     * @param pool             the guest's packet memory
     * @param ratePps          frames per second it sends
     * @param gracefulDrainNanos how long the failover port keeps receiving from a member that leaves gracefully
     */
    public Guest(MacAddress mac, MacAddress peerMac, PacketPool pool, long ratePps, long gracefulDrainNanos) {
        this.mac = mac;
        this.pool = pool;
        this.manager = new FailoverManager(registry, FailoverOptions.from(TwinportConfig.defaults())
                .withGracefulDrainNanos(gracefulDrainNanos), TwinportConfig.defaults().pairingExclusions(),
                System::nanoTime);
        this.sender = new PacedSender(pool, DemoFrames.template(peerMac, mac, DemoFrames.STREAM_TO_NETWORK), ratePps,
                BACKLOG);
    }

    /** @return the guest's registry: its devices appear here */
    public PortRegistry registry() {
        return registry;
    }

    /**
     * @param listener told about every failover event, on the guest's control thread
     * @return a handle that removes it
     */
    public AutoCloseable addListener(FailoverListener listener) {
        return manager.addListener(listener);
    }

    /** Starts the guest's control thread (registry and failover manager). */
    public void boot() {
        manager.startControlThread("demo-guest-control");
    }

    /**
     * Waits for the failover port to form (from the standby alone), configures and starts it.
     *
     * @param timeoutNanos how long to wait
     * @return the failover port
     * @throws InterruptedException  if interrupted
     * @throws IllegalStateException if none formed in time
     */
    public FailoverPort awaitFailoverPort(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (manager.failoverPorts().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("guest: no failover port formed within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms; ports: " + registry.ports());
            }
            Thread.sleep(1);
        }
        port = manager.failoverPorts().getFirst();
        port.configure(PortConfig.DEFAULT.withRingSize(1024));
        port.start();
        return port;
    }

    /** Starts the application thread. */
    public void startApplication() {
        FailoverPort fp = port;
        PacedSender.Tx tx = (pkts, off, n) -> fp.txBurst(0, pkts, off, n);
        app = Thread.ofPlatform().name("demo-guest-app").start(() -> {
            Packet[] rx = new Packet[64];
            sender.start(System.nanoTime());
            try {
                while (!stop) {
                    if (stopGenerating) {
                        sender.stopGenerating();
                    }
                    sender.generate(System.nanoTime());
                    sender.send(tx);
                    int n = fp.rxBurst(0, rx, 0, rx.length); // also acknowledges switchovers for this queue
                    for (int i = 0; i < n; i++) {
                        Packet p = rx[i];
                        if (DemoFrames.stream(p) == DemoFrames.STREAM_TO_GUEST) {
                            received.onReceive(DemoFrames.sequence(p));
                        } else {
                            otherFrames.setOpaque(otherFrames.getPlain() + 1); // opaque: read by the summary
                        }
                        rx[i] = null;
                        p.free();
                    }
                    if (n == 0 && sender.backlog() == 0) {
                        LockSupport.parkNanos(Peer.IDLE_PARK_NANOS); // leave the CPU to the control thread
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                unsent = sender.discardBacklog();
            }
        });
    }

    /**
     * Runs a Netty application instead of the application thread: {@code service}'s handlers
     * ({@link EchoService#install}: ARP, ICMP echo, UDP echo) on a {@link TwinportChannel} over the failover port, on
     * one event loop. A handler in front of them counts the numbered UDP echo requests that reach the guest
     * ({@link #received()}); the guest sends nothing of its own.
     *
     * @param service what the application answers as
     * @throws InterruptedException if interrupted while registering the channel
     */
    public void startEchoService(EchoService service) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(IdleStrategy.backoff()));
        TwinportChannel ch = new TwinportChannel(port, pool, registry, 0, 1);
        int udpPort = service.udpPort();
        ch.pipeline().addLast("count-requests", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf f) {
                    long seq = DemoFrames.udpEchoRequestSequence(f, udpPort);
                    if (seq >= 0) {
                        received.onReceive(seq);
                    }
                }
                ctx.fireChannelRead(msg);
            }
        });
        handlers = service.install(ch.pipeline());
        group.register(ch).sync();
        channel = ch;
    }

    /** @return the Netty application's channel ({@link #startEchoService}), or null */
    public TwinportChannel channel() {
        return channel;
    }

    /** @return the Netty application's handlers ({@link #startEchoService}), or null */
    public EchoService.Handlers handlers() {
        return handlers;
    }

    /** @return true if the Netty application's channel was still open when the application stopped */
    public boolean channelOpenThroughout() {
        return channelOpenThroughout;
    }

    /**
     * The host's warning before it unplugs a VF.
     *
     * @param memberName the VF's port name in the guest
     * @return completes when the guest released it
     */
    public CompletableFuture<Void> prepareUnplug(String memberName) {
        return manager.prepareUnplug(memberName);
    }

    /** Generates no more frames; the backlog is still sent. */
    public void stopGenerating() {
        stopGenerating = true;
    }

    /**
     * Stops the application thread.
     *
     * @throws InterruptedException if interrupted
     */
    public void stopApplication() throws InterruptedException {
        stop = true;
        TwinportChannel ch = channel;
        if (ch != null && group != null && !group.isShuttingDown()) {
            channelOpenThroughout = ch.isActive();
            if (!ch.close().await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("guest: the Netty channel did not close within 10 s");
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
        if (app != null) {
            app.join(10_000);
            if (app.isAlive()) {
                throw new IllegalStateException("guest: the application thread did not stop within 10 s");
            }
        }
    }

    /** @return the failover port, once formed */
    public FailoverPort port() {
        return port;
    }

    /** @return the guest's MAC */
    public MacAddress mac() {
        return mac;
    }

    /** @return the application's sender (frames to the network) */
    public PacedSender sender() {
        return sender;
    }

    /** @return what arrived of the peer's frames */
    public SequenceTracker received() {
        return received;
    }

    /** @return frames received that were not the peer's numbered frames */
    public long otherFrames() {
        return otherFrames.getOpaque();
    }

    /** @return frames numbered but never taken by TX (after {@link #stopApplication()}), or -1 */
    public int unsent() {
        return unsent;
    }

    /** @return what the application thread threw, or null */
    public Throwable failure() {
        return failure.get();
    }

    /** @return the guest's packet memory */
    public PacketPool pool() {
        return pool;
    }

    /**
     * Closes the failover port and the control thread, and removes the guest's devices from its registry. Call
     * after {@link #stopApplication()}; the devices themselves are closed by their hosts.
     */
    @Override
    public void close() {
        if (port != null) {
            port.close();
        }
        manager.close();
        registry.doWork();
        manager.doWork();
        registry.close();
    }
}

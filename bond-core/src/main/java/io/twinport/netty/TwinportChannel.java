package io.twinport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.util.internal.StringUtil;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * A Netty {@link io.netty.channel.Channel} over a twinport {@link Port} (any kind, the failover port included):
 * its messages are whole Ethernet frames, {@link ByteBuf} in ({@code write}) and {@link ByteBuf} out
 * ({@code channelRead}), without the FCS. An application adds its handlers to the pipeline and gets the port's
 * behaviour, failover included, without changing them.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(IdleStrategy.backoff()));
 * TwinportChannel ch = new TwinportChannel(port, pool);   // port configured and started by the application
 * ch.pipeline().addLast(new MyFrameHandler());
 * group.register(ch).sync();
 * }</pre>
 *
 * <h2>Queues</h2>
 * A channel owns a range of the port's queues, {@code [firstQueue, firstQueue + queues)}, RX and TX alike: it polls
 * every RX queue of the range and transmits on TX queue {@code firstQueue}; the range's other TX queues get an
 * empty burst every poll round (so a failover port's queues keep acknowledging switchovers and a driver may reclaim).
 * Queues are polled only by the channel's event loop thread; two channels cannot share a queue of a port.
 *
 * <h2>Data path</h2>
 * <ul>
 *   <li><b>RX</b>: on its event loop, per poll round and queue, one {@code rxBurst} of up to
 *       {@link TwinportChannelOption#BURST} frames, each passed on as a {@code ByteBuf} over the packet's memory
 *       (no copy; releasing it frees the packet), or copied into a buffer of the channel's allocator when
 *       {@link TwinportChannelOption#RX_ZERO_COPY} is off; then {@code channelReadComplete}. Auto-read off:
 *       nothing is polled until {@code read()}.</li>
 *   <li><b>TX</b>: {@code write} queues, {@code flush} sends in bursts: each frame becomes a packet (the packet it
 *       was received in when the buffer is an unshared received one, no copy; else one copy into a packet of the TX
 *       pool), and the port takes what it can. A write's promise completes when the port took the frame. What the
 *       port did not take stays queued and is offered again on the next poll round, first, in order; the queued
 *       bytes drive Netty's writability ({@code WRITE_BUFFER_WATER_MARK}), which is the back-pressure.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * The channel closes by itself when its port goes: a REMOVED event from the registry given (with its reason), or
 * the port's own state leaving STARTED (REMOVED, CLOSED, or stopped under the channel). The cause, a
 * {@link PortGoneException} naming the port and the reason, is fired as {@code exceptionCaught}, fails every write
 * still queued, and stays readable as {@link #closeCause()}. A failover port stays STARTED through a switchover (its
 * members come and go), so a switchover never closes the channel.
 */
public final class TwinportChannel extends AbstractChannel {
    private static final System.Logger LOG = System.getLogger(TwinportChannel.class.getName());
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    /** An Ethernet header: the shortest frame a write may carry. */
    public static final int MIN_FRAME = 14;
    // port id << 32 | queue -> the channel that polls it
    private static final ConcurrentHashMap<Long, TwinportChannel> QUEUES_IN_USE = new ConcurrentHashMap<>();
    /**
     * All of the address space, to copy to and from a Netty direct buffer's memory address without a segment (or
     * ByteBuffer view) object per copy; every copy through it lies within a buffer's {@code [0, capacity)}, which the
     * caller checks (the frame's length against the buffer's readable bytes or its fresh capacity).
     */
    @SuppressWarnings("restricted") // no bounds of its own: only copies bounded by a live buffer's capacity use it
    private static final MemorySegment ADDRESSES = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final Port port;
    private final PacketPool txPool;
    private final PortRegistry registry;
    private final int firstQueue;
    private final int queues;
    private final int maxFrame;
    private final TwinportAddress local;
    private final TwinportChannelConfig config;
    private final ChannelCounters counters = new ChannelCounters();
    private final Runnable wake = () -> { };

    // ---- event loop state
    private final Packet[] rxPkts = new Packet[TwinportChannelConfig.MAX_BURST];
    private final Packet[] txPkts = new Packet[TwinportChannelConfig.MAX_BURST];
    private final ByteBuffer txPoolView;
    private final long txPoolBase;
    private PacketPool rxViewPool;
    private ByteBuffer rxView;
    private PacketPool rxSlotsPool;
    private PacketByteBuf[] rxSlots;
    // per pool RX arrives from: the received-frame buffers, one per packet buffer, by packet index (PacketByteBuf)
    private final IdentityHashMap<PacketPool, PacketByteBuf[]> rxSlotTables = new IdentityHashMap<>();
    // txPkts[0, txStaged): packets made of the first txStaged flushed messages, offered to TX, not taken yet
    private int txStaged;
    private int stageSkip;
    private int stageLimit;
    private boolean stageRefused;
    private boolean txRetry;
    private long txTaken;
    private boolean txBurstThisRound;
    private boolean readPending;
    private boolean queuesReserved;
    private IoRegistration registration;
    private AutoCloseable listener;

    // ---- any thread
    private volatile boolean open = true;
    private volatile boolean active;
    private volatile RemovalReason removed;
    private volatile Throwable closeCause;

    /**
     * A channel over all of a port's queues ({@code min(rxQueues, txQueues)} of its configuration), watching only
     * the port's state for its removal.
     *
     * @param port   the port, configured (and started before the channel is registered)
     * @param txPool where frames written are copied when they are not received packets
     */
    public TwinportChannel(Port port, PacketPool txPool) {
        this(port, txPool, null, 0, allQueues(port));
    }

    /**
     * A channel over queues {@code [firstQueue, firstQueue + queues)} of a port.
     *
     * @param port       the port, configured (and started before the channel is registered)
     * @param txPool     where frames written are copied when they are not received packets
     * @param registry   the registry the port is in, to close with the reason of its REMOVED event; or null, to
     *                   watch only the port's state
     * @param firstQueue the first queue
     * @param queues     how many queues, at least 1; the range must lie within both the port's RX and TX queues
     * @throws IllegalArgumentException naming the value if the port is not configured or the range is outside it
     */
    public TwinportChannel(Port port, PacketPool txPool, PortRegistry registry, int firstQueue, int queues) {
        super(null);
        this.port = Objects.requireNonNull(port, "port");
        this.txPool = Objects.requireNonNull(txPool, "txPool");
        this.registry = registry;
        PortConfig cfg = port.config();
        if (cfg == null) {
            throw new IllegalArgumentException("twinport channel: port " + port.name() + " is not configured (it is "
                    + port.state() + "): configure and start it first");
        }
        int max = Math.min(cfg.rxQueues(), cfg.txQueues());
        if (queues < 1 || firstQueue < 0 || firstQueue > max - queues) {
            throw new IllegalArgumentException("twinport channel: queues [" + firstQueue + ", " + firstQueue + " + "
                    + queues + ") of port " + port.name() + " out of range: the port has " + cfg.rxQueues()
                    + " RX and " + cfg.txQueues() + " TX queues, a channel needs at least one of each");
        }
        this.firstQueue = firstQueue;
        this.queues = queues;
        this.maxFrame = txPool.bufferSize() - txPool.headroom();
        this.local = new TwinportAddress(port.name(), firstQueue, queues);
        this.config = new TwinportChannelConfig(this);
        this.txPoolView = wholePool(txPool);
        this.txPoolBase = txPool.memory().address();
    }

    private static int allQueues(Port port) {
        PortConfig cfg = Objects.requireNonNull(port, "port").config();
        return cfg == null ? 1 : Math.min(cfg.rxQueues(), cfg.txQueues()); // an unconfigured port fails in the check
    }

    /** @return the pool's memory as one direct buffer, or null if it is larger than a ByteBuffer can be */
    private static ByteBuffer wholePool(PacketPool pool) {
        long size = pool.memory().size();
        return size > Integer.MAX_VALUE ? null : pool.memory().segment().asByteBuffer();
    }

    /** @return the port */
    public Port port() {
        return port;
    }

    /** @return the first queue the channel polls */
    public int firstQueue() {
        return firstQueue;
    }

    /** @return how many queues the channel polls */
    public int queues() {
        return queues;
    }

    /** @return the channel's counters now */
    public TwinportChannelStats stats() {
        return counters.snapshot();
    }

    /** @return why the channel closed by itself (a {@link PortGoneException}), or null */
    public Throwable closeCause() {
        return closeCause;
    }

    @Override
    public TwinportChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && active;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public TwinportAddress localAddress() {
        return local;
    }

    @Override
    public SocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new TwinportUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isCompatible(TwinportUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    // ================================================================== life cycle (event loop)

    @Override
    protected void doRegister(ChannelPromise promise) {
        PortState state = port.state();
        if (state != PortState.STARTED) {
            promise.setFailure(new IllegalStateException("twinport channel " + local + ": port " + port.name()
                    + " is " + state + ": start it before registering a channel on it"));
            return;
        }
        if (!queuesReserved) {
            String refusal = reserveQueues();
            if (refusal != null) {
                promise.setFailure(new IllegalStateException(refusal));
                return;
            }
        }
        ((IoEventLoop) eventLoop()).register((TwinportUnsafe) unsafe()).addListener(f -> {
            if (!f.isSuccess()) {
                promise.setFailure(f.cause());
                return;
            }
            registration = (IoRegistration) f.getNow();
            active = true;
            if (registry != null && listener == null) {
                listener = registry.addListener(this::onPortEvent);
            }
            promise.setSuccess();
        });
    }

    private String reserveQueues() {
        for (int q = firstQueue; q < firstQueue + queues; q++) {
            TwinportChannel other = QUEUES_IN_USE.putIfAbsent(queueKey(q), this);
            if (other != null) {
                for (int r = firstQueue; r < q; r++) {
                    QUEUES_IN_USE.remove(queueKey(r), this);
                }
                return "twinport channel " + local + ": queue " + q + " of port " + port.name()
                        + " is polled by another open channel (" + other.local + "); one thread per queue";
            }
        }
        queuesReserved = true;
        return null;
    }

    private void releaseQueues() {
        if (queuesReserved) {
            queuesReserved = false;
            for (int q = firstQueue; q < firstQueue + queues; q++) {
                QUEUES_IN_USE.remove(queueKey(q), this);
            }
        }
    }

    private long queueKey(int q) {
        return ((long) port.id() << 32) | q;
    }

    @Override
    protected void doDeregister() {
        IoRegistration r = registration;
        if (r != null) {
            registration = null;
            r.cancel();
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        if (!local.equals(localAddress)) {
            throw new UnsupportedOperationException("twinport channel " + local + ": it is bound to its port's"
                    + " queues from the start; cannot bind to " + localAddress);
        }
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException("twinport channel " + local + ": nothing to disconnect");
    }

    @Override
    protected void doClose() {
        open = false;
        active = false;
        int dropped = txStaged;
        for (int i = 0; i < dropped; i++) {
            txPkts[i].free();
            txPkts[i] = null;
        }
        txStaged = 0;
        if (dropped > 0) {
            counters.add(ChannelCounters.TX_DROPPED, dropped);
        }
        releaseQueues();
        AutoCloseable l = listener;
        listener = null;
        if (l != null) {
            try {
                l.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "twinport channel " + local + ": removing its registry listener failed", e);
            }
        }
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
    }

    /** Registry listener, control thread: the port's REMOVED event closes the channel with its reason. */
    private void onPortEvent(PortEvent event) {
        if (event.type() == PortEventType.REMOVED && event.port() == port) {
            removed = event.reason();
            try {
                eventLoop().execute(wake); // ends a park: the next poll round closes the channel
            } catch (RejectedExecutionException e) {
                // the loop is shutting down: it closes its channels itself
            }
        }
    }

    // ================================================================== poll round (event loop)

    private int poll() {
        if (!active || !open) {
            return 0;
        }
        RemovalReason reason = removed;
        PortState state = port.state();
        if (reason != null || state != PortState.STARTED) {
            closeForPort(reason, state);
            return 1;
        }
        txBurstThisRound = false;
        int work = 0;
        if (txRetry) {
            txRetry = false;
            long before = txTaken;
            ((TwinportUnsafe) unsafe()).flushQueued();
            work += (int) (txTaken - before);
            if (!open) {
                return work + 1;
            }
        }
        for (int q = firstQueue, end = firstQueue + queues; q < end; q++) {
            if (q != firstQueue || !txBurstThisRound) {
                port.txBurst(q, txPkts, 0, 0); // acknowledges switchovers; lets a driver reclaim and kick
            }
        }
        if (readPending) {
            work += readRound();
        }
        return work;
    }

    private int readRound() {
        readPending = false; // a read() from a handler during delivery asks for the next round
        int burst = config.getBurst();
        boolean zeroCopy = config.isRxZeroCopy();
        ChannelPipeline pipeline = pipeline();
        int total = 0;
        long bytes = 0;
        for (int q = firstQueue, end = firstQueue + queues; q < end && open; q++) {
            int n = port.rxBurst(q, rxPkts, 0, burst);
            for (int i = 0; i < n; i++) {
                Packet p = rxPkts[i];
                rxPkts[i] = null;
                bytes += p.length();
                ByteBuf buf;
                try {
                    buf = zeroCopy ? wrap(p) : copy(p);
                } catch (RuntimeException | OutOfMemoryError e) {
                    // the allocator failed (copy mode): this frame and the rest of the burst go back, visibly
                    p.free();
                    for (int j = i + 1; j < n; j++) {
                        rxPkts[j].free();
                        rxPkts[j] = null;
                    }
                    total += i;
                    pipeline.fireExceptionCaught(e);
                    n = 0;
                    break;
                }
                pipeline.fireChannelRead(buf);
            }
            total += n;
        }
        if (total == 0) {
            readPending = true; // nothing yet: the read stays pending
            return 0;
        }
        counters.add(ChannelCounters.RX_FRAMES, total);
        counters.add(ChannelCounters.RX_BYTES, bytes);
        counters.add(zeroCopy ? ChannelCounters.RX_ZERO_COPY : ChannelCounters.RX_COPIED, total);
        pipeline.fireChannelReadComplete();
        return total;
    }

    private ByteBuffer viewOf(PacketPool pool) {
        if (pool != rxViewPool) {
            rxViewPool = pool;
            rxView = wholePool(pool);
        }
        return rxView;
    }

    private PacketByteBuf[] slotsOf(PacketPool pool) {
        if (pool != rxSlotsPool) {
            PacketByteBuf[] slots = rxSlotTables.get(pool);
            if (slots == null) {
                slots = new PacketByteBuf[pool.capacity()];
                rxSlotTables.put(pool, slots);
            }
            rxSlotsPool = pool;
            rxSlots = slots;
        }
        return rxSlots;
    }

    /** @return the frame in {@code p} as a buffer over its memory: the packet buffer's own, made once and reused */
    private ByteBuf wrap(Packet p) {
        int offset = p.dataOffset();
        PacketPool pool = p.pool();
        ByteBuffer view = viewOf(pool);
        PacketByteBuf[] slots = slotsOf(pool);
        int index = p.index();
        PacketByteBuf buf = PacketByteBuf.takeSlot(slots, index);
        if (buf == null || !buf.fits(offset)) {
            // the packet's first frame here (or it starts elsewhere now): a buffer over it, kept for its next ones
            int capacity = p.bufferSize() - offset;
            ByteBuffer memory = view != null
                    ? view.slice((int) (p.bufferAddress() - pool.memory().address()) + offset, capacity)
                    : p.buffer().asSlice(offset, capacity).asByteBuffer();
            buf = new PacketByteBuf(alloc(), memory, slots, index, offset);
        }
        return LeakAwareBuffers.track(buf.arm(p));
    }

    private ByteBuf copy(Packet p) {
        int len = p.length();
        ByteBuf buf = alloc().directBuffer(len);
        try {
            if (buf.hasMemoryAddress()) {
                // straight into the buffer's memory: its ByteBuffer view would be a new object per buffer
                int at = buf.writerIndex();
                MemorySegment.copy(p.buffer(), p.dataOffset(), ADDRESSES, buf.memoryAddress() + at, len);
                buf.writerIndex(at + len);
            } else {
                PacketPool pool = p.pool();
                ByteBuffer view = viewOf(pool);
                if (view != null) {
                    int off = (int) (p.bufferAddress() - pool.memory().address()) + p.dataOffset();
                    view.clear().position(off).limit(off + len);
                    buf.writeBytes(view);
                } else {
                    buf.writeBytes(p.buffer().asSlice(p.dataOffset(), len).asByteBuffer());
                }
            }
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        p.free();
        return buf;
    }

    private void closeForPort(RemovalReason reason, PortState state) {
        String what;
        if (reason != null) {
            what = switch (reason) {
                case SURPRISE -> "was removed (surprise removal: the device vanished)";
                case GRACEFUL -> "was removed (graceful unplug)";
                case CLOSED -> "was removed (closed and unregistered by the application)";
            };
        } else {
            what = switch (state) {
                case REMOVED -> "was removed (it reports state REMOVED: the device went away)";
                case CLOSED -> "was closed under the channel (state CLOSED)";
                default -> "was stopped under the channel (state " + state + ")";
            };
        }
        PortGoneException cause = new PortGoneException(port.name(), reason, state, "port " + port.name() + " "
                + what + "; twinport channel " + local + " closed");
        closeCause = cause;
        pipeline().fireExceptionCaught(cause);
        ((TwinportUnsafe) unsafe()).closeWith(cause);
    }

    // ================================================================== TX (event loop)

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf buf) {
            int len = buf.readableBytes();
            if (len < MIN_FRAME || len > maxFrame) {
                throw new IllegalArgumentException(frameSizeRefusal(len));
            }
            return msg;
        }
        throw new UnsupportedOperationException("twinport channel " + local + ": cannot write a "
                + StringUtil.simpleClassName(msg) + "; write ByteBufs, each one whole Ethernet frame");
    }

    private String frameSizeRefusal(int len) {
        return "twinport channel " + local + ": frame of " + len + " bytes out of range [" + MIN_FRAME + ", "
                + maxFrame + "] (an Ethernet header and payload, no FCS, that fits a buffer of pool "
                + txPool.name() + ")";
    }

    private final ChannelOutboundBuffer.MessageProcessor stager = this::stage;

    /** Turns flushed message number {@code txStaged} (and on) into packets, up to the burst; see doWrite. */
    private boolean stage(Object msg) {
        if (stageSkip > 0) {
            stageSkip--; // already a packet in txPkts
            return true;
        }
        if (txStaged >= stageLimit) {
            return false;
        }
        ByteBuf buf = (ByteBuf) msg; // filterOutboundMessage let only ByteBufs in
        int len = buf.readableBytes();
        PacketByteBuf received = zeroCopySource(buf);
        Packet p;
        if (received != null) {
            p = received.takePacket(buf.readerIndex(), len);
            counters.add(ChannelCounters.TX_ZERO_COPY, 1);
        } else {
            if (len < MIN_FRAME || len > maxFrame) {
                stageRefused = true; // changed after write(); refused when it reaches the front
                return false;
            }
            p = txPool.alloc();
            if (p == null) {
                counters.add(ChannelCounters.TX_NO_BUFFER, 1);
                return false;
            }
            copyInto(p, buf, len);
            counters.add(ChannelCounters.TX_COPIED, 1);
        }
        txPkts[txStaged++] = p;
        return true;
    }

    /** @return the received buffer under {@code msg} if its packet can go to TX as it is, else null */
    private static PacketByteBuf zeroCopySource(ByteBuf msg) {
        if (msg.refCnt() != 1) {
            return null; // someone else holds it: the packet must stay
        }
        ByteBuf b = msg instanceof PacketByteBuf ? msg : msg.unwrap(); // the leak detector's wrapper, a duplicate
        if (b instanceof PacketByteBuf received && received.backedByPacket() && msg.capacity() == b.capacity()) {
            return received; // same index space as the packet buffer's view
        }
        return null;
    }

    private void copyInto(Packet p, ByteBuf buf, int len) {
        int from = buf.readerIndex();
        if (buf.hasArray()) {
            p.write(0, buf.array(), buf.arrayOffset() + from, len);
        } else if (buf.hasMemoryAddress()) {
            // straight from the buffer's memory: getBytes into a ByteBuffer makes a view object per call
            MemorySegment.copy(ADDRESSES, buf.memoryAddress() + from, p.buffer(), p.dataOffset(), len);
        } else if (txPoolView != null) {
            int off = (int) (p.bufferAddress() - txPoolBase) + p.dataOffset();
            txPoolView.clear().position(off).limit(off + len);
            buf.getBytes(from, txPoolView);
        } else {
            buf.getBytes(from, p.buffer().asSlice(p.dataOffset(), len).asByteBuffer());
        }
        p.length(len);
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        int burst = config.getBurst();
        for (int spin = config.getWriteSpinCount(); spin > 0 && open; spin--) {
            stageSkip = txStaged;
            stageLimit = burst;
            stageRefused = false;
            in.forEachFlushedMessage(stager);
            if (txStaged == 0) {
                if (stageRefused) {
                    in.remove(new IllegalArgumentException(frameSizeRefusal(((ByteBuf) in.current())
                            .readableBytes())));
                    continue;
                }
                txRetry = !in.isEmpty(); // the TX pool was dry: again on the next poll round
                return;
            }
            int offered = txStaged;
            long bytes = 0;
            for (int i = 0; i < offered; i++) {
                bytes += txPkts[i].length();
            }
            int n = port.txBurst(firstQueue, txPkts, 0, offered);
            txBurstThisRound = true;
            if (n > 0) {
                for (int i = n; i < offered; i++) {
                    bytes -= txPkts[i].length(); // still ours
                }
                System.arraycopy(txPkts, n, txPkts, 0, offered - n);
                for (int i = offered - n; i < offered; i++) {
                    txPkts[i] = null;
                }
                txStaged = offered - n;
                txTaken += n;
                counters.add(ChannelCounters.TX_FRAMES, n);
                counters.add(ChannelCounters.TX_BYTES, bytes);
                // the port owns those packets now; their messages leave the buffer (a zero-copy one frees nothing)
                for (int i = 0; i < n; i++) {
                    if (!in.remove()) {
                        break; // a listener closed the channel: the buffer was failed and emptied
                    }
                }
            }
            if (txStaged > 0) {
                counters.add(ChannelCounters.TX_BLOCKED, 1);
                txRetry = true; // the port is full: the rest, first and in order, on the next poll round
                return;
            }
            if (in.isEmpty()) {
                txRetry = false;
                return;
            }
        }
        txRetry = open && !in.isEmpty(); // spin count used up: carry on next round
    }

    // ================================================================== unsafe

    private final class TwinportUnsafe extends AbstractUnsafe implements TwinportIoHandle {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            safeSetFailure(promise, new UnsupportedOperationException("twinport channel " + local
                    + ": nothing to connect to; frames go out on the port as they are"));
        }

        @Override
        public int poll() {
            return TwinportChannel.this.poll();
        }

        @Override
        public void closeNow() {
            close(voidPromise());
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            // nothing is submitted: the handler polls
        }

        @Override
        public void close() {
            close(voidPromise());
        }

        void flushQueued() {
            flush0();
        }

        void closeWith(PortGoneException cause) {
            if (config().isAutoClose()) {
                // an IOException with auto-close: Netty records it as the close cause, so writes after the close
                // fail with a ClosedChannelException caused by it, and closes with it (queued writes fail with it)
                handleWriteError(cause);
            } else {
                ClosedChannelException closed = new ClosedChannelException();
                closed.initCause(cause);
                close(voidPromise(), cause, closed);
            }
        }

        @Override
        public String toString() {
            return "TwinportChannel[" + local + "]";
        }
    }

    @Override
    public String toString() {
        return "TwinportChannel[" + local + (isActive() ? ", active" : open ? ", open" : ", closed") + "]";
    }
}

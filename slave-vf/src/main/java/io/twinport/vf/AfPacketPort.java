package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.AbstractPort;
import io.twinport.port.DeviceIdentity;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.PortStats;
import io.twinport.port.QueueCounters;
import io.twinport.port.VirtioNetFeature;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Objects;

/**
 * A port over a Linux netdev through AF_PACKET, with mmap'ed rings (the VF member, or any netdev).
 *
 * <pre>
 *                 rxBurst(q)                                txBurst(q)
 *   pool packets ◄── copy ── RX ring q (TPACKET_V3)   pool packets ── copy ──► TX ring q (TPACKET_V2)
 *                             ▲  socket q, PACKET_FANOUT                        │  socket q, one sendto per burst
 *                             │  (hash) over all RX sockets                     ▼  (PACKET_QDISC_BYPASS)
 *                    ─────────┴──────────── netdev (bound by ifindex) ─────────┴──────────
 * </pre>
 *
 * <p><b>Life cycle.</b> {@code configure} applies the MTU and MAC to the netdev (rtnetlink, by ifindex);
 * {@code start} brings the netdev up if it is down and opens one RX socket per RX queue (joined in one fanout
 * group when there are several) and one TX socket per TX queue, maps their rings, and adds the promiscuous,
 * all-multicast and multicast memberships on RX socket 0 (the kernel drops them when the socket closes);
 * {@code stop} hands every frame the TX bursts took to the kernel (kicking until the TX rings are empty, at most
 * {@link #TX_FLUSH_MILLIS}; what is left is counted and logged) and closes the sockets; {@code close} does the same
 * and also restores the MTU and MAC the netdev had before this port changed them.
 *
 * <p><b>Hot-plug.</b> A {@link NetdevWatcher} tells the port about its netdev: link changes become LINK_UP /
 * LINK_DOWN, a rename updates {@link #ifName()} (the port keeps its name), and removal (RTM_DELLINK, or the RX
 * socket's error ENETDOWN with the binding gone) makes the port {@link PortState#REMOVED}. A removed port keeps its
 * sockets and rings mapped until {@code close}, because a queue thread may still be inside a burst: that burst
 * finishes on valid memory, TX counts what the kernel refused as errors, and the next burst returns 0. No pool
 * packet is ever held by the port between bursts, so nothing is left out of the pool.
 *
 * <p><b>Data path.</b> {@code rxBurst} and {@code txBurst} touch only the rings, the pool and the segments
 * allocated with each queue at start; they never allocate, throw or log.
 */
public final class AfPacketPort extends AbstractPort {
    /** The driver name in {@link PortInfo#driver()}. */
    public static final String DRIVER = "afpacket";
    /** Most RX or TX queues a port can offer (fanout sockets / TX sockets); the options choose up to this. */
    public static final int MAX_QUEUES = AfPacketOptions.MAX_QUEUES;
    /** Largest ring size (frames per ring) accepted. */
    public static final int MAX_RING_SIZE = 1 << 16;
    /** Largest total ring memory one port may map, in bytes. */
    public static final long MAX_RING_MEMORY = 2L << 30;
    /** Room a frame needs besides its MTU: the Ethernet header plus a VLAN tag. */
    private static final int L2_OVERHEAD = 18;
    /** {@code PACKET_FANOUT_FLAG_IGNORE_OUTGOING} (Linux 6.x): the group ignores outgoing frames. */
    private static final int FANOUT_FLAG_IGNORE_OUTGOING = 0x4000;
    /**
     * Longest a stop (or close) waits for the TX rings to empty: frames still requested are kicked, frames in flight
     * waited for; what is still requested after this is abandoned, counted and logged.
     */
    static final long TX_FLUSH_MILLIS = 100;
    /** Pause between two rounds of kicks while a stop empties the TX rings. */
    private static final long TX_FLUSH_PAUSE_NANOS = 20_000;

    private static final System.Logger LOG = System.getLogger(AfPacketPort.class.getName());

    private final PacketPool pool;
    private final AfPacketOptions options;
    private final int ifindex;
    private final NetdevIdentity identity;
    private volatile String ifName;

    // control path (synchronized on this port): what configure changed on the netdev, to restore on close
    private int originalMtu;
    private MacAddress originalMac;
    // set by start, released by stop/close; published to queue threads by AbstractPort's volatile state write
    private Arena queueArena;
    private RxRing[] rxRings;
    private TxRing[] txRings;
    private MemorySegment healthPoll;
    private int fanoutGroup = -1;
    private boolean suspect;
    // what stops did with the TX rings' frames (any thread reads them for xstats)
    private final java.util.concurrent.atomic.AtomicLong txStopFlushed = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong txAbandoned = new java.util.concurrent.atomic.AtomicLong();
    // abandoned frames that the data path had counted as sent: added to txErrors
    private final java.util.concurrent.atomic.AtomicLong txAbandonedErrors =
            new java.util.concurrent.atomic.AtomicLong();
    // deferred kicks of the rings closed so far (the open rings count their own)
    private final java.util.concurrent.atomic.AtomicLong txDeferredKicksClosed =
            new java.util.concurrent.atomic.AtomicLong();
    // run by close(): what whoever opened the port attached to it (the fwd kind's watcher reference)
    private final java.util.List<Runnable> onClose = new java.util.ArrayList<>();

    private AfPacketPort(String portName, Netdev dev, NetdevIdentity identity, PacketPool pool,
                         AfPacketOptions options) {
        super(info(portName, dev, identity, pool, options));
        this.pool = pool;
        this.options = options;
        this.ifindex = dev.ifindex();
        this.identity = identity;
        this.ifName = dev.name();
        setLinkUp(dev.linkUp());
    }

    private static PortInfo info(String portName, Netdev dev, NetdevIdentity identity, PacketPool pool,
                                 AfPacketOptions options) {
        int maxMtu = Math.min(dev.maxMtu(), Math.min(options.maxTxFrame(), options.maxRxFrame()) - L2_OVERHEAD);
        maxMtu = Math.min(maxMtu, pool.bufferSize() - pool.headroom() - L2_OVERHEAD);
        int minMtu = Math.max(68, dev.minMtu());
        if (maxMtu < minMtu) {
            throw new PortException("port " + portName + ": no MTU fits: netdev " + dev.name() + " accepts ["
                    + dev.minMtu() + ", " + dev.maxMtu() + "], " + AfPacketOptions.FRAME_SIZE_KEY + "="
                    + options.frameSize() + " and pool buffers of " + pool.bufferSize() + " bytes (headroom "
                    + pool.headroom() + ") hold at most " + maxMtu);
        }
        long features = identity.virtio() ? identity.virtioFeatures()
                : VirtioNetFeature.MAC.mask() | VirtioNetFeature.STATUS.mask();
        DeviceIdentity id = new DeviceIdentity(identity.busAddress(), null, identity.virtualFunction());
        return new PortInfo(portName, DRIVER, dev.mac(), options.queues(), options.queues(), MAX_RING_SIZE, features,
                minMtu, maxMtu, id);
    }

    /**
     * Opens a port on the netdev named {@code ifname} in this process's network namespace; the port is named after
     * it and bound to its ifindex.
     *
     * @param ifname  the netdev's name
     * @param pool    where received frames are copied to
     * @param options ring geometry and behaviour
     * @return the port, created (not configured)
     * @throws PortException if there is no such netdev
     */
    public static AfPacketPort open(String ifname, PacketPool pool, AfPacketOptions options) {
        Objects.requireNonNull(ifname, "ifname");
        Netdev dev = Kernel.links().getLink(ifname);
        if (dev == null) {
            throw new PortException("port " + ifname + ": no netdev named " + ifname
                    + " in this network namespace (RTM_GETLINK answered ENODEV)");
        }
        return create(ifname, dev, Sysfs.SYSTEM.identity(dev.name(), dev.kind()), pool, options);
    }

    /**
     * @param portName the port's name (the registry key; it does not follow renames of the netdev)
     * @param dev      the netdev as rtnetlink reported it
     * @param identity what sysfs says about it
     * @param pool     where received frames are copied to
     * @param options  ring geometry and behaviour
     * @return the port, created (not configured)
     */
    public static AfPacketPort create(String portName, Netdev dev, NetdevIdentity identity, PacketPool pool,
                                      AfPacketOptions options) {
        return new AfPacketPort(Objects.requireNonNull(portName, "portName"), Objects.requireNonNull(dev, "dev"),
                Objects.requireNonNull(identity, "identity"), Objects.requireNonNull(pool, "pool"),
                Objects.requireNonNull(options, "options"));
    }

    /** @return the netdev's interface index: the port is bound to it, not to a name */
    public int ifindex() {
        return ifindex;
    }

    /** @return the netdev's name now (it follows renames; {@link #name()} does not) */
    public String ifName() {
        return ifName;
    }

    /** @return what sysfs said about the netdev when the port was created */
    public NetdevIdentity netdevIdentity() {
        return identity;
    }

    /** @return the options the port was created with */
    public AfPacketOptions options() {
        return options;
    }

    /** @return the pool received frames go to */
    public PacketPool pool() {
        return pool;
    }

    /**
     * @param queue an RX queue
     * @return a new idle strategy for the thread that polls that queue (see {@link QueueIdleStrategy})
     */
    public QueueIdleStrategy idleStrategy(int queue) {
        if (queue < 0 || queue >= MAX_QUEUES) {
            throw new IllegalArgumentException("port " + name() + ": queue " + queue + " out of range [0, "
                    + (MAX_QUEUES - 1) + "]");
        }
        return new QueueIdleStrategy(this, queue, options);
    }

    RxRing rxRing(int queue) {
        RxRing[] r = rxRings;
        return r != null && queue < r.length ? r[queue] : null;
    }

    // ---------------------------------------------------------------- control path

    @Override
    protected void doConfigure(PortConfig cfg) {
        long frames = options.framesFor(cfg.ringSize());
        long bytes = frames * options.frameSize() * (cfg.rxQueues() + cfg.txQueues());
        if (bytes > MAX_RING_MEMORY) {
            throw new PortException("port " + name() + ": rings of " + frames + " frames x " + options.frameSize()
                    + " bytes on " + (cfg.rxQueues() + cfg.txQueues()) + " queues need " + bytes
                    + " bytes, more than " + MAX_RING_MEMORY);
        }
        Netdev now = netdevOrThrow("configure");
        boolean mtuChanged = false;
        if (cfg.mtu() != now.mtu()) {
            if (originalMtu == 0) {
                originalMtu = now.mtu();
            }
            Kernel.links().setLink(ifindex, cfg.mtu(), null, 0, 0);
            mtuChanged = true;
        }
        MacAddress want = cfg.mac() != null ? cfg.mac() : originalMac;
        if (want != null && !want.equals(now.mac())) {
            if (originalMac == null) {
                originalMac = now.mac();
            }
            try {
                Kernel.links().setLink(ifindex, 0, want, 0, 0);
            } catch (RuntimeException e) {
                if (mtuChanged) {
                    try {
                        Kernel.links().setLink(ifindex, now.mtu(), null, 0, 0); // leave the netdev as it was
                    } catch (RuntimeException r) {
                        e.addSuppressed(r);
                    }
                }
                throw e;
            }
        }
    }

    private Netdev netdevOrThrow(String what) {
        Netdev now = Kernel.links().getLink(ifindex);
        if (now == null) {
            throw new PortException("port " + name() + ": " + what + " failed: netdev " + ifName + " (ifindex "
                    + ifindex + ") is gone");
        }
        return now;
    }

    @Override
    protected void doStart() {
        PortConfig cfg = config();
        Netdev now = netdevOrThrow("start");
        if (!now.adminUp()) {
            Kernel.links().setLink(ifindex, 0, null, NetlinkDescriptor.IFF_UP, NetlinkDescriptor.IFF_UP);
        }
        int frames = options.framesFor(cfg.ringSize());
        Arena arena = Arena.ofShared();
        RxRing[] rx = new RxRing[cfg.rxQueues()];
        TxRing[] tx = new TxRing[cfg.txQueues()];
        try {
            for (int q = 0; q < rx.length; q++) {
                rx[q] = RxRing.open(ifindex, frames, options, arena);
            }
            fanoutGroup = rx.length > 1 ? joinFanout(rx) : -1;
            if (cfg.promiscuous()) {
                rx[0].addMembership(ifindex, PacketRingDescriptor.PACKET_MR_PROMISC, null);
            }
            if (cfg.allMulticast()) {
                rx[0].addMembership(ifindex, PacketRingDescriptor.PACKET_MR_ALLMULTI, null);
            }
            for (MacAddress group : cfg.multicast()) {
                rx[0].addMembership(ifindex, PacketRingDescriptor.PACKET_MR_MULTICAST, group.toBytes());
            }
            for (int q = 0; q < tx.length; q++) {
                tx[q] = TxRing.open(ifindex, frames, options, arena);
            }
            healthPoll = arena.allocate((long) PacketRingDescriptor.POLLFD_SIZE * rx.length, 4);
        } catch (RuntimeException e) {
            closeRings(rx, tx);
            arena.close();
            throw e;
        }
        queueArena = arena;
        rxRings = rx;
        txRings = tx;
        suspect = false;
        Netdev after = Kernel.links().getLink(ifindex);
        if (after != null) {
            setLinkUp(after.linkUp());
        }
    }

    private int joinFanout(RxRing[] rx) {
        int mode = options.fanout().mode();
        int flags = FANOUT_FLAG_IGNORE_OUTGOING;
        int id;
        try {
            id = rx[0].joinFanout(-1, mode | flags);
        } catch (io.twinport.sys.SyscallException e) {
            if (e.errno() != io.twinport.sys.Errno.EINVAL) {
                throw e;
            }
            // a kernel before PACKET_FANOUT_FLAG_IGNORE_OUTGOING: outgoing frames may show up on RX
            LOG.log(Level.WARNING, "port " + name() + ": the kernel refused PACKET_FANOUT_FLAG_IGNORE_OUTGOING;"
                    + " frames this host sends on " + ifName + " may be received too");
            flags = 0;
            id = rx[0].joinFanout(-1, mode);
        }
        for (int q = 1; q < rx.length; q++) {
            rx[q].joinFanout(id, mode | flags);
        }
        return id;
    }

    @Override
    protected void doStop() {
        if (state() == PortState.REMOVED) {
            // markRemoved: a queue thread may be inside a burst right now; close() releases the rings
            return;
        }
        releaseQueues();
    }

    @Override
    protected void doClose() {
        releaseQueues();
        restoreNetdev();
        for (Runnable r : onClose) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "port " + name() + ": a close action failed", e);
            }
        }
        onClose.clear();
    }

    /**
     * Runs {@code action} when the port is closed (after its sockets are), once.
     *
     * @param action e.g. releasing a watcher that follows this port
     */
    synchronized void onClose(Runnable action) {
        onClose.add(action);
    }

    private void releaseQueues() {
        flushTx(txRings);
        RuntimeException failure = closeRings(rxRings, txRings);
        rxRings = null;
        txRings = null;
        healthPoll = null;
        fanoutGroup = -1;
        if (queueArena != null) {
            try {
                queueArena.close();
            } catch (IllegalStateException e) {
                // a thread is still inside a downcall on a queue segment (polling a port that is being stopped
                // breaks the Port contract): leave the segments to the GC rather than fail the stop
                failure = failure == null ? e : failure;
            }
            queueArena = null;
        }
        if (failure != null) {
            LOG.log(Level.WARNING, "port " + name() + ": releasing the queues of " + ifName + " failed", failure);
        }
    }

    /**
     * Hands every frame the TX bursts took to the kernel before the sockets close: a frame a burst took belongs to
     * the port, and the kernel may have deferred its kick (send buffer full, a frame dropped by the device) with no
     * burst to come that would repeat it. Kicks while frames are requested and waits while frames are in flight
     * (their skbs still queued, e.g. in a veth peer's backlog, which deleting the netdev would flush), at most
     * {@link #TX_FLUSH_MILLIS}; frames still requested then, or when the kernel refuses the kick (device down or
     * gone), are abandoned: counted ({@code tx_abandoned}, and in {@code txErrors} unless a refused kick already
     * counted them there) and logged.
     */
    private void flushTx(TxRing[] tx) {
        if (tx == null) {
            return;
        }
        int[] requested = new int[tx.length];
        int total = 0;
        for (int q = 0; q < tx.length; q++) {
            if (tx[q] != null) {
                requested[q] = tx[q].count(PacketRingDescriptor.TP_STATUS_SEND_REQUEST);
                total += requested[q];
            }
        }
        long start = System.nanoTime();
        long deadline = start + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(TX_FLUSH_MILLIS);
        while (true) {
            boolean done = true;
            for (TxRing t : tx) {
                if (t != null && !t.flushStep()) {
                    done = false;
                }
            }
            if (done || System.nanoTime() - deadline >= 0) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TX_FLUSH_PAUSE_NANOS);
        }
        long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (int q = 0; q < tx.length; q++) {
            TxRing t = tx[q];
            if (t == null) {
                continue;
            }
            txDeferredKicksClosed.addAndGet(t.deferredKicks());
            int abandoned = t.count(PacketRingDescriptor.TP_STATUS_SEND_REQUEST);
            int inFlight = t.count(PacketRingDescriptor.TP_STATUS_SENDING);
            txStopFlushed.addAndGet(Math.max(0, requested[q] - abandoned));
            if (abandoned > 0) {
                txAbandoned.addAndGet(abandoned);
                txAbandonedErrors.addAndGet(Math.max(0, abandoned - t.refusedRequested()));
                LOG.log(Level.WARNING, "port " + name() + ": TX queue " + q + " of " + ifName + " abandoned "
                        + abandoned + " frames the kernel had not taken "
                        + (t.flushRefused() ? "(it refused the kick: " + io.twinport.sys.Errno.name(t.lastErrno())
                        + ")" : "after " + millis + " ms (last kick error: "
                        + (t.lastErrno() == 0 ? "none" : io.twinport.sys.Errno.name(t.lastErrno())) + ")")
                        + "; they count as TX errors");
            }
            if (inFlight > 0 && !t.flushRefused()) {
                LOG.log(Level.INFO, "port " + name() + ": TX queue " + q + " of " + ifName + " closes with "
                        + inFlight + " frames still in flight after " + millis + " ms (the kernel sends them on)");
            }
        }
        if (total > 0) {
            LOG.log(Level.DEBUG, "port " + name() + ": stop found " + total + " TX frames not yet taken by the kernel"
                    + " on " + ifName + " and kicked them in " + millis + " ms");
        }
    }

    private static RuntimeException closeRings(RxRing[] rx, TxRing[] tx) {
        RuntimeException failure = null;
        if (rx != null) {
            for (RxRing r : rx) {
                if (r != null) {
                    RuntimeException e = r.close();
                    failure = failure == null ? e : failure;
                }
            }
        }
        if (tx != null) {
            for (TxRing t : tx) {
                if (t != null) {
                    RuntimeException e = t.close();
                    failure = failure == null ? e : failure;
                }
            }
        }
        return failure;
    }

    /** Puts back the MTU and MAC the netdev had before configure changed them, if it still exists. */
    private void restoreNetdev() {
        if (originalMtu == 0 && originalMac == null) {
            return;
        }
        try {
            Netdev now = Kernel.links().getLink(ifindex);
            if (now != null) {
                int mtu = originalMtu != 0 && originalMtu != now.mtu() ? originalMtu : 0;
                MacAddress mac = originalMac != null && !originalMac.equals(now.mac()) ? originalMac : null;
                if (mtu != 0 || mac != null) {
                    Kernel.links().setLink(ifindex, mtu, mac, 0, 0);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "port " + name() + ": could not restore MTU " + originalMtu + " / MAC "
                    + originalMac + " of " + ifName, e);
        }
        originalMtu = 0;
        originalMac = null;
    }

    // ---------------------------------------------------------------- told by the watcher (control path)

    /** What {@link #checkSockets()} found. */
    enum Health {
        /** Nothing to report. */
        OK,
        /** The RX socket reported ENETDOWN but the netdev is still there (it went down). */
        DOWN,
        /** The netdev is gone: the sockets' binding was reset by the kernel (unregistered). */
        GONE
    }

    /**
     * Looks for an error on the RX sockets without blocking ({@code poll} with no events asks for
     * {@code POLLERR}/{@code POLLHUP} only) and, when one is pending or was seen before, whether the kernel reset
     * the binding (ifindex -1 after {@code NETDEV_UNREGISTER}).
     *
     * @return the verdict
     */
    synchronized Health checkSockets() {
        RxRing[] rx = rxRings;
        if (rx == null || state().isGone()) {
            return Health.OK;
        }
        boolean error = false;
        for (int q = 0; q < rx.length; q++) {
            long o = (long) q * PacketRingDescriptor.POLLFD_SIZE;
            healthPoll.set(ValueLayout.JAVA_INT, o, rx[q].fd);
            healthPoll.set(ValueLayout.JAVA_SHORT, o + 4, (short) 0);
            healthPoll.set(ValueLayout.JAVA_SHORT, o + 6, (short) 0);
        }
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment errno = io.twinport.sys.Libc.newErrnoSegment(tmp);
            int rc = (int) LinuxNet.POLL.invokeExact(errno, healthPoll, (long) rx.length, 0);
            if (rc > 0) {
                for (int q = 0; q < rx.length; q++) {
                    short revents = healthPoll.get(ValueLayout.JAVA_SHORT, (long) q * PacketRingDescriptor.POLLFD_SIZE + 6);
                    if ((revents & (PacketRingDescriptor.POLLERR | PacketRingDescriptor.POLLHUP)) != 0) {
                        error = true;
                        LinuxNet.getsockoptInt(rx[q].fd, PacketRingDescriptor.SOL_SOCKET, PacketRingDescriptor.SO_ERROR,
                                "SO_ERROR"); // clears it
                    }
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll downcall failed", t);
        }
        if (!error && !suspect) {
            return Health.OK;
        }
        suspect = true;
        if (LinuxNet.boundIfindex(rx[0].fd) == -1) {
            return Health.GONE;
        }
        if (!error) {
            return Health.OK;
        }
        // the error may be stale (the netdev went down and came back before this check): ask the kernel
        Netdev now = Kernel.links().getLink(ifindex);
        if (now == null) {
            return Health.GONE;
        }
        return now.linkUp() ? Health.OK : Health.DOWN;
    }

    /**
     * A link event from the watcher. Events queue up behind each other, and {@link #doStart()} reads the kernel's
     * state directly, so an event can be older than what the port already shows (a veth coming up reports IFF_UP
     * before IFF_RUNNING): the port takes the kernel's state now, and uses the reported one only if that cannot be
     * read. Without this a stale "down" made a freshly started member flap (a switch away and back).
     *
     * @param reported the link state the event carried
     */
    void onLink(boolean reported) {
        boolean up = reported;
        try {
            Netdev now = Kernel.links().getLink(ifindex);
            up = now != null && now.linkUp();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "port " + name() + ": cannot read the link of " + ifName + ", taking the event's: "
                    + e.getMessage());
        }
        if (up) {
            synchronized (this) {
                suspect = false;
            }
        }
        if (!state().isGone()) {
            setLinkUp(up);
        }
    }

    /** @param newName the netdev's new name */
    void onRenamed(String newName) {
        ifName = newName;
    }

    /** The netdev is gone: the port goes to REMOVED (its link down), the data path returns 0 from now on. */
    void onNetdevRemoved() {
        markRemoved();
    }

    @Override
    protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
        return rxRings[queue].receive(pkts, offset, max, pool, id(), queue, counters);
    }

    @Override
    protected int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters) {
        return txRings[queue].send(pkts, offset, count, counters);
    }

    /** The data path's counters, with TX frames a stop abandoned (and no kick had refused) added to the errors. */
    @Override
    public PortStats stats() {
        PortStats s = super.stats();
        long abandoned = txAbandonedErrors.get();
        return abandoned == 0 ? s : new PortStats(s.rxPackets(), s.rxBytes(), s.rxMissed(), s.rxNoBuffer(),
                s.rxErrors(), s.txPackets(), s.txBytes(), s.txErrors() + abandoned);
    }

    @Override
    protected void addXstats(Map<String, Long> x) {
        x.put("ifindex", (long) ifindex);
        x.put("fanout_group", (long) fanoutGroup);
        long deferred;
        synchronized (this) { // releaseQueues moves the open rings' counts to the closed total under this lock
            deferred = txDeferredKicksClosed.get();
            TxRing[] tx = txRings;
            if (tx != null) {
                for (TxRing t : tx) {
                    if (t != null) {
                        deferred += t.deferredKicks();
                    }
                }
            }
        }
        x.put("tx_deferred_kicks", deferred);
        x.put("tx_stop_flushed", txStopFlushed.get());
        x.put("tx_abandoned", txAbandoned.get());
    }

    @Override
    public String toString() {
        return "AfPacketPort[" + name() + " on " + ifName + " (ifindex " + ifindex + "), id " + id() + ", "
                + state() + "]";
    }
}

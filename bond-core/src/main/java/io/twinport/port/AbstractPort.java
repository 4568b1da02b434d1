package io.twinport.port;

import io.twinport.policy.MacAddress;

import io.twinport.mem.Packet;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The common part of every port: the state machine, validation against {@link PortInfo}, ownership, events, and
 * per-queue counters that never go backwards. A driver implements the {@code do*} hooks; the burst methods here
 * validate the call (one volatile read of the state, a few compares) and hand it to the driver's
 * {@link #doRxBurst}/{@link #doTxBurst} with the queue's counters.
 *
 * <p>Control calls are {@code synchronized} on the port; data-path calls take no lock.
 */
public abstract class AbstractPort implements Port {
    private static final AtomicInteger NEXT_ID = new AtomicInteger();

    private final int id = NEXT_ID.getAndIncrement();
    private volatile PortInfo info;
    private volatile PortState state = PortState.CREATED;
    private volatile PortConfig config;
    private volatile Claim claim;
    private volatile boolean linkUp;
    private volatile PortEventSink sink = PortEventSink.NONE;
    // Guards link changes only (not the port monitor), so a driver may change a peer's link from its own hooks.
    private final Object linkLock = new Object();

    // Grow-only, so counters survive reconfiguration; published to the data path by the volatile write of state.
    private QueueCounters[] rxCounters = new QueueCounters[0];
    private QueueCounters[] txCounters = new QueueCounters[0];
    // Written by the data path only on misuse (rare): an atomic increment is fine there.
    private final AtomicLong badRxCalls = new AtomicLong();
    private final AtomicLong badTxCalls = new AtomicLong();
    private int rxQueues;
    private int txQueues;

    /** @param info what the driver reports about the device */
    protected AbstractPort(PortInfo info) {
        this.info = Objects.requireNonNull(info, "info");
    }

    @Override
    public final int id() {
        return id;
    }

    @Override
    public final PortInfo info() {
        return info;
    }

    /**
     * Replaces the info, e.g. after feature negotiation; control path.
     *
     * @param newInfo the new info (same name)
     */
    protected final void updateInfo(PortInfo newInfo) {
        if (!newInfo.name().equals(info.name())) {
            throw new IllegalArgumentException("port " + info.name() + ": info for another port " + newInfo.name());
        }
        this.info = newInfo;
    }

    @Override
    public final MacAddress mac() {
        PortConfig c = config;
        return c != null && c.mac() != null ? c.mac() : info.mac();
    }

    @Override
    public final PortState state() {
        return state;
    }

    @Override
    public final PortConfig config() {
        return config;
    }

    @Override
    public final boolean linkUp() {
        return linkUp;
    }

    // ---------------------------------------------------------------- control path

    @Override
    public final void configure(PortConfig cfg) {
        configureAs(null, cfg);
    }

    @Override
    public final void start() {
        startAs(null);
    }

    @Override
    public final void stop() {
        stopAs(null);
    }

    @Override
    public final void close() {
        closeAs(null);
    }

    final synchronized void configureAs(Claim who, PortConfig cfg) {
        checkOwner(who, "configure");
        Objects.requireNonNull(cfg, "config");
        if (state != PortState.CREATED && state != PortState.CONFIGURED) {
            throw new PortException("port " + name() + ": configure needs the port stopped, it is " + state);
        }
        validate(cfg);
        try {
            doConfigure(cfg);
        } catch (PortException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PortException("port " + name() + ": configure failed: " + e.getMessage(), e);
        }
        rxCounters = grow(rxCounters, cfg.rxQueues());
        txCounters = grow(txCounters, cfg.txQueues());
        rxQueues = cfg.rxQueues();
        txQueues = cfg.txQueues();
        config = cfg;
        state = PortState.CONFIGURED;
    }

    private void validate(PortConfig cfg) {
        PortInfo i = info;
        checkRange("rx queues", cfg.rxQueues(), 1, i.maxRxQueues());
        checkRange("tx queues", cfg.txQueues(), 1, i.maxTxQueues());
        checkRange("ring size", cfg.ringSize(), 1, i.maxRingSize());
        if (Integer.bitCount(cfg.ringSize()) != 1) {
            throw new PortException("port " + name() + ": ring size " + cfg.ringSize() + " must be a power of two");
        }
        checkRange("MTU", cfg.mtu(), i.minMtu(), i.maxMtu());
        if (cfg.mac() != null && (cfg.mac().isMulticast() || cfg.mac().isZero())) {
            throw new PortException("port " + name() + ": MAC " + cfg.mac() + " must be a non-zero unicast address");
        }
        for (MacAddress group : cfg.multicast()) {
            if (!group.isMulticast()) {
                throw new PortException("port " + name() + ": multicast list entry " + group
                        + " is not a group address (bit 0 of the first octet must be set)");
            }
        }
    }

    private void checkRange(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new PortException("port " + name() + ": " + what + " " + value + " out of range [" + min + ", "
                    + max + "]");
        }
    }

    private static QueueCounters[] grow(QueueCounters[] old, int n) {
        if (old.length >= n) {
            return old;
        }
        QueueCounters[] grown = Arrays.copyOf(old, n);
        for (int q = old.length; q < n; q++) {
            grown[q] = new QueueCounters();
        }
        return grown;
    }

    final synchronized void startAs(Claim who) {
        checkOwner(who, "start");
        if (state != PortState.CONFIGURED) {
            throw new PortException("port " + name() + ": start needs a configured, stopped port, it is " + state);
        }
        try {
            doStart();
        } catch (PortException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PortException("port " + name() + ": start failed: " + e.getMessage(), e);
        }
        // volatile write: publishes the queue counts and counters to the data-path threads
        state = PortState.STARTED;
    }

    final synchronized void stopAs(Claim who) {
        checkOwner(who, "stop");
        if (state != PortState.STARTED) {
            throw new PortException("port " + name() + ": stop needs a started port, it is " + state);
        }
        state = PortState.CONFIGURED;
        doStop();
    }

    final synchronized void closeAs(Claim who) {
        checkOwner(who, "close");
        if (state == PortState.CLOSED) {
            return;
        }
        PortState was = state;
        state = PortState.CLOSED;
        if (was == PortState.STARTED) {
            doStop();
        }
        claim = null; // a closed port has no owner
        doClose();
    }

    /**
     * Marks the device gone (unplugged): the data path returns 0 from now on, and only close remains. Drivers call
     * this when they see the device disappear; the registry is told separately (it posts REMOVED).
     */
    protected final synchronized void markRemoved() {
        if (state.isGone()) {
            return;
        }
        PortState was = state;
        state = PortState.REMOVED;
        setLinkUp(false);
        if (was == PortState.STARTED) {
            doStop();
        }
    }

    private void checkOwner(Claim who, String what) {
        Claim c = claim;
        if (c != null && c != who) {
            throw new PortException("port " + name() + ": " + what + " refused: the port is owned by " + c.owner());
        }
        if (c == null && who != null) {
            throw new PortException("port " + name() + ": " + what + " refused: the claim of " + who.owner()
                    + " was released");
        }
    }

    @Override
    public final synchronized Claim claim(String owner) {
        Objects.requireNonNull(owner, "owner");
        Claim c = claim;
        if (c != null) {
            throw new PortException("port " + name() + ": cannot be claimed by " + owner + ": already owned by "
                    + c.owner());
        }
        if (state.isGone()) {
            throw new PortException("port " + name() + ": cannot be claimed by " + owner + ": it is " + state);
        }
        c = new Claim(this, owner);
        claim = c;
        return c;
    }

    final synchronized void release(Claim c) {
        if (claim == c) {
            claim = null;
        }
    }

    final Claim currentClaim() {
        return claim;
    }

    @Override
    public final Optional<String> owner() {
        Claim c = claim;
        return c == null ? Optional.empty() : Optional.of(c.owner());
    }

    // ---------------------------------------------------------------- events

    @Override
    public final void bindEvents(PortEventSink newSink) {
        this.sink = Objects.requireNonNull(newSink, "sink");
    }

    /**
     * Records the link state and posts LINK_UP or LINK_DOWN if it changed. Control path (any thread).
     *
     * @param up the new link state
     */
    protected final void setLinkUp(boolean up) {
        synchronized (linkLock) {
            if (linkUp == up) {
                return;
            }
            linkUp = up;
            sink.post(PortEvent.of(up ? PortEventType.LINK_UP : PortEventType.LINK_DOWN, this));
        }
    }

    /**
     * Posts ANNOUNCE_REQUESTED: the device asked for the MAC to be announced (e.g. VIRTIO_NET_S_ANNOUNCE after a
     * migration). Control path (any thread); the port's owner sends the frames, the driver sends none itself.
     */
    protected final void postAnnounceRequest() {
        sink.post(PortEvent.of(PortEventType.ANNOUNCE_REQUESTED, this));
    }

    // ---------------------------------------------------------------- data path

    @Override
    public final int rxBurst(int queue, Packet[] pkts, int offset, int max) {
        if (state != PortState.STARTED) {
            return 0;
        }
        if (queue < 0 || queue >= rxQueues || badRange(pkts, offset, max)) {
            badRxCalls.incrementAndGet();
            return 0;
        }
        return doRxBurst(queue, pkts, offset, max, rxCounters[queue]);
    }

    @Override
    public final int txBurst(int queue, Packet[] pkts, int offset, int count) {
        if (state != PortState.STARTED) {
            return 0;
        }
        if (queue < 0 || queue >= txQueues || badRange(pkts, offset, count)) {
            badTxCalls.incrementAndGet();
            return 0;
        }
        return doTxBurst(queue, pkts, offset, count, txCounters[queue]);
    }

    private static boolean badRange(Packet[] pkts, int offset, int n) {
        return pkts == null || offset < 0 || n < 0 || offset > pkts.length - n;
    }

    // ---------------------------------------------------------------- counters

    /**
     * The counters of this port's own queues. A port that does not count on its own data path (the failover port
     * folds its members' counters instead) overrides this and adds to {@code super.stats()}, which still holds the
     * refused calls.
     */
    @Override
    public PortStats stats() {
        long rxp = 0;
        long rxb = 0;
        long rxm = 0;
        long rxn = 0;
        long rxe = badRxCalls.get();
        for (QueueCounters c : rxCounters) {
            rxp += c.packets();
            rxb += c.bytes();
            rxm += c.missed();
            rxn += c.noBuffer();
            rxe += c.errors();
        }
        long txp = 0;
        long txb = 0;
        long txe = badTxCalls.get();
        for (QueueCounters c : txCounters) {
            txp += c.packets();
            txb += c.bytes();
            txe += c.errors();
        }
        return new PortStats(rxp, rxb, rxm, rxn, rxe, txp, txb, txe);
    }

    @Override
    public Map<String, Long> xstats() {
        PortStats s = stats();
        Map<String, Long> x = new LinkedHashMap<>();
        x.put("rx_good_packets", s.rxPackets());
        x.put("rx_good_bytes", s.rxBytes());
        x.put("rx_missed_errors", s.rxMissed());
        x.put("rx_mbuf_allocation_errors", s.rxNoBuffer());
        x.put("rx_errors", s.rxErrors());
        x.put("tx_good_packets", s.txPackets());
        x.put("tx_good_bytes", s.txBytes());
        x.put("tx_errors", s.txErrors());
        x.put("rx_bad_calls", badRxCalls.get());
        x.put("tx_bad_calls", badTxCalls.get());
        QueueCounters[] rx = rxCounters;
        for (int q = 0; q < rx.length; q++) {
            x.put("rx_q" + q + "_packets", rx[q].packets());
            x.put("rx_q" + q + "_bytes", rx[q].bytes());
            x.put("rx_q" + q + "_errors", rx[q].errors());
        }
        QueueCounters[] tx = txCounters;
        for (int q = 0; q < tx.length; q++) {
            x.put("tx_q" + q + "_packets", tx[q].packets());
            x.put("tx_q" + q + "_bytes", tx[q].bytes());
            x.put("tx_q" + q + "_errors", tx[q].errors());
        }
        addXstats(x);
        return x;
    }

    /**
     * Adds the driver's own named counters; the default adds none.
     *
     * @param x the map to add to
     */
    protected void addXstats(Map<String, Long> x) {
    }

    // ---------------------------------------------------------------- driver hooks

    /**
     * Applies a validated configuration to the device; the port is stopped. Throwing leaves the previous
     * configuration in place.
     *
     * @param cfg the configuration
     */
    protected abstract void doConfigure(PortConfig cfg);

    /** Starts the device. */
    protected abstract void doStart();

    /** Stops the device; the data path is no longer polled. */
    protected abstract void doStop();

    /** Releases everything: every packet the port holds goes back to its pool. */
    protected abstract void doClose();

    /**
     * The driver's RX burst; arguments already checked.
     *
     * @param queue    a valid queue id
     * @param pkts     destination
     * @param offset   first slot
     * @param max      most packets
     * @param counters this queue's counters, to update
     * @return packets received
     */
    protected abstract int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters);

    /**
     * The driver's TX burst; arguments already checked.
     *
     * @param queue    a valid queue id
     * @param pkts     the packets
     * @param offset   first slot
     * @param count    how many are offered
     * @param counters this queue's counters, to update
     * @return packets taken
     */
    protected abstract int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters);

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name() + ", id " + id + ", " + state + "]";
    }
}

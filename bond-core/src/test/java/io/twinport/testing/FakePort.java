package io.twinport.testing;

import io.twinport.mem.Packet;
import io.twinport.port.AbstractPort;
import io.twinport.port.DeviceIdentity;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortInfo;
import io.twinport.port.QueueCounters;
import io.twinport.port.VirtioNetFeature;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fault-injecting fake member, in the spirit of DPDK's {@code virtual_pmd}: a MAC and a feature word of the test's
 * choice, link flaps on demand, injected RX, captured TX with a bounded ring, TX that refuses or takes only part of a
 * burst, and configure/start failures on demand. Test scope only: its queues allocate (they are not a data path
 * anyone measures).
 */
public final class FakePort extends AbstractPort {
    /** What TX does with a burst. */
    public enum TxMode {
        /** Take what fits in the TX ring. */
        ACCEPT,
        /** Take nothing (a member whose TX is stuck). */
        REFUSE,
        /** Take at most {@link #txLimit(int)} packets per burst. */
        PARTIAL,
        /** Take everything and drop it, counting TX errors (a member that black-holes). */
        BLACKHOLE
    }

    private final ConcurrentLinkedQueue<Packet>[] rx;
    private final ConcurrentLinkedQueue<Packet> tx = new ConcurrentLinkedQueue<>();
    private final AtomicInteger txQueued = new AtomicInteger();
    private final List<PortConfig> configured = new CopyOnWriteArrayList<>();
    private final AtomicReference<RuntimeException> failConfigure = new AtomicReference<>();
    private final AtomicReference<RuntimeException> failStart = new AtomicReference<>();
    private volatile TxMode txMode = TxMode.ACCEPT;
    private volatile int txLimit = Integer.MAX_VALUE;
    private volatile int txCapacity = PortConfig.DEFAULT_RING_SIZE;
    private volatile boolean linkFollowsStart = true;
    private volatile boolean carrier = true;

    /**
     * A fake with the given MAC and features, 4 queues at most.
     *
     * @param name     port name
     * @param mac      its MAC
     * @param features its feature word (e.g. {@link VirtioNetFeature#STANDBY} to play a standby)
     */
    public FakePort(String name, MacAddress mac, long features) {
        this(new PortInfo(name, "fake", mac, 4, 4, 4096, features, 68, 9000, DeviceIdentity.NONE));
    }

    /** @param info everything the fake reports */
    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array of queues
    public FakePort(PortInfo info) {
        super(info);
        rx = new ConcurrentLinkedQueue[info.maxRxQueues()];
        for (int q = 0; q < rx.length; q++) {
            rx[q] = new ConcurrentLinkedQueue<>();
        }
    }

    // ------------------------------------------------------------- knobs

    /**
     * Sets the carrier; while the port is started its link follows the carrier (events are posted).
     *
     * @param up carrier present
     */
    public void setCarrier(boolean up) {
        carrier = up;
        if (state() == io.twinport.port.PortState.STARTED) {
            setLinkUp(up);
        }
    }

    /** @param follows if false, start/stop leave the link as it is (a device that never reports its link) */
    public void linkFollowsStart(boolean follows) {
        linkFollowsStart = follows;
    }

    /** @param mode what TX does from now on */
    public void txMode(TxMode mode) {
        txMode = mode;
    }

    /** @param limit most packets one burst takes in {@link TxMode#PARTIAL} */
    public void txLimit(int limit) {
        txLimit = limit;
    }

    /** @param capacity how many transmitted packets the fake holds before TX refuses (until {@link #takeTx}) */
    public void txCapacity(int capacity) {
        txCapacity = capacity;
    }

    /** @param e thrown by the next configure */
    public void failNextConfigure(RuntimeException e) {
        failConfigure.set(e);
    }

    /** @param e thrown by the next start */
    public void failNextStart(RuntimeException e) {
        failStart.set(e);
    }

    /** Plays a surprise unplug: the port goes to REMOVED (the test tells the registry). */
    public void unplug() {
        markRemoved();
    }

    /**
     * Queues packets as if they arrived on RX queue {@code queue}.
     *
     * @param queue the queue
     * @param pkts  the packets (the fake owns them from now on)
     */
    public void injectRx(int queue, Packet... pkts) {
        for (Packet p : pkts) {
            rx[queue].add(p);
        }
    }

    /** @return every packet transmitted so far, oldest first; the caller owns them */
    public List<Packet> takeTx() {
        List<Packet> out = new ArrayList<>();
        Packet p;
        while ((p = tx.poll()) != null) {
            txQueued.decrementAndGet();
            out.add(p);
        }
        return out;
    }

    /** @return every configuration applied, in order */
    public List<PortConfig> configureHistory() {
        return List.copyOf(configured);
    }

    // ------------------------------------------------------------- driver hooks

    @Override
    protected void doConfigure(PortConfig cfg) {
        RuntimeException e = failConfigure.getAndSet(null);
        if (e != null) {
            throw e;
        }
        configured.add(cfg);
    }

    @Override
    protected void doStart() {
        RuntimeException e = failStart.getAndSet(null);
        if (e != null) {
            throw e;
        }
        if (linkFollowsStart) {
            setLinkUp(carrier);
        }
    }

    @Override
    protected void doStop() {
        if (linkFollowsStart) {
            setLinkUp(false);
        }
    }

    @Override
    protected void doClose() {
        for (ConcurrentLinkedQueue<Packet> q : rx) {
            Packet p;
            while ((p = q.poll()) != null) {
                p.free();
            }
        }
        for (Packet p : takeTx()) {
            p.free();
        }
    }

    @Override
    protected void addXstats(Map<String, Long> x) {
        x.put("fake_tx_held", (long) txQueued.get());
    }

    @Override
    protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
        int n = 0;
        long bytes = 0;
        Packet p;
        while (n < max && (p = rx[queue].poll()) != null) {
            p.port(id());
            p.queue(queue);
            bytes += p.length();
            pkts[offset + n++] = p;
        }
        if (n > 0) {
            counters.addPackets(n, bytes);
        }
        return n;
    }

    @Override
    protected int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters) {
        TxMode mode = txMode;
        if (mode == TxMode.REFUSE) {
            return 0;
        }
        if (mode == TxMode.BLACKHOLE) {
            for (int i = 0; i < count; i++) {
                pkts[offset + i].free();
            }
            counters.addErrors(count);
            return count;
        }
        int want = mode == TxMode.PARTIAL ? Math.min(count, txLimit) : count;
        int n = Math.max(0, Math.min(want, txCapacity - txQueued.get()));
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Packet p = pkts[offset + i];
            bytes += p.length();
            tx.add(p);
        }
        txQueued.addAndGet(n);
        if (n > 0) {
            counters.addPackets(n, bytes);
        }
        return n;
    }
}

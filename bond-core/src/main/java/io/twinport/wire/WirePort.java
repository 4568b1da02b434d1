package io.twinport.wire;

import io.twinport.mem.Packet;
import io.twinport.port.AbstractPort;
import io.twinport.port.PortConfig;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.QueueCounters;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;

import java.lang.invoke.VarHandle;

/**
 * One end of a {@link WirePair}. Its RX queue {@code q} is a single-producer single-consumer ring that the other
 * end's TX queue {@code q} fills; packets cross by reference (zero copy) and keep their pool.
 *
 * <p>TX returns 0 while the link is down (the other end is missing or not started). A frame that races with the
 * other end stopping is dropped and freed, as a NIC drops frames for a link that went down; nothing is leaked.
 */
public final class WirePort extends AbstractPort {
    private final WirePair pair;
    private final boolean endA;
    // Replaced only while stopped; read by the other end's TX thread after it saw this end STARTED.
    private volatile SpscAtomicArrayQueue<Packet>[] rxRings = newRings(0, 1);

    WirePort(WirePair pair, boolean endA, PortInfo info) {
        super(info);
        this.pair = pair;
        this.endA = endA;
    }

    /** @return the pair this end belongs to */
    public WirePair pair() {
        return pair;
    }

    /** @return true for end A, false for end B */
    public boolean isEndA() {
        return endA;
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: JCTools rings of Packet
    private static SpscAtomicArrayQueue<Packet>[] newRings(int n, int size) {
        SpscAtomicArrayQueue<Packet>[] rings = new SpscAtomicArrayQueue[n];
        for (int q = 0; q < n; q++) {
            rings[q] = new SpscAtomicArrayQueue<>(size);
        }
        return rings;
    }

    @Override
    protected void doConfigure(PortConfig cfg) {
        drainAll();
        rxRings = newRings(cfg.rxQueues(), cfg.ringSize());
    }

    @Override
    protected void doStart() {
        pair.updateLinks(this, true);
    }

    @Override
    protected void doStop() {
        // On a surprise removal (markRemoved) the application may still be inside rxBurst on this end: draining here
        // would make a second consumer of a single-consumer ring. The frames wait for close, which the application
        // calls after it stopped polling.
        if (state() != PortState.REMOVED) {
            drainAll();
        }
        pair.updateLinks(this, false);
    }

    @Override
    protected void doClose() {
        drainAll();
        pair.closed(this);
    }

    /** Frees every packet waiting in this end's RX rings; the RX side is not polled any more. */
    private void drainAll() {
        for (SpscAtomicArrayQueue<Packet> ring : rxRings) {
            drain(ring);
        }
    }

    private static void drain(SpscAtomicArrayQueue<Packet> ring) {
        // the lock makes this the only consumer while it runs: the closing thread and a late sender may both drain
        synchronized (ring) {
            Packet p;
            while ((p = ring.poll()) != null) {
                p.free();
            }
        }
    }

    void unplugged() {
        markRemoved();
    }

    void link(boolean up) {
        setLinkUp(up);
    }

    @Override
    protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
        SpscAtomicArrayQueue<Packet> ring = rxRings[queue];
        int n = 0;
        long bytes = 0;
        while (n < max) {
            Packet p = ring.relaxedPoll();
            if (p == null) {
                break;
            }
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
        WirePort peer = pair.peerOf(this);
        if (peer == null || peer.state() != PortState.STARTED) {
            return 0; // link down: the caller keeps the packets
        }
        SpscAtomicArrayQueue<Packet>[] rings = peer.rxRings;
        if (queue >= rings.length) {
            counters.addErrors(count); // the other end has fewer RX queues: refuse, visibly
            return 0;
        }
        SpscAtomicArrayQueue<Packet> ring = rings[queue];
        int n = 0;
        long bytes = 0;
        while (n < count) {
            Packet p = pkts[offset + n];
            int len = p.length(); // read before the hand-over: the receiver may free and reuse it at once
            if (!ring.relaxedOffer(p)) {
                break;
            }
            bytes += len;
            n++;
        }
        if (n > 0) {
            counters.addPackets(n, bytes);
            // full fence: our offers must be ordered before the re-read of the peer's state (Dekker with the
            // peer's volatile state write before it drains), so either the peer's drain sees our frames or we see
            // that it stopped and drain them ourselves
            VarHandle.fullFence();
            // a removed peer may still be polled (surprise removal): its close drains what we left
            PortState peerState = peer.state();
            if ((peerState != PortState.STARTED && peerState != PortState.REMOVED) || peer.rxRings != rings) {
                drain(ring);
            }
        }
        return n;
    }
}

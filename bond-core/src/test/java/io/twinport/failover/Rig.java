package io.twinport.failover;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A failover test bench: a hand-driven registry and manager on a fake clock, and members made of wire pairs whose
 * end A is the member (in the registry) and end B the network on the other side of it (not registered).
 */
final class Rig implements AutoCloseable {
    static final long STANDBY_FEATURES = VirtioNetFeature.VERSION_1.mask() | VirtioNetFeature.MAC.mask()
            | VirtioNetFeature.STANDBY.mask();
    static final long PRIMARY_FEATURES = VirtioNetFeature.MAC.mask();
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final PortRegistry registry = new PortRegistry();
    final PacketPool pool = PacketPool.create("rig", 8192);
    final List<FailoverEvent> events = new CopyOnWriteArrayList<>();
    final FailoverManager manager;
    private final List<WirePair> pairs = new ArrayList<>();

    /** No announcements: tests that count frames count only their own. */
    static final FailoverOptions QUIET = FailoverOptions.DEFAULT.withAnnounce(
            new io.twinport.policy.announce.AnnouncementSchedule(0, 0));

    Rig() {
        this(QUIET);
    }

    Rig(FailoverOptions options) {
        manager = new FailoverManager(registry, options, PairingExclusions.NONE, now::get);
        manager.addListener(events::add);
    }

    /** A member of the given features and MAC: end A is registered, end B (the network) is started. */
    WirePair member(String name, MacAddress mac, long features) {
        WirePair pair = WirePair.create(name, 4, mac, MacAddress.parse("02:00:00:00:ee:" + String.format("%02x",
                pairs.size())), features, null);
        pair.b().configure(PortConfig.DEFAULT.withQueues(4, 4).withRingSize(1024));
        pair.b().start();
        registry.add(pair.a());
        pairs.add(pair);
        return pair;
    }

    WirePair standby(String name) {
        return member(name, MAC, STANDBY_FEATURES);
    }

    WirePair primary(String name) {
        return member(name, MAC, PRIMARY_FEATURES);
    }

    /** Surprise-unplugs end A of a member pair. */
    void unplug(WirePair pair) {
        WirePort end = pair.a();
        pair.unplug(end, RemovalReason.SURPRISE);
        registry.remove(end, RemovalReason.SURPRISE);
    }

    /** Plugs end A back in as a new port, registered. */
    WirePort replug(WirePair pair) {
        WirePort end = pair.replug(true);
        registry.add(end);
        return end;
    }

    /** Runs the control thread's duty cycles until there is nothing left to do (bounded). */
    void settle() {
        for (int i = 0; i < 1000; i++) {
            if (registry.doWork() + manager.doWork() == 0) {
                return;
            }
        }
        throw new AssertionError("control plane never settled");
    }

    void advanceMillis(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    FailoverPort onlyFailoverPort() {
        List<FailoverPort> fps = manager.failoverPorts();
        assertEquals(1, fps.size(), "failover ports: " + fps);
        return fps.getFirst();
    }

    List<String> eventNames() {
        return events.stream().map(e -> e.type().name()).toList();
    }

    List<FailoverEvent> events(FailoverEventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }

    /** Transmits {@code n} numbered frames on the failover port's TX queue; returns how many it took. */
    int send(Port fp, int queue, int seqBase, int n) {
        Packet[] pkts = new Packet[n];
        int got = pool.allocBulk(pkts, 0, n);
        for (int i = 0; i < got; i++) {
            Frames.fill(pkts[i], MacAddress.parse("02:00:00:00:00:99"), MAC, seqBase + i, 64);
        }
        int sent = fp.txBurst(queue, pkts, 0, got);
        pool.freeBulk(pkts, sent, got - sent);
        return sent;
    }

    /** Drains what the network side of {@code pair} received; returns the sequence numbers. */
    List<Integer> drain(WirePair pair) {
        List<Integer> seqs = new ArrayList<>();
        Packet[] burst = new Packet[64];
        for (int q = 0; q < 4; q++) {
            int n;
            while ((n = pair.b().rxBurst(q, burst, 0, burst.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    seqs.add(Frames.seq(burst[i]));
                }
                pool.freeBulk(burst, 0, n);
            }
        }
        return seqs;
    }

    /** The network side of {@code pair} sends {@code n} frames towards the member, on queue {@code queue}. */
    int inject(WirePair pair, int queue, int seqBase, int n) {
        Packet[] pkts = new Packet[n];
        int got = pool.allocBulk(pkts, 0, n);
        for (int i = 0; i < got; i++) {
            Frames.fill(pkts[i], MAC, pair.b().mac(), seqBase + i, 64);
        }
        int sent = pair.b().txBurst(queue, pkts, 0, got);
        pool.freeBulk(pkts, sent, got - sent);
        return sent;
    }

    /** Receives everything waiting on the failover port's RX queue. */
    List<Packet> receive(Port fp, int queue) {
        List<Packet> out = new ArrayList<>();
        Packet[] burst = new Packet[64];
        int n;
        while ((n = fp.rxBurst(queue, burst, 0, burst.length)) > 0) {
            for (int i = 0; i < n; i++) {
                out.add(burst[i]);
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (FailoverPort fp : manager.failoverPorts()) {
            fp.close();
        }
        settle();
        manager.close();
        for (WirePair p : pairs) {
            for (WirePort end : new WirePort[] {p.a(), p.b()}) {
                if (end != null && end.owner().isEmpty()) {
                    end.close();
                }
            }
        }
        registry.close();
        assertEquals(0, pool.inUse(), "packets not returned to the pool");
        pool.close();
    }
}

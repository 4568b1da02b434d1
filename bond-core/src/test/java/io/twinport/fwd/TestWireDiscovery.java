package io.twinport.fwd;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortDiscovery;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code testwire}: a discovery of wire-pair members, installed as a service in bond-core's tests. On start it
 * registers end A of a standby-like pair {@code tws} (MAC and STANDBY, {@link #MAC}) and of a primary-like pair
 * {@code twp} (same MAC, no STANDBY), unless built without them, and of a lone pair {@code twx} (another MAC, no
 * STANDBY) that pairs with nothing. End B of each (the network behind the member) is started and drained by a
 * thread of the session, which counts the IPv4 frames that arrive there (fwd's generated frames; announcements are
 * RARP and not counted) and frees everything.
 */
public final class TestWireDiscovery implements PortDiscovery {
    /** The standby's and the primary's MAC. */
    static final MacAddress MAC = MacAddress.parse("52:54:00:ab:cd:01");
    static final int QUEUES = 4;
    /** The last session started, for the test to inspect. */
    static volatile Session last;

    private final boolean standby;
    private final boolean primary;

    /** For {@link java.util.ServiceLoader}: a standby, a primary and a lone port. */
    public TestWireDiscovery() {
        this(true, true);
    }

    /**
     * @param standby offer the standby
     * @param primary offer the primary
     */
    TestWireDiscovery(boolean standby, boolean primary) {
        this.standby = standby;
        this.primary = primary;
    }

    @Override
    public String name() {
        return "testwire";
    }

    @Override
    public String description() {
        return "wire-pair members for the tests";
    }

    @Override
    public PortDiscovery.Session start(PortRegistry registry, PacketPool pool, Map<String, String> settings) {
        Session s = new Session(registry);
        if (standby) {
            s.member("tws", MAC, VirtioNetFeature.VERSION_1.mask() | VirtioNetFeature.MAC.mask()
                    | VirtioNetFeature.STANDBY.mask());
        }
        if (primary) {
            s.member("twp", MAC, VirtioNetFeature.MAC.mask());
        }
        s.member("twx", MacAddress.parse("52:54:00:ab:cd:99"), VirtioNetFeature.MAC.mask());
        s.drainer.start();
        last = s;
        return s;
    }

    /** The running discovery. */
    static final class Session implements PortDiscovery.Session {
        final Map<String, WirePair> pairs = new LinkedHashMap<>();
        final Map<String, AtomicLong> ipv4 = new LinkedHashMap<>();
        /** End A's state when the session closed, by pair name. */
        final Map<String, PortState> stateAtClose = new LinkedHashMap<>();
        private final PortRegistry registry;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread drainer;
        private volatile boolean closed;

        Session(PortRegistry registry) {
            this.registry = registry;
            this.drainer = Thread.ofPlatform().name("testwire-drain").daemon(true).unstarted(this::drain);
        }

        void member(String name, MacAddress mac, long features) {
            WirePair pair = WirePair.create(name, QUEUES, mac, MacAddress.parse("02:00:00:00:ee:0" + pairs.size()),
                    features, null);
            pair.b().configure(PortConfig.DEFAULT.withQueues(QUEUES, QUEUES));
            pair.b().start();
            pairs.put(name, pair);
            ipv4.put(name, new AtomicLong());
            registry.add(pair.a());
        }

        long ipv4(String name) {
            return ipv4.get(name).get();
        }

        boolean closed() {
            return closed;
        }

        private void drain() {
            Packet[] burst = new Packet[64];
            List<WirePort> ends = new ArrayList<>();
            List<AtomicLong> counts = new ArrayList<>();
            for (var e : pairs.entrySet()) {
                ends.add(e.getValue().b());
                counts.add(ipv4.get(e.getKey()));
            }
            while (!stop.get()) {
                for (int i = 0; i < ends.size(); i++) {
                    for (int q = 0; q < QUEUES; q++) {
                        int n = ends.get(i).rxBurst(q, burst, 0, burst.length);
                        long v4 = 0;
                        for (int k = 0; k < n; k++) {
                            if (burst[k].getByte(12) == 0x08 && burst[k].getByte(13) == 0x00) {
                                v4++;
                            }
                            burst[k].free(); // to its own pool: announcements come from the failover port's
                        }
                        counts.get(i).addAndGet(v4);
                    }
                }
                Thread.onSpinWait();
            }
        }

        @Override
        public int doWork() {
            return 0;
        }

        @Override
        public String describe() {
            return "wire pairs " + String.join(", ", pairs.keySet());
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                drainer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (var e : pairs.entrySet()) {
                WirePort a = e.getValue().a();
                stateAtClose.put(e.getKey(), a.state());
                registry.remove(a, RemovalReason.CLOSED);
                a.close();
                e.getValue().b().close();
            }
            closed = true;
        }
    }
}

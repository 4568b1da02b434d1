package io.twinport.bench.jmh;

import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The failover port against its active member called directly, in the same run: what the failover port adds.
 * Each member is end A of a wire pair whose end B is the network. One op: allocate a burst, transmit it through
 * the port under test, the network receives it and sends it straight back, the port under test receives it (RX
 * polls both members when it is the failover port), free. Run with {@code -prof gc}: both must show 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FailoverBenchmark {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");

    /** Packets per burst. */
    @Param({"1", "8", "32", "64"})
    public int burst;

    /** {@code failover}: through the failover port; {@code member}: the same active member called directly. */
    @Param({"failover", "member"})
    public String path;

    private PacketPool pool;
    private PortRegistry registry;
    private FailoverManager manager;
    private WirePair standby;
    private WirePair primary;
    private Port port;
    private WirePort network;
    private Packet[] pkts;

    /** Forms a failover port over two wire members and starts it. */
    @Setup(Level.Trial)
    public void setUp() {
        pool = PacketPool.create("jmh-failover", 4096);
        registry = new PortRegistry();
        manager = new FailoverManager(registry, FailoverOptions.DEFAULT.withAnnounce(new AnnouncementSchedule(0, 0)),
                PairingExclusions.NONE, System::nanoTime);
        long standbyFeatures = VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask();
        standby = member("jstby", standbyFeatures, 1);
        primary = member("jprim", VirtioNetFeature.MAC.mask(), 2);
        manager.start();
        registry.doWork();
        FailoverPort fp = manager.failoverPorts().getFirst();
        fp.configure(PortConfig.DEFAULT.withRingSize(1024));
        fp.start();
        manager.doWork();
        if (fp.active().orElse(null) != primary.a()) {
            throw new IllegalStateException("the primary should be active: " + fp.selection());
        }
        port = "failover".equals(path) ? fp : primary.a();
        network = primary.b();
        pkts = new Packet[burst];
    }

    private WirePair member(String name, long features, int n) {
        WirePair pair = WirePair.create(name, 1, MAC, MacAddress.fromLong(0x02_00_00_00_ee_00L + n), features, null);
        pair.b().configure(PortConfig.DEFAULT.withRingSize(1024));
        pair.b().start();
        registry.add(pair.a());
        return pair;
    }

    /** Checks that every packet came back, then closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        int leaked = pool.inUse();
        for (FailoverPort fp : manager.failoverPorts()) {
            fp.close();
        }
        manager.close();
        standby.close();
        primary.close();
        registry.close();
        pool.close();
        if (leaked != 0) {
            throw new IllegalStateException("failover benchmark leaked " + leaked + " packets");
        }
    }

    /**
     * One op: allocBulk, txBurst through the port, the network echoes, rxBurst through the port, freeBulk.
     *
     * @return packets received
     */
    @Benchmark
    public int txEchoRx() {
        Packet[] p = pkts;
        int n = pool.allocBulk(p, 0, burst);
        for (int i = 0; i < n; i++) {
            p[i].length(64);
        }
        int sent = port.txBurst(0, p, 0, n);
        pool.freeBulk(p, sent, n - sent);
        int echoed = network.rxBurst(0, p, 0, burst);
        int back = network.txBurst(0, p, 0, echoed);
        pool.freeBulk(p, back, echoed - back);
        int got = port.rxBurst(0, p, 0, burst);
        pool.freeBulk(p, 0, got);
        return got;
    }
}

package io.twinport.bench.jmh;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
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
 * One burst through a {@link WirePair}, the in-process reference port: allocate {@code burst} packets from a pool,
 * transmit them on end A queue 0, receive them on end B queue 0, free them. Both ends are polled by the one JMH
 * thread, so this measures the data-path cost of the port API and the pool, not a hand-off between cores.
 * The steady state must allocate nothing: run with {@code -prof gc} and expect {@code gc.alloc.rate.norm} of 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class WirePairBenchmark {
    /** Packets per burst. */
    @Param({"1", "32"})
    public int burst;

    private PacketPool pool;
    private WirePair pair;
    private WirePort a;
    private WirePort b;
    private Packet[] tx;
    private Packet[] rx;

    /** Creates the pool and a started pair with one queue per end. */
    @Setup(Level.Trial)
    public void setUp() {
        pool = PacketPool.create("jmh-wire", 1024);
        pair = WirePair.create("jmh-wire");
        a = pair.a();
        b = pair.b();
        a.configure(PortConfig.DEFAULT);
        b.configure(PortConfig.DEFAULT);
        a.start();
        b.start();
        tx = new Packet[burst];
        rx = new Packet[burst];
    }

    /** Checks that every packet came back, then closes the pair and the pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        int leaked = pool.inUse();
        pair.close();
        pool.close();
        if (leaked != 0) {
            throw new IllegalStateException("wire pair benchmark leaked " + leaked + " packets");
        }
    }

    /**
     * One op: allocBulk, txBurst on A queue 0, rxBurst on B queue 0, freeBulk.
     *
     * @return packets received (consumed by JMH)
     */
    @Benchmark
    public int txRxBurst() {
        int n = pool.allocBulk(tx, 0, burst);
        int sent = a.txBurst(0, tx, 0, n);
        if (sent < n) {
            pool.freeBulk(tx, sent, n - sent); // never at this ring size; kept so a short TX cannot leak
        }
        int got = b.rxBurst(0, rx, 0, burst);
        pool.freeBulk(rx, 0, got);
        return got;
    }
}

package io.twinport.bench.jmh;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The packet pool's own cost, uncontended (one JMH thread per pool): a burst of 32 allocated and freed with one
 * ring operation each way, and a single {@code alloc()} + {@code free()}. The steady state must allocate nothing
 * ({@code -prof gc}, {@code gc.alloc.rate.norm} of 0).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PacketPoolBenchmark {
    private static final int BURST = 32;

    private PacketPool pool;
    private Packet[] pkts;

    /** Creates the pool. */
    @Setup(Level.Trial)
    public void setUp() {
        pool = PacketPool.create("jmh-pool", 1024);
        pkts = new Packet[BURST];
    }

    /** Checks that every packet came back, then closes the pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        int leaked = pool.inUse();
        pool.close();
        if (leaked != 0) {
            throw new IllegalStateException("packet pool benchmark leaked " + leaked + " packets");
        }
    }

    /**
     * One op: allocBulk of 32, then freeBulk of the same 32.
     *
     * @return packets allocated (consumed by JMH)
     */
    @Benchmark
    public int allocFreeBulk32() {
        int n = pool.allocBulk(pkts, 0, BURST);
        pool.freeBulk(pkts, 0, n);
        return n;
    }

    /**
     * One op: alloc() of one packet, then free() of it.
     *
     * @return the packet (consumed by JMH)
     */
    @Benchmark
    public Packet allocFreeOne() {
        Packet p = pool.alloc();
        pool.free(p);
        return p;
    }
}

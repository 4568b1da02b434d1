package io.twinport.bench.jmh;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.vf.AfPacketOptions;
import io.twinport.vf.AfPacketPort;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The AF_PACKET port's ring copies, per frame, on a veth pair, streaming: TX bursts of 32 on one end (pool packet →
 * TX ring frame, one {@code sendto} kick per burst), the kernel's veth path, and RX bursts on the other end (RX ring
 * → pool packet), one thread doing both with a bounded number of frames in flight. Reported per frame, so it is the
 * whole cost of a frame (both copies, the kernel's work, the syscalls) on one CPU; {@code -prof gc} shows the data
 * path allocates nothing. Needs root (AF_PACKET, veth): {@code ./twinport bench AfPacketBurstBenchmark -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AfPacketBurstBenchmark {
    private static final int BURST = 32;
    private static final int WINDOW = 1024;

    /** Frame length in bytes. */
    @Param({"64", "1500"})
    public int frameLength;

    /** The RX rings' TPACKET version. */
    @Param({"3", "2"})
    public int rxVersion;

    private String a;
    private String b;
    private PacketPool pool;
    private AfPacketPort tx;
    private AfPacketPort rx;
    private final Packet[] out = new Packet[BURST];
    private final Packet[] in = new Packet[BURST];
    private long inFlight;

    /** Creates the veth pair and starts a port on each end. */
    @Setup(Level.Trial)
    public void setUp() {
        String base = "tpj" + String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        a = base + "a";
        b = base + "b";
        ip("link", "add", a, "type", "veth", "peer", "name", b);
        for (String end : List.of(a, b)) {
            Path v6 = Path.of("/proc/sys/net/ipv6/conf", end, "disable_ipv6");
            try {
                if (Files.exists(v6)) {
                    Files.writeString(v6, "1");
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot disable IPv6 on " + end, e);
            }
            ip("link", "set", "dev", end, "up");
        }
        pool = PacketPool.create("jmh-afpacket", 8192);
        AfPacketOptions options = AfPacketOptions.parse(Map.of(AfPacketOptions.RX_VERSION_KEY,
                String.valueOf(rxVersion), AfPacketOptions.FRAME_COUNT_KEY, "4096"));
        tx = AfPacketPort.open(a, pool, options);
        rx = AfPacketPort.open(b, pool, options);
        tx.configure(PortConfig.DEFAULT);
        rx.configure(PortConfig.DEFAULT);
        tx.start();
        rx.start();
    }

    /** Closes the ports, deletes the pair. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (tx != null) {
                tx.close();
            }
            if (rx != null) {
                rx.close();
            }
            if (pool != null) {
                pool.close();
            }
        } finally {
            try {
                ip("link", "del", a);
            } catch (IllegalStateException ignored) {
                // setUp failed before the pair existed
            }
        }
    }

    /**
     * Streams: one TX burst of 32 frames on one end, and RX bursts on the other end, keeping at most
     * {@value #WINDOW} frames in flight (so no ring overflows and every frame is copied on both sides). In steady
     * state each invocation sends 32 frames and receives 32.
     *
     * @return frames received in this invocation (consumed by JMH)
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int txBurstAndRx() {
        int got = drain();
        // wait (bounded) until the window has room: the receiver catches up, a V3 block is handed over
        for (int spins = 0; inFlight > WINDOW - BURST && spins < 1_000_000; spins++) {
            got += drain();
        }
        int n = pool.allocBulk(out, 0, BURST);
        for (int i = 0; i < n; i++) {
            Packet p = out[i];
            p.length(frameLength);
            p.putByte(0, (byte) 2); // a unicast, locally administered destination
        }
        int taken = tx.txBurst(0, out, 0, n);
        pool.freeBulk(out, taken, n - taken);
        inFlight += taken;
        return got;
    }

    private int drain() {
        int r = rx.rxBurst(0, in, 0, in.length);
        pool.freeBulk(in, 0, r);
        inFlight -= r;
        return r;
    }

    private static void ip(String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (this benchmark needs root and"
                        + " iproute2): " + text);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage()
                    + " (this benchmark needs iproute2)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

package io.twinport.bench.jmh;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.mem.SharedMemory;
import io.twinport.virtio.virtq.Virtq;
import io.twinport.virtio.virtq.VirtqDescriptor;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The driver side of one split virtqueue ({@link Virtq}), in memory, with no device process: one op places a burst
 * of pool buffers (one descriptor each, device-readable, as TX does), publishes {@code avail.idx}, lets a minimal
 * device written here consume the burst in the same thread (read {@code avail.idx}, each available entry and its
 * descriptor, write a used element, publish {@code used.idx}), then polls {@code used.idx} and takes every used
 * element back and frees the buffers. The device sets {@code VRING_USED_F_NO_NOTIFY}, as a polling vhost-user
 * back-end does, so no kick is sent. No frame bytes are copied: this is the ring protocol's cost alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class VirtqBenchmark {
    private static final int QUEUE_SIZE = 256;

    /** Buffers per burst. */
    @Param({"32"})
    public int burst;

    private SharedMemory memory;
    private PacketPool pool;
    private Virtq vq;
    private Device device;
    private Packet[] pkts;
    private long kicksBefore;

    /** Lays out the queue and the device's view of it. */
    @Setup(Level.Trial)
    public void setUp() {
        if (burst < 1 || burst > QUEUE_SIZE) {
            throw new IllegalArgumentException("burst " + burst + ": expected 1 to " + QUEUE_SIZE);
        }
        memory = SharedMemory.create("jmh-virtq", VirtqDescriptor.bytes(QUEUE_SIZE));
        pool = PacketPool.create("jmh-virtq", 1024);
        vq = new Virtq("tx0", 1, QUEUE_SIZE, memory.segment(), false, () -> { });
        device = new Device(memory.segment(), vq);
        pkts = new Packet[burst];
        kicksBefore = vq.kicks();
    }

    /** Checks that nothing leaked, no kick was sent and the queue did not fail, then frees the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        String problem = vq.failed() ? "the virtqueue failed: " + vq.faultMessage()
                : vq.inFlight() != 0 ? vq.inFlight() + " buffers still in flight"
                : pool.inUse() != 0 ? pool.inUse() + " packets not returned"
                : vq.kicks() != kicksBefore ? (vq.kicks() - kicksBefore) + " kicks despite NO_NOTIFY" : null;
        pool.close();
        memory.close();
        if (problem != null) {
            throw new IllegalStateException("virtq benchmark: " + problem);
        }
    }

    /**
     * One burst: add, publish, the device uses every buffer, poll, take, free.
     *
     * @return buffers taken back (consumed by JMH)
     */
    @Benchmark
    public int addPublishUseTake() {
        Packet[] p = pkts;
        int n = pool.allocBulk(p, 0, burst);
        for (int i = 0; i < n; i++) {
            vq.add(p[i], p[i].dataAddress(), 64, false);
        }
        vq.publish();
        device.useAvailable();
        int ready = vq.pollUsed();
        for (int i = 0; i < ready; i++) {
            p[i] = vq.takeUsed();
        }
        pool.freeBulk(p, 0, ready);
        return ready;
    }

    /**
     * A device side of the queue, just enough to consume buffers: it finds the rings from the addresses the driver
     * gives a vhost-user back-end (SET_VRING_ADDR) and the spec's layout (virtio 1.2, 2.7.5 descriptor table,
     * 2.7.6 available ring, 2.7.8 used ring), not from the driver's own layout class.
     */
    static final class Device {
        private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final VarHandle U16 = LE16.varHandle();
        private static final int VRING_USED_F_NO_NOTIFY = 1;

        private final MemorySegment mem;
        private final int size;
        private final long desc;
        private final long avail;
        private final long used;
        private int lastAvail;
        private int usedIdx;
        private long bytes;

        Device(MemorySegment mem, Virtq vq) {
            this.mem = mem;
            this.size = vq.size();
            long base = mem.address();
            this.desc = vq.descAddress() - base;
            this.avail = vq.availAddress() - base;
            this.used = vq.usedAddress() - base;
            mem.set(LE16, used, (short) VRING_USED_F_NO_NOTIFY); // a polling device: no kicks, please
        }

        /** Uses every available buffer, in order, reporting length 0 (a device-readable buffer). */
        void useAvailable() {
            // acquire: the descriptors and ring entries the driver wrote are visible once avail.idx is (2.7.13.3.1)
            int idx = (short) U16.getAcquire(mem, avail + 2) & 0xFFFF;
            int u = usedIdx;
            while (lastAvail != idx) {
                int head = mem.get(LE16, avail + 4 + 2L * (lastAvail & (size - 1))) & 0xFFFF;
                bytes += mem.get(LE32, desc + 16L * head + 8); // the descriptor's len, as a device reads it
                long e = used + 4 + 8L * (u & (size - 1));
                mem.set(LE32, e, head);
                mem.set(LE32, e + 4, 0);
                u = (u + 1) & 0xFFFF;
                lastAvail = (lastAvail + 1) & 0xFFFF;
            }
            usedIdx = u;
            // release: the used elements must be visible to the driver before used.idx (2.7.8.2)
            U16.setRelease(mem, used + 2, (short) u);
        }

        long bytes() {
            return bytes;
        }
    }
}

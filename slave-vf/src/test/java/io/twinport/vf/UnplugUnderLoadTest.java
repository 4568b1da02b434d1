package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortState;
import io.twinport.registry.PortRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deletes a veth pair while both of its ports run full-rate traffic both ways, a hundred times in a row: each time
 * both ports must go REMOVED (the registry says so), no burst may throw, and once the traffic threads stop and the
 * ports are closed the pool must be full again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnplugUnderLoadTest {
    private static final int ROUNDS = 100;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private PacketPool pool;
    private PortRegistry registry;
    private NetdevWatcher watcher;

    @BeforeEach
    void setUp() {
        Ip.assumeRootAndIp();
        pool = PacketPool.create("unplug", 2048);
        registry = new PortRegistry();
        watcher = new NetdevWatcher(registry, pool, AfPacketOptions.DEFAULT, NetdevSelection.NONE);
        watcher.startThread("unplug-watcher");
    }

    @AfterEach
    void tearDown() {
        if (watcher != null) {
            watcher.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void deletingTheNetdevUnderFullRateTrafficRemovesThePortAndLeaksNothing() throws Exception {
        long totalFrames = 0;
        long start = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            totalFrames += oneRound(round);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d unplugs under load in %.2f s, %d frames received before the unplugs%n", ROUNDS, seconds,
                totalFrames);
    }

    private long oneRound(int round) throws Exception {
        List<PortEvent> events = new CopyOnWriteArrayList<>();
        AutoCloseable listening = registry.addListener(events::add);
        VethPair veth = VethPair.create();
        AfPacketPort a = null;
        AfPacketPort b = null;
        Traffic ta = null;
        Traffic tb = null;
        try {
            a = AfPacketPort.open(veth.a, pool, AfPacketOptions.DEFAULT);
            b = AfPacketPort.open(veth.b, pool, AfPacketOptions.DEFAULT);
            registry.add(a);
            registry.add(b);
            a.configure(PortConfig.DEFAULT.withQueues(2, 2));
            b.configure(PortConfig.DEFAULT);
            a.start();
            b.start();
            watcher.attach(a);
            watcher.attach(b);
            ta = new Traffic(a);
            tb = new Traffic(b);
            ta.thread.start();
            tb.thread.start();
            // full rate until both sides have received something, then pull the plug mid-traffic
            long deadline = System.nanoTime() + WAIT_NANOS;
            while ((ta.received.get() == 0 || tb.received.get() == 0) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000); // two cores: leave them to the traffic threads
            }
            assertTrue(ta.received.get() > 0 && tb.received.get() > 0, "round " + round + ": traffic flows");
            Ip.run("link", "del", veth.a);
            deadline = System.nanoTime() + WAIT_NANOS;
            while ((removed(events, a) == null || removed(events, b) == null) && System.nanoTime() < deadline) {
                registry.doWork();
                LockSupport.parkNanos(50_000);
            }
            assertTrue(removed(events, a) != null && removed(events, b) != null,
                    "round " + round + ": REMOVED for both ends, events " + events);
            assertEquals(PortState.REMOVED, a.state());
            assertEquals(PortState.REMOVED, b.state());
            // the traffic threads see bursts return 0 now; they stop when told
            ta.stopAndJoin();
            tb.stopAndJoin();
            assertNull(ta.failure.get(), "round " + round + ": a burst on " + a.name() + " threw");
            assertNull(tb.failure.get(), "round " + round + ": a burst on " + b.name() + " threw");
            return ta.received.get() + tb.received.get();
        } finally {
            if (ta != null) {
                ta.stopAndJoin();
            }
            if (tb != null) {
                tb.stopAndJoin();
            }
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            listening.close();
            registry.doWork();
            if (Kernel.links().getLink(veth.a) != null || Kernel.links().getLink(veth.b) != null) {
                veth.close(); // only when the round failed before the unplug
            }
            assertEquals(0, pool.inUse(), "round " + round + ": packets left out of the pool");
            assertEquals(0, pool.doubleFrees(), "round " + round + ": double frees");
        }
    }

    private static PortEvent removed(List<PortEvent> events, AfPacketPort port) {
        for (PortEvent e : events) {
            if (e.type() == PortEventType.REMOVED && e.port() == port) {
                return e;
            }
        }
        return null;
    }

    /** A polling thread: TX bursts of 32 and RX bursts on every queue of one port, as fast as it can. */
    private final class Traffic implements Runnable {
        final Thread thread;
        final AtomicLong received = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AfPacketPort port;
        private volatile boolean running = true;

        Traffic(AfPacketPort port) {
            this.port = port;
            this.thread = Thread.ofPlatform().name("traffic-" + port.name()).unstarted(this);
        }

        @Override
        public void run() {
            Packet[] out = new Packet[32];
            Packet[] in = new Packet[32];
            int queues = port.config().rxQueues();
            int txQueues = port.config().txQueues();
            int q = 0;
            try {
                while (running) {
                    int n = pool.allocBulk(out, 0, out.length);
                    for (int i = 0; i < n; i++) {
                        TestFrames.udp(out[i], io.twinport.policy.MacAddress.BROADCAST, port.mac(), i, i, 64);
                    }
                    int taken = port.txBurst(q % txQueues, out, 0, n);
                    pool.freeBulk(out, taken, n - taken);
                    for (int rq = 0; rq < queues; rq++) {
                        int got = port.rxBurst(rq, in, 0, in.length);
                        pool.freeBulk(in, 0, got);
                        received.addAndGet(got);
                    }
                    q++;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        void stopAndJoin() throws InterruptedException {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
    }
}

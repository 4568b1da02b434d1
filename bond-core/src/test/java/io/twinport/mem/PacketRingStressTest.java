package io.twinport.mem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several threads bulk-allocate and bulk-free through the lock-free MPMC free ring at once. Each thread claims every
 * packet it receives in an ownership table with a CAS (0 to its id) and gives it up (its id to 0) before handing
 * it back: a packet handed to two threads at once, a packet lost, a slot read before it was written (null) or a
 * packet duplicated in the ring fails the test. Iterations are bounded; a timeout catches a ring that wedges.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PacketRingStressTest {
    private static final int THREADS = 4;
    private static final int ITERATIONS = 20_000;
    private static final int MAX_BURST = 32;

    private PacketPool pool;
    private AtomicIntegerArray owner;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Thread> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        pool = PacketPool.create("stress", 256, 64, 0);
        owner = new AtomicIntegerArray(pool.capacity());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        // Stop the workers first: after a timeout or a failed assertion they may still be writing into the pool's
        // memory, and unmapping it under them would crash the test JVM (and every other test's result with it).
        stopped.set(true);
        boolean allStopped = true;
        for (Thread t : started) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            allStopped &= !t.isAlive();
        }
        if (allStopped) {
            pool.close();
        } // else: leave the mapping to the JVM's exit rather than pull it from under a running thread
    }

    /** What one thread does; {@code id} is 1-based, {@code rnd} seeded per thread so a failure can be replayed. */
    @FunctionalInterface
    private interface Worker {
        void run(int id, SplittableRandom rnd);
    }

    private void runThreads(Worker worker) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int id = t + 1;
            threads[t] = new Thread(() -> {
                try {
                    go.await();
                    worker.run(id, new SplittableRandom(0x7417_0000L + id));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "stress-" + id);
            threads[t].setDaemon(true); // a wedged thread must not keep the test JVM alive
            started.add(threads[t]);
            threads[t].start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(100));
            assertFalse(t.isAlive(), t.getName() + " still running: the ring wedged");
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new AssertionError("a stress thread failed: " + f, f);
        }
    }

    private boolean failed() {
        return failure.get() != null || stopped.get();
    }

    private void claim(int id, Packet p) {
        if (p == null) {
            throw new AssertionError("thread " + id + " got null from the ring (slot read before it was written)");
        }
        int was = owner.compareAndExchange(p.index(), 0, id);
        if (was != 0) {
            throw new AssertionError(p + " handed to thread " + id + " while thread " + was + " holds it");
        }
    }

    private void unclaim(int id, Packet p) {
        int was = owner.compareAndExchange(p.index(), id, 0);
        if (was != id) {
            throw new AssertionError(p + " given back by thread " + id + " but owned by " + was);
        }
    }

    /** Polls the ring dry and checks that it held each of the packets at most once; returns how many it held. */
    private static int drainAndCheck(PacketRing ring, boolean[] seen) {
        Packet[] out = new Packet[MAX_BURST];
        int total = 0;
        int n;
        while ((n = ring.poll(out, 0, out.length)) > 0) {
            for (int i = 0; i < n; i++) {
                assertNotNull(out[i]);
                assertFalse(seen[out[i].index()], out[i] + " twice");
                seen[out[i].index()] = true;
            }
            total += n;
        }
        return total;
    }

    @Test
    void ringHandsEachPacketToOneThreadAtATime() throws InterruptedException {
        // A ring with room for every packet, capacity not a power of two (slot array of 128 for 100).
        int population = 100;
        PacketRing ring = new PacketRing(population);
        Packet[] all = new Packet[population];
        for (int i = 0; i < population; i++) {
            all[i] = pool.packet(i);
        }
        assertEquals(population, ring.offer(all, 0, population));

        runThreads((id, rnd) -> {
            Packet[] held = new Packet[MAX_BURST];
            for (int it = 0; it < ITERATIONS && !failed(); it++) {
                int n = 1 + rnd.nextInt(MAX_BURST);
                int got = ring.poll(held, 0, n);
                if (got < 0 || got > n) {
                    throw new AssertionError("poll of " + n + " returned " + got);
                }
                for (int i = 0; i < got; i++) {
                    claim(id, held[i]);
                }
                for (int i = 0; i < got; i++) {
                    unclaim(id, held[i]); // before the offer: once offered another thread may take it
                }
                int put = ring.offer(held, 0, got);
                if (put != got) {
                    throw new AssertionError("the ring has room for every packet but took " + put + " of " + got);
                }
            }
        });

        assertEquals(population, ring.size());
        boolean[] seen = new boolean[pool.capacity()];
        assertEquals(population, drainAndCheck(ring, seen));
        for (int i = 0; i < population; i++) {
            assertTrue(seen[i], "packet " + i + " lost");
        }
    }

    @Test
    void ringSmallerThanThePopulationRunsFullAndEmptyWithoutLosingAPacket() throws InterruptedException {
        // 64 packets, room for 48: offers come back partial, polls come back empty; the caller keeps the rest.
        int population = 64;
        int capacity = 48;
        PacketRing ring = new PacketRing(capacity);
        Packet[] start = new Packet[population];
        for (int i = 0; i < population; i++) {
            start[i] = pool.packet(i);
        }
        assertEquals(capacity, ring.offer(start, 0, population));
        int outside = population - capacity;
        Packet[][] held = new Packet[THREADS][population + MAX_BURST];
        int[] heldCount = new int[THREADS];
        for (int i = 0; i < outside; i++) {
            int t = i % THREADS;
            held[t][heldCount[t]++] = start[capacity + i];
            owner.set(start[capacity + i].index(), t + 1);
        }

        runThreads((id, rnd) -> {
            Packet[] mine = held[id - 1];
            int count = heldCount[id - 1];
            for (int it = 0; it < ITERATIONS && !failed(); it++) {
                if (count == 0 || rnd.nextBoolean()) {
                    int n = 1 + rnd.nextInt(MAX_BURST);
                    int got = ring.poll(mine, count, n);
                    if (got < 0 || got > n) {
                        throw new AssertionError("poll of " + n + " returned " + got);
                    }
                    for (int i = 0; i < got; i++) {
                        claim(id, mine[count + i]);
                    }
                    count += got;
                } else {
                    int n = 1 + rnd.nextInt(Math.min(count, MAX_BURST));
                    int from = count - n;
                    for (int i = from; i < count; i++) {
                        unclaim(id, mine[i]);
                    }
                    int put = ring.offer(mine, from, n);
                    if (put < 0 || put > n) {
                        throw new AssertionError("offer of " + n + " returned " + put);
                    }
                    // what the ring did not take is still ours: nobody else can have seen it
                    for (int i = from + put; i < count; i++) {
                        claim(id, mine[i]);
                    }
                    // the taken ones leave the array; the rest move down to stay contiguous
                    System.arraycopy(mine, from + put, mine, from, n - put);
                    count -= put;
                    for (int i = count; i < count + put; i++) {
                        mine[i] = null;
                    }
                }
            }
            heldCount[id - 1] = count;
        });

        boolean[] seen = new boolean[pool.capacity()];
        int inRing = drainAndCheck(ring, seen);
        assertTrue(inRing <= capacity, "ring held " + inRing + " with capacity " + capacity);
        int total = inRing;
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < heldCount[t]; i++) {
                Packet p = held[t][i];
                assertFalse(seen[p.index()], p + " both in the ring and held by thread " + (t + 1));
                seen[p.index()] = true;
                assertEquals(t + 1, owner.get(p.index()));
            }
            assertNull(held[t][heldCount[t]], "thread " + (t + 1) + " bookkeeping");
            total += heldCount[t];
        }
        assertEquals(population, total, "packets lost or duplicated");
    }

    @Test
    void poolAllocAndFreeFromManyThreadsKeepsEveryBuffer() throws InterruptedException {
        // Through the pool: bursts and single packets, threads keeping some across iterations so the pool runs
        // dry now and then. Each thread also writes its id into the frame and checks it before freeing.
        // Meanwhile a monitor (the control thread's view) reads the pool's counts: snapshots, but never outside
        // [0, capacity].
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<String> badSnapshot = new AtomicReference<>();
        Thread monitor = new Thread(() -> {
            while (running.get()) {
                int inUse = pool.inUse();
                int available = pool.available();
                if (inUse < 0 || inUse > pool.capacity() || available < 0 || available > pool.capacity()) {
                    badSnapshot.compareAndSet(null, "in use " + inUse + ", available " + available);
                }
            }
        }, "stress-monitor");
        monitor.setDaemon(true);
        monitor.start();
        try {
            runThreads(this::allocAndFreeThroughThePool);
        } finally {
            running.set(false);
            monitor.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertNull(badSnapshot.get(), "a count outside [0, capacity] while bursts were under way");

        assertEquals(0, pool.inUse(), "buffers missing after every thread freed what it held");
        assertEquals(pool.capacity(), pool.available());
        assertEquals(0, pool.doubleFrees());
        assertEquals(0, pool.foreignFrees());
        Packet[] all = new Packet[pool.capacity() + 1];
        assertEquals(pool.capacity(), pool.allocBulk(all, 0, all.length));
        boolean[] seen = new boolean[pool.capacity()];
        for (int i = 0; i < pool.capacity(); i++) {
            assertFalse(seen[all[i].index()], all[i] + " twice in the pool");
            seen[all[i].index()] = true;
        }
        pool.freeBulk(all, 0, pool.capacity());
    }

    private void allocAndFreeThroughThePool(int id, SplittableRandom rnd) {
        Packet[] mine = new Packet[96 + MAX_BURST];
        int count = 0;
        for (int it = 0; it < ITERATIONS && !failed(); it++) {
            int n = 1 + rnd.nextInt(MAX_BURST);
            int got;
            if (n == 1) {
                Packet p = pool.alloc();
                got = p == null ? 0 : 1;
                mine[count] = p;
            } else {
                got = pool.allocBulk(mine, count, n);
            }
            for (int i = count; i < count + got; i++) {
                Packet p = mine[i];
                claim(id, p);
                if (!p.inUse() || p.length() != 0 || p.dataOffset() != 0) {
                    throw new AssertionError(p + " handed out without being reset and marked in use");
                }
                p.setData(0, 4);
                p.buffer().fill((byte) id);
            }
            count += got;
            int keep = rnd.nextInt(Math.min(count, 96) + 1);
            int free = count - keep;
            for (int i = keep; i < count; i++) {
                Packet p = mine[i];
                for (int b = 0; b < 4; b++) {
                    if (p.getByte(b) != (byte) id) {
                        throw new AssertionError(p + " of thread " + id + " overwritten with " + p.getByte(b));
                    }
                }
                unclaim(id, p);
            }
            if (free == 1) {
                mine[keep].free();
            } else {
                pool.freeBulk(mine, keep, free);
            }
            count = keep;
        }
        for (int i = 0; i < count; i++) {
            unclaim(id, mine[i]);
        }
        pool.freeBulk(mine, 0, count);
    }
}

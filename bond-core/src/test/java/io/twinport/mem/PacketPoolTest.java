package io.twinport.mem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketPoolTest {
    private final List<PacketPool> pools = new ArrayList<>();

    private PacketPool pool(String name, int count) {
        PacketPool p = PacketPool.create(name, count);
        pools.add(p);
        return p;
    }

    private PacketPool pool(String name, int count, int bufferSize, int headroom) {
        PacketPool p = PacketPool.create(name, count, bufferSize, headroom);
        pools.add(p);
        return p;
    }

    @AfterEach
    void closePools() {
        pools.forEach(PacketPool::close);
    }

    /** Allocates everything that is free and checks each packet comes out once; frees them again. */
    private static Set<Packet> drainDistinct(PacketPool pool) {
        Packet[] all = new Packet[pool.capacity() + 8];
        int got = pool.allocBulk(all, 0, all.length);
        Set<Packet> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < got; i++) {
            assertNotNull(all[i], "slot " + i);
            assertTrue(distinct.add(all[i]), all[i] + " handed out twice in one drain");
            assertSame(pool, all[i].pool());
        }
        pool.freeBulk(all, 0, got);
        return distinct;
    }

    private static void assertMessageHas(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing in: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- create

    @Test
    void createRejectsBadValuesNamingThem() {
        assertMessageHas(assertThrows(IllegalArgumentException.class, () -> PacketPool.create("p", 0)),
                "pool p", "count 0");
        assertMessageHas(assertThrows(IllegalArgumentException.class, () -> PacketPool.create("p", -5)),
                "count -5");
        assertMessageHas(assertThrows(IllegalArgumentException.class,
                () -> PacketPool.create("p", (1 << 24) + 1)), "count 16777217");
        assertMessageHas(assertThrows(IllegalArgumentException.class,
                () -> PacketPool.create("p", 4, 2048, -1)), "headroom -1");
        assertMessageHas(assertThrows(IllegalArgumentException.class,
                () -> PacketPool.create("p", 4, 65537, 128)), "buffer size 65537");
        assertMessageHas(assertThrows(IllegalArgumentException.class,
                () -> PacketPool.create("p", 4, 128 + 63, 128)), "buffer size 191");
        assertMessageHas(assertThrows(IllegalArgumentException.class,
                () -> PacketPool.create("p", 4, 0, 0)), "buffer size 0");
    }

    @Test
    void createRejectsAHeadroomSoLargeThatHeadroomPlus64Overflows() {
        // headroom + 64 wraps to a negative number: a check written as bufferSize < headroom + 64 passes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PacketPool.create("p", 4, 2048, Integer.MAX_VALUE - 10));
        assertMessageHas(e, Integer.toString(Integer.MAX_VALUE - 10));
    }

    @Test
    void createRoundsBufferSizeToACacheLine() {
        PacketPool p = pool("round", 3, 2000, 128);
        assertEquals(2048, p.bufferSize());
        assertEquals(3L * 2048, p.memory().size());
        assertEquals(3, p.capacity());
        assertEquals(0, p.inUse());
        assertEquals(3, p.available());
        assertEquals(128, p.headroom());
        assertEquals("p2", pool("p2", 1, 64, 0).name());
        assertEquals(64, pools.get(1).bufferSize());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        PacketPool p = pool("defaults", 2);
        assertEquals(PacketPool.DEFAULT_BUFFER_SIZE, p.bufferSize());
        assertEquals(PacketPool.DEFAULT_HEADROOM, p.headroom());
        assertTrue(p.memory().name().contains("defaults"), p.memory().name());
    }

    @Test
    void buffersTileTheSharedMemoryWithoutOverlap() {
        PacketPool p = pool("tile", 16, 256, 32);
        for (int i = 0; i < p.capacity(); i++) {
            Packet pkt = p.packet(i);
            assertEquals(i, pkt.index());
            assertSame(p, pkt.pool());
            assertEquals(p.memory().address() + (long) i * 256, pkt.bufferAddress());
            assertEquals(pkt.bufferAddress(), pkt.buffer().address());
            assertEquals(256, pkt.bufferSize());
            assertTrue(p.memory().contains(pkt.bufferAddress(), pkt.bufferSize()), "packet " + i);
            pkt.buffer().fill((byte) i);
        }
        for (int i = 0; i < p.capacity(); i++) {
            for (int off = 0; off < 256; off++) {
                assertEquals((byte) i, p.memory().segment().get(ValueLayout.JAVA_BYTE, (long) i * 256 + off),
                        "buffer " + i + " byte " + off);
            }
        }
    }

    // ---------------------------------------------------------------- alloc / free

    @Test
    void allocUntilEmptyThenNullAndCounted() {
        PacketPool p = pool("empty", 8);
        Set<Packet> got = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 8; i++) {
            Packet pkt = p.alloc();
            assertNotNull(pkt, "alloc " + i);
            assertTrue(pkt.inUse());
            assertTrue(got.add(pkt), "handed out twice: " + pkt);
            assertEquals(i + 1, p.inUse());
            assertEquals(8 - i - 1, p.available());
        }
        assertEquals(0, p.allocFailures());
        assertNull(p.alloc());
        assertNull(p.alloc());
        assertEquals(2, p.allocFailures());
        Packet[] burst = new Packet[4];
        assertEquals(0, p.allocBulk(burst, 0, 4));
        assertEquals(6, p.allocFailures(), "a burst counts its shortfall in buffers");
        for (Packet pkt : burst) {
            assertNull(pkt);
        }
        for (Packet pkt : got) {
            pkt.free();
        }
        assertEquals(0, p.inUse());
        assertEquals(8, p.available());
        assertEquals(8, drainDistinct(p).size());
    }

    @Test
    void allocBulkIsPartialWhenThePoolRunsDryAndCountsTheShortfall() {
        PacketPool p = pool("partial", 10);
        Packet[] a = new Packet[12];
        assertEquals(7, p.allocBulk(a, 2, 7));
        assertNull(a[0]);
        assertNull(a[1]);
        assertNull(a[9], "nothing written past the burst");
        assertEquals(0, p.allocFailures());
        Packet[] b = new Packet[7];
        assertEquals(3, p.allocBulk(b, 0, 7));
        assertNull(b[3]);
        assertEquals(4, p.allocFailures());
        assertEquals(10, p.inUse());
        assertEquals(0, p.available());
        p.freeBulk(a, 2, 7);
        p.freeBulk(b, 0, 3);
        assertEquals(0, p.inUse());
        assertEquals(10, drainDistinct(p).size());
    }

    @Test
    void allocBulkOfNothingAllocatesNothing() {
        PacketPool p = pool("zero", 4);
        Packet[] a = new Packet[1];
        assertEquals(0, p.allocBulk(a, 0, 0));
        assertEquals(0, p.allocBulk(a, 1, 0));
        assertEquals(0, p.allocFailures());
        assertEquals(0, p.inUse());
        p.freeBulk(a, 0, 0);
        assertEquals(4, p.available());
    }

    @Test
    // a separate thread: a wedged ring spins and cannot be interrupted
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void allocBulkOutsideTheArrayThrowsBeforeTakingAnything() {
        // An exception in the middle of a ring reservation would leave the consumer tail unpublished: every
        // later alloc on any thread would spin forever. The range must be checked before the ring is touched.
        PacketPool p = pool("range", 8);
        Packet[] small = new Packet[4];
        assertThrows(IndexOutOfBoundsException.class, () -> p.allocBulk(small, 2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> p.allocBulk(small, -1, 1));
        assertThrows(NullPointerException.class, () -> p.allocBulk(null, 0, 1));
        assertEquals(0, p.inUse(), "nothing left the pool");
        assertEquals(8, p.available());
        assertEquals(8, drainDistinct(p).size(), "the pool still works");
    }

    @Test
    // a separate thread: a wedged ring spins and cannot be interrupted
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void freeBulkOutsideTheArrayThrowsBeforeFreeingAnything() {
        PacketPool p = pool("frange", 8);
        Packet[] four = new Packet[4];
        assertEquals(4, p.allocBulk(four, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> p.freeBulk(four, 1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> p.freeBulk(four, -1, 2));
        for (Packet pkt : four) {
            assertTrue(pkt.inUse(), "a refused burst must not mark " + pkt + " free");
        }
        assertEquals(4, p.inUse());
        p.freeBulk(four, 0, 4);
        assertEquals(0, p.inUse());
        assertEquals(0, p.doubleFrees());
        assertEquals(8, drainDistinct(p).size());
    }

    @Test
    void freeBulkReturnsEveryPacketOfTheBurst() {
        PacketPool p = pool("bulk", 32);
        Packet[] a = new Packet[32];
        assertEquals(32, p.allocBulk(a, 0, 32));
        p.freeBulk(a, 8, 16);
        assertEquals(16, p.inUse());
        for (int i = 0; i < 32; i++) {
            assertEquals(i < 8 || i >= 24, a[i].inUse(), "packet in slot " + i);
        }
        p.freeBulk(a, 0, 8);
        p.freeBulk(a, 24, 8);
        assertEquals(0, p.inUse());
        assertEquals(32, p.available());
        assertEquals(0, p.doubleFrees());
        assertEquals(32, drainDistinct(p).size());
    }

    @Test
    void freeBulkSkipsNulls() {
        PacketPool p = pool("nulls", 4);
        Packet[] a = new Packet[6];
        assertEquals(2, p.allocBulk(a, 1, 2));
        assertEquals(2, p.allocBulk(a, 4, 2));
        p.freeBulk(a, 0, 6);
        assertEquals(0, p.inUse());
        assertEquals(0, p.doubleFrees());
        assertEquals(0, p.foreignFrees());
        assertEquals(4, drainDistinct(p).size());
    }

    @Test
    void allocatedPacketsComeBackReset() {
        PacketPool p = pool("reset", 1, 512, 64);
        Packet pkt = p.alloc();
        pkt.setData(10, 300);
        pkt.port(7);
        pkt.queue(3);
        pkt.free();
        assertFalse(pkt.inUse());
        Packet again = p.alloc();
        assertSame(pkt, again, "a pool of one hands out its only buffer");
        assertEquals(64, again.dataOffset());
        assertEquals(0, again.length());
        assertEquals(0, again.port());
        assertEquals(0, again.queue());
        again.setData(1, 2);
        again.free();
        Packet[] one = new Packet[1];
        assertEquals(1, p.allocBulk(one, 0, 1));
        assertEquals(64, one[0].dataOffset(), "allocBulk resets too");
        assertEquals(0, one[0].length());
    }

    // ---------------------------------------------------------------- misuse

    @Test
    void doubleFreeIsCountedAndDoesNotCorruptThePool() {
        PacketPool p = pool("double", 8);
        Packet[] a = new Packet[4];
        assertEquals(4, p.allocBulk(a, 0, 4)); // 4 out, 4 in: a duplicate entry would fit in the ring
        a[0].free();
        a[0].free();
        assertEquals(1, p.doubleFrees());
        assertEquals(3, p.inUse());
        p.free(a[1]);
        p.free(a[1]);
        assertEquals(2, p.doubleFrees());
        assertEquals(2, p.inUse());
        // inside one burst, and with a neighbour after it that must still be freed
        p.freeBulk(new Packet[] {a[2], a[2], a[3]}, 0, 3);
        assertEquals(3, p.doubleFrees());
        assertEquals(0, p.inUse());
        assertEquals(8, p.available());
        // the pool holds every buffer exactly once: allocating everything gives capacity distinct packets
        Set<Packet> all = drainDistinct(p);
        assertEquals(8, all.size());
        assertEquals(8, p.allocFailures(), "the drain asked for 8 more than capacity");
    }

    @Test
    void freeOfAPacketThatWasNeverAllocatedIsADoubleFree() {
        PacketPool p = pool("never", 4);
        Packet idle = p.packet(2);
        assertFalse(idle.inUse());
        idle.free();
        p.freeBulk(new Packet[] {p.packet(0), p.packet(1)}, 0, 2);
        assertEquals(3, p.doubleFrees());
        assertEquals(0, p.inUse());
        assertEquals(4, drainDistinct(p).size());
    }

    @Test
    void doubleFreeAfterReallocationIsAnOrdinaryFreeOfTheNewOwner() {
        // Documents the limit of detection: a stale reference freed after the buffer was handed out again
        // (ABA) cannot be told apart from the new owner's free; the pool still never holds a buffer twice.
        PacketPool p = pool("aba", 1);
        Packet first = p.alloc();
        first.free();
        Packet second = p.alloc();
        assertSame(first, second);
        first.free(); // the stale free
        second.free(); // the owner's free, now refused
        assertEquals(1, p.doubleFrees());
        assertEquals(1, drainDistinct(p).size());
    }

    @Test
    void foreignFreeIsCountedAndThePacketGoesHome() {
        PacketPool home = pool("home", 4);
        PacketPool other = pool("other", 4);
        Packet pkt = home.alloc();
        Packet mine = other.alloc();
        other.free(pkt);
        assertEquals(1, other.foreignFrees());
        assertEquals(0, home.foreignFrees());
        assertEquals(0, home.inUse(), "the packet went back to its own pool");
        assertEquals(4, home.available());
        assertEquals(1, other.inUse(), "the other pool did not take it in");
        assertEquals(3, other.available());
        // again, now a double free seen by its own pool
        other.free(pkt);
        assertEquals(2, other.foreignFrees());
        assertEquals(1, home.doubleFrees());
        other.free(mine);
        assertEquals(4, drainDistinct(home).size());
        assertEquals(4, drainDistinct(other).size());
    }

    @Test
    void foreignPacketsInsideABurstAreSentHomeAndTheRestIsFreed() {
        PacketPool home = pool("home2", 4);
        PacketPool other = pool("other2", 4);
        Packet[] mixed = new Packet[5];
        mixed[0] = other.alloc();
        mixed[1] = home.alloc();
        mixed[2] = other.alloc();
        mixed[3] = home.alloc();
        mixed[4] = other.alloc();
        other.freeBulk(mixed, 0, 5);
        assertEquals(2, other.foreignFrees());
        assertEquals(0, other.inUse());
        assertEquals(0, home.inUse());
        assertEquals(0, other.doubleFrees());
        assertEquals(4, drainDistinct(home).size());
        assertEquals(4, drainDistinct(other).size());
    }

    // ---------------------------------------------------------------- address translation

    @Test
    void packetAtMapsEveryAddressInsideABufferToItsPacket() {
        PacketPool p = pool("at", 5, 1024, 128);
        long base = p.memory().address();
        for (int i = 0; i < p.capacity(); i++) {
            Packet pkt = p.packet(i);
            assertSame(pkt, p.packetAt(pkt.bufferAddress()), "buffer start of " + i);
            assertSame(pkt, p.packetAt(pkt.dataAddress()), "data start of " + i);
            assertSame(pkt, p.packetAt(pkt.bufferAddress() + 1023), "last byte of " + i);
        }
        assertSame(p.packet(1), p.packetAt(base + 1024));
        assertNull(p.packetAt(base - 1), "one before the pool");
        assertNull(p.packetAt(base + 5L * 1024), "one past the pool");
        assertNull(p.packetAt(0));
        assertNull(p.packetAt(-1));
        assertNull(p.packetAt(Long.MIN_VALUE));
        assertNull(p.packetAt(Long.MAX_VALUE));
    }

    @Test
    void packetIndexOutsideThePoolThrows() {
        PacketPool p = pool("idx", 2);
        assertThrows(IndexOutOfBoundsException.class, () -> p.packet(2));
        assertThrows(IndexOutOfBoundsException.class, () -> p.packet(-1));
    }

    @Test
    void closeReleasesTheMemory() throws java.io.IOException {
        String name = "closing-" + ProcessHandle.current().pid();
        PacketPool p = PacketPool.create(name, 2);
        Path link = Path.of("/proc/self/fd/" + p.memory().fd());
        assertEquals("/memfd:twinport-pool-" + name + " (deleted)", Files.readSymbolicLink(link).toString());
        p.close();
        p.close(); // idempotent, like the memory under it
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            assertFalse(fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains("twinport-pool-" + name + " ");
                } catch (java.io.IOException e) {
                    return false;
                }
            }), "the pool's memfd is still open after close");
        }
    }

    @Test
    void toStringNamesThePoolAndItsUse() {
        PacketPool p = pool("show", 3);
        p.alloc();
        String s = p.toString();
        assertTrue(s.contains("show") && s.contains("in use 1"), s);
    }
}

package io.twinport.mem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Single-threaded behaviour of the free ring; {@link PacketRingStressTest} runs it from several threads. */
class PacketRingTest {
    private PacketPool pool;

    @BeforeEach
    void setUp() {
        pool = PacketPool.create("ring", 64, 64, 0);
    }

    @AfterEach
    void tearDown() {
        pool.close();
    }

    private Packet[] packets(int n) {
        Packet[] p = new Packet[n];
        for (int i = 0; i < n; i++) {
            p[i] = pool.packet(i);
        }
        return p;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 31, 32, 33, 64})
    void holdsExactlyItsCapacityWhateverThePowerOfTwoAbove(int capacity) {
        PacketRing ring = new PacketRing(capacity);
        assertEquals(capacity, ring.capacity());
        Packet[] src = packets(64);
        assertEquals(capacity, ring.offer(src, 0, 64), "offer fills up to capacity, not up to the slot array");
        assertEquals(capacity, ring.size());
        assertEquals(0, ring.offer(src, 0, 1), "full");
        Packet[] dst = new Packet[65];
        assertEquals(capacity, ring.poll(dst, 0, 65));
        for (int i = 0; i < capacity; i++) {
            assertSame(src[i], dst[i], "FIFO order, slot " + i);
        }
        assertNull(dst[capacity]);
        assertEquals(0, ring.size());
        assertEquals(0, ring.poll(dst, 0, 1), "empty");
    }

    @Test
    void wrapsAroundManyTimesInFifoOrder() {
        PacketRing ring = new PacketRing(5); // 8 slots: index and slot diverge after the first lap
        Packet[] src = packets(64);
        Packet[] dst = new Packet[8];
        int next = 0;
        int expect = 0;
        for (int round = 0; round < 1000; round++) {
            int burst = 1 + round % 5;
            int in = ring.offer(new Packet[] {src[next % 64], src[(next + 1) % 64], src[(next + 2) % 64],
                    src[(next + 3) % 64], src[(next + 4) % 64]}, 0, burst);
            next += in;
            int out = ring.poll(dst, 0, 1 + (round * 3) % 5);
            for (int i = 0; i < out; i++) {
                assertSame(src[expect % 64], dst[i], "round " + round);
                expect++;
            }
            assertEquals(next - expect, ring.size());
        }
    }

    @Test
    void partialOfferAndPollRespectOffsets() {
        PacketRing ring = new PacketRing(4);
        Packet[] src = packets(10);
        assertEquals(3, ring.offer(src, 2, 3));
        assertEquals(1, ring.offer(src, 7, 3), "only one slot left");
        Packet[] dst = new Packet[10];
        assertEquals(4, ring.poll(dst, 5, 5));
        assertSame(src[2], dst[5]);
        assertSame(src[3], dst[6]);
        assertSame(src[4], dst[7]);
        assertSame(src[7], dst[8]);
        assertNull(dst[9]);
        assertNull(dst[4]);
    }

    @Test
    void zeroAndNegativeCountsMoveNothing() {
        PacketRing ring = new PacketRing(4);
        Packet[] src = packets(4);
        assertEquals(0, ring.offer(src, 0, 0));
        assertEquals(0, ring.offer(src, 0, -3));
        assertEquals(0, ring.size());
        assertEquals(2, ring.offer(src, 0, 2));
        assertEquals(0, ring.poll(new Packet[4], 0, 0));
        assertEquals(0, ring.poll(new Packet[4], 0, -1));
        assertEquals(2, ring.size());
    }
}

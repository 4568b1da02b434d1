package io.twinport.mem;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketTest {
    private static final int SIZE = 512;
    private static final int HEADROOM = 64;
    private PacketPool pool;
    private Packet pkt;

    @BeforeEach
    void setUp() {
        pool = PacketPool.create("pkt", 3, SIZE, HEADROOM);
        pkt = pool.packet(1);
    }

    @AfterEach
    void tearDown() {
        pool.close();
    }

    @Test
    void freshPacketIsEmptyAtTheDefaultHeadroom() {
        Packet p = pool.alloc();
        assertEquals(SIZE, p.bufferSize());
        assertEquals(HEADROOM, p.dataOffset());
        assertEquals(HEADROOM, p.headroom());
        assertEquals(0, p.length());
        assertEquals(SIZE - HEADROOM, p.tailroom());
        assertEquals(p.bufferAddress() + HEADROOM, p.dataAddress());
    }

    @Test
    void setDataMovesTheFrameAndTheRoomsFollow() {
        pkt.setData(10, 100);
        assertEquals(10, pkt.dataOffset());
        assertEquals(10, pkt.headroom());
        assertEquals(100, pkt.length());
        assertEquals(SIZE - 110, pkt.tailroom());
        assertEquals(pkt.bufferAddress() + 10, pkt.dataAddress());
        pkt.length(200);
        assertEquals(10, pkt.dataOffset(), "length keeps the offset");
        assertEquals(SIZE - 210, pkt.tailroom());
        // the extremes that fit
        pkt.setData(0, SIZE);
        assertEquals(0, pkt.headroom());
        assertEquals(0, pkt.tailroom());
        pkt.setData(SIZE, 0);
        assertEquals(SIZE, pkt.headroom());
        assertEquals(0, pkt.tailroom());
    }

    @Test
    void setDataOutsideTheBufferThrowsNamingTheValuesAndChangesNothing() {
        pkt.setData(20, 30);
        assertBad(1, SIZE);
        assertBad(SIZE + 1, 0);
        assertBad(-1, 10);
        assertBad(0, -1);
        assertBad(0, SIZE + 1);
        assertBad(Integer.MAX_VALUE, Integer.MAX_VALUE); // offset + len overflows to negative
        assertBad(100, Integer.MIN_VALUE);
        assertBad(Integer.MIN_VALUE, 10);
        assertThrows(IndexOutOfBoundsException.class, () -> pkt.length(SIZE - 20 + 1));
        assertEquals(20, pkt.dataOffset(), "a refused change leaves the frame as it was");
        assertEquals(30, pkt.length());
    }

    private void assertBad(int offset, int len) {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> pkt.setData(offset, len),
                "offset " + offset + " length " + len);
        assertTrue(e.getMessage().contains("offset " + offset) && e.getMessage().contains("length " + len)
                && e.getMessage().contains("pkt"), e.getMessage());
    }

    @Test
    void writeAndReadGoThroughTheFrameStartIntoSharedMemory() {
        byte[] frame = new byte[60];
        for (int i = 0; i < frame.length; i++) {
            frame[i] = (byte) (i * 7 + 1);
        }
        pkt.setData(32, frame.length);
        pkt.write(0, frame, 0, frame.length);
        byte[] back = new byte[frame.length];
        pkt.read(0, back, 0, back.length);
        assertArrayEquals(frame, back);
        // it is in the pool's shared memory, at dataAddress
        long at = pkt.dataAddress() - pool.memory().address();
        for (int i = 0; i < frame.length; i++) {
            assertEquals(frame[i], pool.memory().segment().get(ValueLayout.JAVA_BYTE, at + i), "byte " + i);
        }
        assertEquals(frame[5], pkt.getByte(5));
        pkt.putByte(5, (byte) 0x55);
        assertEquals((byte) 0x55, pool.memory().segment().get(ValueLayout.JAVA_BYTE, at + 5));
        // offsets inside src/dst arrays
        pkt.write(10, new byte[] {9, 8, 7, 6}, 1, 2);
        byte[] two = new byte[4];
        pkt.read(10, two, 2, 2);
        assertArrayEquals(new byte[] {0, 0, 8, 7}, two);
    }

    @Test
    void writesThatLeaveTheBufferThrowAndSpareTheNeighbours() {
        Packet before = pool.packet(0);
        Packet after = pool.packet(2);
        before.buffer().fill((byte) 0x11);
        after.buffer().fill((byte) 0x22);
        pkt.setData(SIZE - 4, 4);
        assertThrows(IndexOutOfBoundsException.class, () -> pkt.write(0, new byte[8], 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> pkt.putByte(4, (byte) 1));
        pkt.setData(0, 4);
        assertThrows(IndexOutOfBoundsException.class, () -> pkt.putByte(-1, (byte) 1));
        assertThrows(IndexOutOfBoundsException.class, () -> pkt.read(0, new byte[4], 2, 4));
        for (int i = 0; i < SIZE; i++) {
            assertEquals((byte) 0x11, before.buffer().get(ValueLayout.JAVA_BYTE, i));
            assertEquals((byte) 0x22, after.buffer().get(ValueLayout.JAVA_BYTE, i));
        }
    }

    @Test
    void resetRestoresTheDefaults() {
        pkt.setData(3, 4);
        pkt.port(9);
        pkt.queue(2);
        assertEquals(9, pkt.port());
        assertEquals(2, pkt.queue());
        pkt.reset();
        assertEquals(HEADROOM, pkt.dataOffset());
        assertEquals(0, pkt.length());
        assertEquals(0, pkt.port());
        assertEquals(0, pkt.queue());
    }

    @Test
    void inUseFollowsAllocAndFree() {
        Packet p = pool.alloc();
        assertTrue(p.inUse());
        p.free();
        assertTrue(!p.inUse());
    }

    @Test
    void toStringNamesPoolIndexAndFrame() {
        pkt.setData(5, 6);
        String s = pkt.toString();
        assertTrue(s.contains("pkt#1") && s.contains("offset=5") && s.contains("length=6"), s);
    }
}

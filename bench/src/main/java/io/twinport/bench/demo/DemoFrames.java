package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.policy.MacAddress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The demo's frames: a UDP-like payload with a stream id and a 64-bit sequence number, under an Ethernet header of
 * EtherType 0x88B5 (IEEE 802 "local experimental"), so that nothing else on a real link is mistaken for one.
 *
 * <pre>
 *  0      6      12   14        18               26        64
 *  | dst  | src  | 88B5 | stream | sequence (BE)  | zeros   |
 * </pre>
 *
 * Also reads the source MAC and EtherType of any frame (the peer's learning switch learns from every frame, the
 * failover port's RARP announcements included).
 */
public final class DemoFrames {
    /** EtherType of the demo's frames: IEEE 802 local experimental EtherType 1. */
    public static final int ETHERTYPE = 0x88B5;
    /** EtherType of RARP (what QEMU's self-announce and the failover port's announcement send). */
    public static final int ETHERTYPE_RARP = 0x8035;
    /** Length of every demo frame (no FCS). */
    public static final int LENGTH = 64;
    /** Stream id of the frames the guest sends to the network. */
    public static final int STREAM_TO_NETWORK = 1;
    /** Stream id of the frames the peer sends to the guest. */
    public static final int STREAM_TO_GUEST = 2;

    private static final int OFF_ETHERTYPE = 12;
    private static final int OFF_STREAM = 14;
    private static final int OFF_SEQ = 18;
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private DemoFrames() {
    }

    /**
     * A template: the Ethernet header and stream id of one direction, zero sequence and padding; {@link #fill}
     * copies it into a packet and sets the sequence.
     *
     * @param dst    destination MAC
     * @param src    source MAC
     * @param stream the stream id
     * @return the frame's bytes
     */
    public static byte[] template(MacAddress dst, MacAddress src, int stream) {
        byte[] f = new byte[LENGTH];
        dst.writeTo(f, 0);
        src.writeTo(f, 6);
        f[OFF_ETHERTYPE] = (byte) (ETHERTYPE >>> 8);
        f[OFF_ETHERTYPE + 1] = (byte) ETHERTYPE;
        f[OFF_STREAM] = (byte) (stream >>> 24);
        f[OFF_STREAM + 1] = (byte) (stream >>> 16);
        f[OFF_STREAM + 2] = (byte) (stream >>> 8);
        f[OFF_STREAM + 3] = (byte) stream;
        return f;
    }

    /**
     * Writes a frame into a packet.
     *
     * @param p        the packet (freshly allocated: its data starts at the headroom)
     * @param template from {@link #template}
     * @param sequence the frame's sequence number
     */
    public static void fill(Packet p, byte[] template, long sequence) {
        p.length(template.length);
        p.write(0, template, 0, template.length);
        p.buffer().set(LONG_BE, p.dataOffset() + OFF_SEQ, sequence);
    }

    /**
     * @param p a received packet
     * @return its stream id if it is a demo frame, else -1
     */
    public static int stream(Packet p) {
        if (p.length() < OFF_SEQ + 8) {
            return -1;
        }
        MemorySegment b = p.buffer();
        int at = p.dataOffset();
        if ((b.get(SHORT_BE, at + OFF_ETHERTYPE) & 0xFFFF) != ETHERTYPE) {
            return -1;
        }
        return b.get(INT_BE, at + OFF_STREAM);
    }

    /**
     * @param p a demo frame ({@link #stream} was not -1)
     * @return its sequence number
     */
    public static long sequence(Packet p) {
        return p.buffer().get(LONG_BE, p.dataOffset() + OFF_SEQ);
    }

    /**
     * @param p any received frame of at least 12 bytes
     * @return its source MAC as a long (the low 48 bits), or -1 if it is shorter
     */
    public static long sourceMac(Packet p) {
        if (p.length() < 12) {
            return -1;
        }
        MemorySegment b = p.buffer();
        int at = p.dataOffset();
        return ((long) (b.get(SHORT_BE, at + 6) & 0xFFFF) << 32) | (b.get(INT_BE, at + 8) & 0xFFFF_FFFFL);
    }

    /**
     * @param p any received frame
     * @return its EtherType, or -1 if it is shorter than an Ethernet header
     */
    public static int etherType(Packet p) {
        return p.length() < 14 ? -1 : p.buffer().get(SHORT_BE, p.dataOffset() + OFF_ETHERTYPE) & 0xFFFF;
    }
}

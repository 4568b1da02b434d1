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
    /** Where the sequence number of a {@link #udpEchoRequest} is: the first byte of the UDP payload. */
    public static final int UDP_OFF_SEQ = 14 + 20 + 8;
    /** Stream id of the frames the guest sends to the network. */
    public static final int STREAM_TO_NETWORK = 1;
    /** Stream id of the frames the peer sends to the guest. */
    public static final int STREAM_TO_GUEST = 2;

    private static final int OFF_ETHERTYPE = 12;
    private static final int OFF_STREAM = 14;
    /** Where the sequence number of a demo frame is. */
    static final int OFF_SEQ = 18;
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
        fill(p, template, OFF_SEQ, sequence);
    }

    /**
     * Writes a frame into a packet, the sequence number at {@code sequenceOffset}.
     *
     * @param p              the packet (freshly allocated: its data starts at the headroom)
     * @param template       the frame
     * @param sequenceOffset where the 64-bit sequence number goes (big-endian)
     * @param sequence       the frame's sequence number
     */
    public static void fill(Packet p, byte[] template, int sequenceOffset, long sequence) {
        p.length(template.length);
        p.write(0, template, 0, template.length);
        p.buffer().set(LONG_BE, p.dataOffset() + sequenceOffset, sequence);
    }

    /**
     * A UDP datagram (IPv4, no options, UDP checksum 0 as RFC 768 allows over IPv4) whose payload starts with a
     * 64-bit sequence number at {@link #UDP_OFF_SEQ}: what the peer sends to the guest's UDP echo service (RFC 862),
     * which answers with the same datagram, addresses and ports swapped.
     *
     * @param dst     destination MAC (the guest's)
     * @param src     source MAC (the peer's)
     * @param srcIp   source IPv4 address, network order
     * @param dstIp   destination IPv4 address
     * @param srcPort source UDP port
     * @param dstPort destination UDP port (the echo service's)
     * @return a {@value #LENGTH}-byte frame, sequence 0
     */
    public static byte[] udpEchoRequest(MacAddress dst, MacAddress src, int srcIp, int dstIp, int srcPort,
                                        int dstPort) {
        byte[] f = new byte[LENGTH];
        dst.writeTo(f, 0);
        src.writeTo(f, 6);
        f[OFF_ETHERTYPE] = 0x08; // IPv4
        int ip = 14;
        int total = LENGTH - ip;
        f[ip] = 0x45;
        f[ip + 2] = (byte) (total >>> 8);
        f[ip + 3] = (byte) total;
        f[ip + 8] = 64; // TTL
        f[ip + 9] = 17; // UDP
        putInt(f, ip + 12, srcIp);
        putInt(f, ip + 16, dstIp);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((f[ip + i] & 0xFF) << 8) | (f[ip + i + 1] & 0xFF);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        int checksum = ~sum & 0xFFFF;
        f[ip + 10] = (byte) (checksum >>> 8);
        f[ip + 11] = (byte) checksum;
        int udp = ip + 20;
        f[udp] = (byte) (srcPort >>> 8);
        f[udp + 1] = (byte) srcPort;
        f[udp + 2] = (byte) (dstPort >>> 8);
        f[udp + 3] = (byte) dstPort;
        int udpLength = total - 20;
        f[udp + 4] = (byte) (udpLength >>> 8);
        f[udp + 5] = (byte) udpLength;
        return f;
    }

    /**
     * @param p    a received frame
     * @param port the echo service's UDP port
     * @return its sequence number if it is a UDP echo reply from {@code port} of {@link #udpEchoRequest}'s size,
     *         else -1
     */
    public static long udpEchoReplySequence(Packet p, int port) {
        if (p.length() != LENGTH) {
            return -1;
        }
        MemorySegment b = p.buffer();
        int at = p.dataOffset();
        if ((b.get(SHORT_BE, at + OFF_ETHERTYPE) & 0xFFFF) != 0x0800 || b.get(ValueLayout.JAVA_BYTE, at + 23) != 17
                || (b.get(SHORT_BE, at + 34) & 0xFFFF) != port) {
            return -1;
        }
        return b.get(LONG_BE, at + UDP_OFF_SEQ);
    }

    /**
     * @param f    a received frame, as the guest's Netty pipeline sees it
     * @param port the echo service's UDP port
     * @return its sequence number if it is a UDP echo request to {@code port} of {@link #udpEchoRequest}'s size,
     *         else -1
     */
    public static long udpEchoRequestSequence(io.netty.buffer.ByteBuf f, int port) {
        int r = f.readerIndex();
        if (f.readableBytes() != LENGTH || f.getUnsignedShort(r + OFF_ETHERTYPE) != 0x0800
                || f.getByte(r + 23) != 17 || f.getUnsignedShort(r + 36) != port) {
            return -1;
        }
        return f.getLong(r + UDP_OFF_SEQ);
    }

    private static void putInt(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 24);
        f[at + 1] = (byte) (v >>> 16);
        f[at + 2] = (byte) (v >>> 8);
        f[at + 3] = (byte) v;
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

package io.twinport.fwd;

import io.twinport.mem.Packet;
import io.twinport.policy.MacAddress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The frames the fwd tool generates and the header rewrite of macswap. */
final class Frames {
    /** EtherType IPv4. */
    static final int ETHERTYPE_IPV4 = 0x0800;
    /** Ethernet header length. */
    static final int ETH_HLEN = 14;
    /** IPv4 header length without options. */
    static final int IPV4_HLEN = 20;
    /** UDP header length. */
    static final int UDP_HLEN = 8;
    /** Source address of generated frames (198.18.0.1, RFC 2544 benchmarking range, as testpmd's txonly). */
    static final int SRC_IP = (198 << 24) | (18 << 16) | 1;
    /** Destination address of generated frames (198.18.0.2). */
    static final int DST_IP = (198 << 24) | (18 << 16) | 2;
    /** UDP port of generated frames (9, discard, as testpmd's txonly). */
    static final int UDP_PORT = 9;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private Frames() {
    }

    /**
     * A UDP/IPv4 frame, zero payload, IPv4 header checksum set, UDP checksum 0 (none).
     *
     * @param src    Ethernet source
     * @param dst    Ethernet destination
     * @param length frame length, Ethernet header included, at least 42
     * @return the frame's bytes
     */
    static byte[] udp(MacAddress src, MacAddress dst, int length) {
        if (length < ETH_HLEN + IPV4_HLEN + UDP_HLEN) {
            throw new IllegalArgumentException("frame length " + length + " < 42");
        }
        byte[] f = new byte[length];
        System.arraycopy(dst.toBytes(), 0, f, 0, 6);
        System.arraycopy(src.toBytes(), 0, f, 6, 6);
        put16(f, 12, ETHERTYPE_IPV4);
        int ip = ETH_HLEN;
        f[ip] = 0x45;                                 // version 4, IHL 5 words
        put16(f, ip + 2, length - ETH_HLEN);          // total length
        f[ip + 8] = 64;                               // TTL
        f[ip + 9] = 17;                               // protocol UDP
        put32(f, ip + 12, SRC_IP);
        put32(f, ip + 16, DST_IP);
        put16(f, ip + 10, ipv4Checksum(f, ip));
        int udp = ip + IPV4_HLEN;
        put16(f, udp, UDP_PORT);
        put16(f, udp + 2, UDP_PORT);
        put16(f, udp + 4, length - ETH_HLEN - IPV4_HLEN);
        return f;
    }

    /** RFC 1071 checksum of the 20-byte IPv4 header at {@code off} (its checksum field zero). */
    static int ipv4Checksum(byte[] f, int off) {
        int sum = 0;
        for (int i = 0; i < IPV4_HLEN; i += 2) {
            sum += ((f[off + i] & 0xFF) << 8) | (f[off + i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    private static void put16(byte[] f, int off, int v) {
        f[off] = (byte) (v >>> 8);
        f[off + 1] = (byte) v;
    }

    private static void put32(byte[] f, int off, int v) {
        put16(f, off, v >>> 16);
        put16(f, off + 2, v);
    }

    /**
     * Copies a generated frame into a freshly allocated packet. Data path: no allocation.
     *
     * @param p     the packet (empty, at its default headroom)
     * @param frame the frame's bytes
     */
    static void fill(Packet p, byte[] frame) {
        p.write(0, frame, 0, frame.length);
        p.length(frame.length);
    }

    /**
     * Swaps the Ethernet destination and source addresses in place; frames shorter than 12 bytes are left alone.
     * Data path: no allocation.
     *
     * @param p the packet
     */
    static void swapMacs(Packet p) {
        if (p.length() < 12) {
            return;
        }
        MemorySegment b = p.buffer();
        long o = p.dataOffset();
        int dstHi = b.get(INT, o);
        short dstLo = b.get(SHORT, o + 4);
        int srcHi = b.get(INT, o + 6);
        short srcLo = b.get(SHORT, o + 10);
        b.set(INT, o, srcHi);
        b.set(SHORT, o + 4, srcLo);
        b.set(INT, o + 6, dstHi);
        b.set(SHORT, o + 10, dstLo);
    }
}

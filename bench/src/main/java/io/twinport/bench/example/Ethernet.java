package io.twinport.bench.example;

import io.netty.buffer.ByteBuf;
import io.twinport.policy.MacAddress;

/**
 * Offsets and helpers for the frames the example answers: Ethernet II, ARP for IPv4 (RFC 826), IPv4 (RFC 791),
 * ICMP echo (RFC 792) and UDP (RFC 768). Offsets are from the frame's first byte; every accessor takes the buffer's
 * reader index as that first byte.
 */
final class Ethernet {
    static final int DST = 0;
    static final int SRC = 6;
    static final int TYPE = 12;
    static final int HEADER = 14;
    static final int TYPE_IPV4 = 0x0800;
    static final int TYPE_ARP = 0x0806;

    // ARP for IPv4 over Ethernet, after the Ethernet header
    static final int ARP_HTYPE = HEADER;
    static final int ARP_PTYPE = HEADER + 2;
    static final int ARP_HLEN = HEADER + 4;
    static final int ARP_PLEN = HEADER + 5;
    static final int ARP_OPER = HEADER + 6;
    static final int ARP_SHA = HEADER + 8;
    static final int ARP_SPA = HEADER + 14;
    static final int ARP_THA = HEADER + 18;
    static final int ARP_TPA = HEADER + 24;
    static final int ARP_END = HEADER + 28;
    static final int ARP_REQUEST = 1;
    static final int ARP_REPLY = 2;

    // IPv4, after the Ethernet header
    static final int IP = HEADER;
    static final int IP_TOTAL_LENGTH = IP + 2;
    static final int IP_FLAGS_FRAGMENT = IP + 6;
    static final int IP_TTL = IP + 8;
    static final int IP_PROTOCOL = IP + 9;
    static final int IP_CHECKSUM = IP + 10;
    static final int IP_SRC = IP + 12;
    static final int IP_DST = IP + 16;
    static final int IP_MIN_HEADER = 20;
    static final int PROTO_ICMP = 1;
    static final int PROTO_UDP = 17;

    // relative to the IPv4 payload
    static final int ICMP_TYPE = 0;
    static final int ICMP_CHECKSUM = 2;
    static final int ICMP_HEADER = 8;
    static final int ICMP_ECHO_REPLY = 0;
    static final int ICMP_ECHO_REQUEST = 8;
    static final int UDP_SRC_PORT = 0;
    static final int UDP_DST_PORT = 2;
    static final int UDP_LENGTH = 4;
    static final int UDP_CHECKSUM = 6;
    static final int UDP_HEADER = 8;

    private Ethernet() {
    }

    static int type(ByteBuf f) {
        return f.getUnsignedShort(f.readerIndex() + TYPE);
    }

    static MacAddress mac(ByteBuf f, int offset) {
        byte[] b = new byte[MacAddress.LENGTH];
        f.getBytes(f.readerIndex() + offset, b);
        return MacAddress.fromBytes(b);
    }

    static void putMac(ByteBuf f, int offset, MacAddress mac) {
        long v = mac.toLong();
        int at = f.readerIndex() + offset;
        f.setShort(at, (int) (v >>> 32));
        f.setInt(at + 2, (int) v);
    }

    /** Copies 6 bytes inside the frame (from and to may not overlap). */
    static void copyMac(ByteBuf f, int from, int to) {
        int r = f.readerIndex();
        f.setShort(r + to, f.getShort(r + from));
        f.setInt(r + to + 2, f.getInt(r + from + 2));
    }

    /** Swaps two 4-byte fields (IPv4 addresses). */
    static void swapInts(ByteBuf f, int a, int b) {
        int r = f.readerIndex();
        int x = f.getInt(r + a);
        f.setInt(r + a, f.getInt(r + b));
        f.setInt(r + b, x);
    }

    /** Swaps two 2-byte fields (ports). */
    static void swapShorts(ByteBuf f, int a, int b) {
        int r = f.readerIndex();
        short x = f.getShort(r + a);
        f.setShort(r + a, f.getShort(r + b));
        f.setShort(r + b, x);
    }

    /**
     * The Internet checksum (RFC 1071) of {@code length} bytes from frame offset {@code offset}.
     *
     * @return the one's complement of the one's-complement sum, 16 bits
     */
    static int checksum(ByteBuf f, int offset, int length) {
        int at = f.readerIndex() + offset;
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += f.getUnsignedShort(at + i);
        }
        if (i < length) {
            sum += (f.getUnsignedByte(at + i) << 8);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    /**
     * @return the IPv4 header length in bytes if {@code f} holds a whole, unfragmented IPv4 packet to
     *         {@code address} with a valid header checksum; else -1
     */
    static int ipv4HeaderTo(ByteBuf f, int address) {
        int len = f.readableBytes();
        if (len < HEADER + IP_MIN_HEADER || type(f) != TYPE_IPV4) {
            return -1;
        }
        int r = f.readerIndex();
        int verIhl = f.getUnsignedByte(r + IP);
        int ihl = (verIhl & 0x0F) * 4;
        int total = f.getUnsignedShort(r + IP_TOTAL_LENGTH);
        if ((verIhl >>> 4) != 4 || ihl < IP_MIN_HEADER || total < ihl || HEADER + total > len) {
            return -1;
        }
        if ((f.getUnsignedShort(r + IP_FLAGS_FRAGMENT) & 0x3FFF) != 0) {
            return -1; // a fragment (MF set or an offset): not answered
        }
        if (f.getInt(r + IP_DST) != address || checksum(f, IP, ihl) != 0) {
            return -1;
        }
        return ihl;
    }

    /** @return the IPv4 total length of the packet in {@code f} */
    static int ipv4TotalLength(ByteBuf f) {
        return f.getUnsignedShort(f.readerIndex() + IP_TOTAL_LENGTH);
    }

    /**
     * @param text dotted quad
     * @return the address as an int, network order
     */
    static int parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("IPv4 address " + text + ": expected four dotted numbers");
        }
        int a = 0;
        for (String p : parts) {
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("IPv4 address " + text + ": " + p + " is not a number 0 to 255");
            }
            a = (a << 8) | v;
        }
        return a;
    }

    /** @return the address as a dotted quad */
    static String ipv4(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }
}

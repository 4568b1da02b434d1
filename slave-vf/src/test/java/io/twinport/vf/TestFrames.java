package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.policy.MacAddress;

/** Frames for the slave-vf tests beyond {@link io.twinport.testing.Frames}: IPv4/UDP frames of chosen flows. */
final class TestFrames {
    /** Where the flow number sits in a UDP frame (the UDP source port). */
    static final int UDP_SPORT = 14 + 20;
    /** Where the sequence number sits in a UDP frame (the first payload bytes). */
    static final int UDP_SEQ = 14 + 20 + 8;

    private TestFrames() {
    }

    /**
     * An IPv4/UDP frame between two loopback-range addresses (the frames never leave the veth pair, and the kernel
     * drops them as martians after the packet taps saw them), source port {@code 10000 + flow}.
     *
     * @param p      the packet
     * @param dst    destination MAC
     * @param src    source MAC
     * @param flow   the flow number (0 to 55535)
     * @param seq    the sequence number, in the payload
     * @param length the frame length, at least 60
     */
    static void udp(Packet p, MacAddress dst, MacAddress src, int flow, int seq, int length) {
        p.length(length);
        byte[] d = dst.toBytes();
        byte[] s = src.toBytes();
        p.write(0, d, 0, 6);
        p.write(6, s, 0, 6);
        put16(p, 12, 0x0800);
        int ip = 14;
        p.putByte(ip, (byte) 0x45);
        p.putByte(ip + 1, (byte) 0);
        put16(p, ip + 2, length - 14);
        put16(p, ip + 4, seq & 0xFFFF);
        put16(p, ip + 6, 0x4000); // don't fragment
        p.putByte(ip + 8, (byte) 64);
        p.putByte(ip + 9, (byte) 17);
        put16(p, ip + 10, 0);
        put32(p, ip + 12, 0x7F000001);
        put32(p, ip + 16, 0x7F000002);
        int udp = ip + 20;
        put16(p, udp, 10000 + flow);
        put16(p, udp + 2, 9);
        put16(p, udp + 4, length - 14 - 20);
        put16(p, udp + 6, 0);
        put32(p, UDP_SEQ, seq);
        for (int i = UDP_SEQ + 4; i < length; i++) {
            p.putByte(i, (byte) (seq + i));
        }
    }

    /**
     * @param p a frame written by {@link #udp}
     * @return its flow number
     */
    static int flow(Packet p) {
        return get16(p, UDP_SPORT) - 10000;
    }

    /**
     * @param p a frame written by {@link #udp}
     * @return its sequence number
     */
    static int seq(Packet p) {
        return (get16(p, UDP_SEQ) << 16) | get16(p, UDP_SEQ + 2);
    }

    private static void put16(Packet p, int off, int v) {
        p.putByte(off, (byte) (v >>> 8));
        p.putByte(off + 1, (byte) v);
    }

    private static void put32(Packet p, int off, int v) {
        put16(p, off, v >>> 16);
        put16(p, off + 2, v);
    }

    private static int get16(Packet p, int off) {
        return ((p.getByte(off) & 0xFF) << 8) | (p.getByte(off + 1) & 0xFF);
    }
}

package io.twinport.failover;

import io.twinport.policy.MacAddress;

/**
 * The frames that announce a MAC on a newly active path so that switches learn where it lives now: a RARP request
 * (what QEMU's self-announce sends after a migration; it needs no IP address) and, when the port's IPv4 address is
 * known, a gratuitous ARP request (RFC 5227, section 3: sender and target IP both the port's own). Both are built
 * once, as 60-byte frames (the Ethernet minimum without FCS), and copied into packets when due.
 */
final class Announcement {
    static final int FRAME_LENGTH = 60;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_RARP = 0x8035;
    private static final int ARP_REQUEST = 1;
    private static final int RARP_REQUEST = 3;

    private Announcement() {
    }

    /**
     * @param mac the MAC to announce
     * @return a RARP "request reverse" frame from {@code mac} to broadcast
     */
    static byte[] rarp(MacAddress mac) {
        return arpFrame(ETHERTYPE_RARP, RARP_REQUEST, mac, 0, mac, 0);
    }

    /**
     * @param mac  the MAC to announce
     * @param ipv4 the port's IPv4 address, big-endian in an int
     * @return a gratuitous ARP request frame
     */
    static byte[] gratuitousArp(MacAddress mac, int ipv4) {
        return arpFrame(ETHERTYPE_ARP, ARP_REQUEST, mac, ipv4, MacAddress.ZERO, ipv4);
    }

    private static byte[] arpFrame(int ethertype, int op, MacAddress sha, int spa, MacAddress tha, int tpa) {
        byte[] f = new byte[FRAME_LENGTH];
        MacAddress.BROADCAST.writeTo(f, 0);
        sha.writeTo(f, 6);
        putShort(f, 12, ethertype);
        putShort(f, 14, 1);       // hardware type: Ethernet
        putShort(f, 16, 0x0800);  // protocol type: IPv4
        f[18] = 6;                // hardware address length
        f[19] = 4;                // protocol address length
        putShort(f, 20, op);
        sha.writeTo(f, 22);
        putInt(f, 28, spa);
        tha.writeTo(f, 32);
        putInt(f, 38, tpa);
        return f;                 // bytes 42..59: zero padding
    }

    private static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static void putInt(byte[] b, int at, int v) {
        putShort(b, at, v >>> 16);
        putShort(b, at + 2, v);
    }
}

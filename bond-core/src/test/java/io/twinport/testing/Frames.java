package io.twinport.testing;

import io.twinport.mem.Packet;
import io.twinport.policy.MacAddress;

/** Test frames: Ethernet header, then a 32-bit sequence number, then a fill byte. */
public final class Frames {
    /** Offset of the sequence number. */
    public static final int SEQ_OFFSET = 14;

    private Frames() {
    }

    /**
     * Writes a frame into {@code p}.
     *
     * @param p      the packet
     * @param dst    destination MAC
     * @param src    source MAC
     * @param seq    sequence number
     * @param length frame length, at least 60
     */
    public static void fill(Packet p, MacAddress dst, MacAddress src, int seq, int length) {
        p.length(length);
        byte[] d = dst.toBytes();
        byte[] s = src.toBytes();
        p.write(0, d, 0, 6);
        p.write(6, s, 0, 6);
        p.putByte(12, (byte) 0x88);
        p.putByte(13, (byte) 0xB5); // local experimental ethertype
        p.putByte(SEQ_OFFSET, (byte) (seq >>> 24));
        p.putByte(SEQ_OFFSET + 1, (byte) (seq >>> 16));
        p.putByte(SEQ_OFFSET + 2, (byte) (seq >>> 8));
        p.putByte(SEQ_OFFSET + 3, (byte) seq);
        for (int i = SEQ_OFFSET + 4; i < length; i++) {
            p.putByte(i, (byte) (seq + i));
        }
    }

    /**
     * @param p a frame written by {@link #fill}
     * @return its sequence number
     */
    public static int seq(Packet p) {
        return ((p.getByte(SEQ_OFFSET) & 0xFF) << 24) | ((p.getByte(SEQ_OFFSET + 1) & 0xFF) << 16)
                | ((p.getByte(SEQ_OFFSET + 2) & 0xFF) << 8) | (p.getByte(SEQ_OFFSET + 3) & 0xFF);
    }

    /**
     * @param p a frame written by {@link #fill}
     * @return true if its fill bytes are intact
     */
    public static boolean intact(Packet p) {
        int seq = seq(p);
        for (int i = SEQ_OFFSET + 4; i < p.length(); i++) {
            if (p.getByte(i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param p a frame
     * @return its destination MAC
     */
    public static MacAddress dst(Packet p) {
        byte[] b = new byte[6];
        p.read(0, b, 0, 6);
        return MacAddress.fromBytes(b);
    }

    /**
     * @param p a frame
     * @return its source MAC
     */
    public static MacAddress src(Packet p) {
        byte[] b = new byte[6];
        p.read(6, b, 0, 6);
        return MacAddress.fromBytes(b);
    }
}

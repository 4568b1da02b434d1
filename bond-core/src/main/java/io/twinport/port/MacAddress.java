package io.twinport.port;

/**
 * A 48-bit Ethernet MAC address, held in the low 48 bits of a long.
 *
 * @param bits the address, most significant byte first in bits 47..40
 */
public record MacAddress(long bits) {
    /** Checks the range. */
    public MacAddress {
        if ((bits & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("MAC address 0x" + Long.toHexString(bits) + " has more than 48 bits");
        }
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes).
     *
     * @param text the text
     * @return the address
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static MacAddress parse(String text) {
        if (text == null || text.length() != 17) {
            throw malformed(text);
        }
        long v = 0;
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(text.charAt(i * 3), 16);
            int lo = Character.digit(text.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(i * 3 + 2) != ':' && text.charAt(i * 3 + 2) != '-')) {
                throw malformed(text);
            }
            v = (v << 8) | (hi << 4) | lo;
        }
        return new MacAddress(v);
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("malformed MAC address '" + text
                + "': expected six hex pairs separated by ':' such as 52:54:00:12:34:56");
    }

    /**
     * @param b six bytes, most significant first
     * @return the address
     */
    public static MacAddress of(byte[] b) {
        if (b.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + b.length);
        }
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return new MacAddress(v);
    }

    /** @return the six bytes, most significant first */
    public byte[] toBytes() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (bits >>> (40 - 8 * i));
        }
        return b;
    }

    /** @return true for a group (multicast or broadcast) address */
    public boolean isMulticast() {
        return (bits & (1L << 40)) != 0;
    }

    /** @return true for a locally administered address */
    public boolean isLocallyAdministered() {
        return (bits & (2L << 40)) != 0;
    }

    /** @return true for 00:00:00:00:00:00 */
    public boolean isZero() {
        return bits == 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                sb.append(':');
            }
            int octet = (int) (bits >>> (40 - 8 * i)) & 0xFF;
            sb.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
        }
        return sb.toString();
    }
}

package io.twinport.policy;

import java.util.Objects;

/**
 * A 48-bit IEEE 802 MAC address, held in the low 48 bits of a {@code long}.
 *
 * <p>Text form: six two-digit hexadecimal octets separated by {@code ':'}, e.g. {@code 52:54:00:12:34:56}.
 * {@link #parse(String)} accepts upper and lower case digits and nothing else (no {@code '-'}, no dots, no
 * single-digit octets, no surrounding spaces); {@link #toString()} always writes lower case. Values are immutable,
 * compare by value and order as unsigned 48-bit numbers.
 */
public final class MacAddress implements Comparable<MacAddress> {

    /** Octets in a MAC address. */
    public static final int LENGTH = 6;

    private static final long MASK = 0xFFFF_FFFF_FFFFL;
    private static final int TEXT_LENGTH = 3 * LENGTH - 1;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final String EXPECTED =
            "expected six two-digit hex octets separated by ':', e.g. 52:54:00:12:34:56";

    /** {@code 00:00:00:00:00:00}, which no station may use. */
    public static final MacAddress ZERO = new MacAddress(0);

    /** {@code ff:ff:ff:ff:ff:ff}. */
    public static final MacAddress BROADCAST = new MacAddress(MASK);

    private final long value;

    private MacAddress(long value) {
        this.value = value;
    }

    /**
     * A MAC address from its 48-bit value, first octet in bits 40 to 47.
     *
     * @param value the value; bits 48 to 63 must be zero
     * @return the address
     * @throws IllegalArgumentException if the value does not fit in 48 bits
     */
    public static MacAddress fromLong(long value) {
        if ((value & ~MASK) != 0) {
            throw new IllegalArgumentException(
                    "MAC address value 0x" + Long.toHexString(value) + " does not fit in 48 bits");
        }
        return new MacAddress(value);
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff}.
     *
     * @param text the text form
     * @return the address
     * @throws IllegalArgumentException naming the text if it is not exactly six two-digit hex octets separated by
     *         {@code ':'}
     * @throws NullPointerException if {@code text} is null
     */
    public static MacAddress parse(String text) {
        Objects.requireNonNull(text, "MAC address text");
        if (text.length() != TEXT_LENGTH) {
            throw malformed(text);
        }
        long value = 0;
        for (int octet = 0; octet < LENGTH; octet++) {
            int at = octet * 3;
            if (octet > 0 && text.charAt(at - 1) != ':') {
                throw malformed(text);
            }
            int high = hexDigit(text.charAt(at));
            int low = hexDigit(text.charAt(at + 1));
            if (high < 0 || low < 0) {
                throw malformed(text);
            }
            value = (value << 8) | (high << 4) | low;
        }
        return new MacAddress(value);
    }

    /**
     * A MAC address from exactly six bytes, first octet first (network order).
     *
     * @param bytes six bytes
     * @return the address
     * @throws IllegalArgumentException if {@code bytes} is not six bytes long
     */
    public static MacAddress fromBytes(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has " + LENGTH + " bytes, got " + bytes.length);
        }
        return fromBytes(bytes, 0);
    }

    /**
     * A MAC address from six bytes of an array, first octet first (network order).
     *
     * @param bytes the array
     * @param offset index of the first octet
     * @return the address
     * @throws IndexOutOfBoundsException if the six bytes do not lie within the array
     */
    public static MacAddress fromBytes(byte[] bytes, int offset) {
        Objects.checkFromIndexSize(offset, LENGTH, bytes.length);
        long value = 0;
        for (int i = 0; i < LENGTH; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return new MacAddress(value);
    }

    /**
     * The 48-bit value, first octet in bits 40 to 47.
     *
     * @return the value
     */
    public long toLong() {
        return value;
    }

    /**
     * One octet.
     *
     * @param index 0 (first, transmitted first) to 5
     * @return the octet, 0 to 255
     * @throws IndexOutOfBoundsException if {@code index} is outside 0 to 5
     */
    public int octet(int index) {
        Objects.checkIndex(index, LENGTH);
        return (int) (value >>> (8 * (LENGTH - 1 - index))) & 0xFF;
    }

    /**
     * The six octets, first octet first (network order).
     *
     * @return a new array
     */
    public byte[] toBytes() {
        byte[] bytes = new byte[LENGTH];
        writeTo(bytes, 0);
        return bytes;
    }

    /**
     * Writes the six octets into an array, first octet first.
     *
     * @param bytes the array
     * @param offset index of the first octet
     * @throws IndexOutOfBoundsException if the six bytes do not lie within the array
     */
    public void writeTo(byte[] bytes, int offset) {
        Objects.checkFromIndexSize(offset, LENGTH, bytes.length);
        for (int i = 0; i < LENGTH; i++) {
            bytes[offset + i] = (byte) octet(i);
        }
    }

    /**
     * Whether the I/G bit (bit 0 of the first octet) is set: a group (multicast or broadcast) address.
     *
     * @return true for a multicast or broadcast address
     */
    public boolean isMulticast() {
        return (octet(0) & 0x01) != 0;
    }

    /**
     * Whether this is {@code ff:ff:ff:ff:ff:ff}.
     *
     * @return true for the broadcast address
     */
    public boolean isBroadcast() {
        return value == MASK;
    }

    /**
     * Whether the U/L bit (bit 1 of the first octet) is set: an address assigned locally rather than by the
     * manufacturer (QEMU's {@code 52:54:00:...} addresses are locally administered).
     *
     * @return true for a locally administered address
     */
    public boolean isLocallyAdministered() {
        return (octet(0) & 0x02) != 0;
    }

    /**
     * Whether this is {@code 00:00:00:00:00:00}.
     *
     * @return true for the zero address
     */
    public boolean isZero() {
        return value == 0;
    }

    /**
     * Whether this address can be the address of one station: not multicast and not zero.
     *
     * @return true for a usable unicast station address
     */
    public boolean isStationAddress() {
        return !isMulticast() && !isZero();
    }

    @Override
    public int compareTo(MacAddress other) {
        return Long.compare(value, other.value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MacAddress mac && mac.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    /**
     * The text form, lower case.
     *
     * @return e.g. {@code 52:54:00:12:34:56}
     */
    @Override
    public String toString() {
        char[] text = new char[TEXT_LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            int octet = octet(i);
            int at = i * 3;
            if (i > 0) {
                text[at - 1] = ':';
            }
            text[at] = HEX[octet >>> 4];
            text[at + 1] = HEX[octet & 0xF];
        }
        return new String(text);
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException malformed(String text) {
        return new IllegalArgumentException("malformed MAC address \"" + text + "\": " + EXPECTED);
    }
}

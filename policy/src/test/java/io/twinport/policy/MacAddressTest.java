package io.twinport.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacAddressTest {

    @Test
    void parsesAndFormatsLowerCase() {
        MacAddress mac = MacAddress.parse("52:54:00:AB:cd:Ef");
        assertEquals(0x525400ABCDEFL, mac.toLong());
        assertEquals("52:54:00:ab:cd:ef", mac.toString());
        assertEquals(mac, MacAddress.parse(mac.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "52:54:00:12:34", "52:54:00:12:34:56:78", "52-54-00-12-34-56", "52:54:00:12:34:5", "5:54:00:12:34:567",
        "52:54:00:12:34:5g", " 52:54:00:12:34:56", "52:54:00:12:34:56 ", "525400123456", "52.54.00.12.34.56",
        "52:54:00:12:34:+6", "\uFF15\uFF12:54:00:12:34:56", "52:54:00:12:34::6",
    })
    void rejectsMalformedTextNamingIt(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(NullPointerException.class, () -> MacAddress.parse(null));
    }

    @Test
    void longFormKeeps48Bits() {
        assertEquals(MacAddress.BROADCAST, MacAddress.fromLong(0xFFFF_FFFF_FFFFL));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MacAddress.fromLong(0x1_0000_0000_0000L));
        assertTrue(e.getMessage().contains("0x1000000000000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.fromLong(-1));
    }

    @Test
    void bytesAreNetworkOrder() {
        MacAddress mac = MacAddress.parse("01:02:03:04:05:06");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, mac.toBytes());
        assertEquals(mac, MacAddress.fromBytes(new byte[] {1, 2, 3, 4, 5, 6}));
        byte[] frame = new byte[14];
        mac.writeTo(frame, 6);
        assertEquals(mac, MacAddress.fromBytes(frame, 6));
        assertEquals(0, frame[5]);
        assertEquals(1, mac.octet(0));
        assertEquals(6, mac.octet(5));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.fromBytes(new byte[5]));
        assertThrows(IndexOutOfBoundsException.class, () -> MacAddress.fromBytes(frame, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> mac.writeTo(frame, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> mac.octet(6));
    }

    @Test
    void addressBits() {
        MacAddress qemu = MacAddress.parse("52:54:00:12:34:56");
        assertTrue(qemu.isLocallyAdministered());
        assertFalse(qemu.isMulticast());
        assertTrue(qemu.isStationAddress());

        MacAddress intel = MacAddress.parse("00:1b:21:0a:0b:0c");
        assertFalse(intel.isLocallyAdministered());
        assertTrue(intel.isStationAddress());

        MacAddress ipv4Multicast = MacAddress.parse("01:00:5e:00:00:01");
        assertTrue(ipv4Multicast.isMulticast());
        assertFalse(ipv4Multicast.isBroadcast());
        assertFalse(ipv4Multicast.isStationAddress());

        assertTrue(MacAddress.BROADCAST.isBroadcast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        assertTrue(MacAddress.ZERO.isZero());
        assertFalse(MacAddress.ZERO.isStationAddress());
    }

    @Test
    void valueSemantics() {
        MacAddress a = MacAddress.parse("52:54:00:00:00:01");
        MacAddress b = MacAddress.fromLong(0x525400000001L);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, MacAddress.parse("52:54:00:00:00:02"));
        assertNotEquals(a, (Object) "52:54:00:00:00:01");
        assertTrue(a.compareTo(MacAddress.parse("52:54:00:00:00:02")) < 0);
        assertTrue(MacAddress.BROADCAST.compareTo(MacAddress.ZERO) > 0, "ordered as unsigned 48-bit values");
    }

    @Test
    void textAndBytesRoundTripForRandomValues() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            MacAddress mac = MacAddress.fromLong(random.nextLong() & 0xFFFF_FFFF_FFFFL);
            assertEquals(mac, MacAddress.parse(mac.toString()));
            assertEquals(mac, MacAddress.parse(mac.toString().toUpperCase(java.util.Locale.ROOT)));
            assertEquals(mac, MacAddress.fromBytes(mac.toBytes()));
        }
    }
}

package io.twinport.fwd;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared key checks that port kinds build their specs from. */
class SpecKeyTest {
    @Test
    void aSocketPathIsOneTo107Bytes() {
        SpecKey k = SpecKey.socketPath("path", "the socket");
        assertDoesNotThrow(() -> k.check("vu", "/tmp/vu.sock"));
        assertDoesNotThrow(() -> k.check("vu", "x".repeat(107)));
        PortSpecException e = assertThrows(PortSpecException.class, () -> k.check("vu", "x".repeat(108)));
        assertTrue(e.getMessage().contains("a socket path of 1 to 107 bytes"), e.getMessage());
        assertThrows(PortSpecException.class, () -> k.check("vu", "é".repeat(54)), "108 bytes in UTF-8");
        assertThrows(PortSpecException.class, () -> k.check("vu", ""));
    }

    @Test
    void aMacMustBeUnicastAndNotZero() {
        SpecKey k = SpecKey.unicastMac("mac", "the MAC");
        assertDoesNotThrow(() -> k.check("vu", "02:00:00:00:00:01"));
        for (String bad : new String[] {"01:00:5e:00:00:01", "00:00:00:00:00:00", "02:00:00:00:00", "zz"}) {
            PortSpecException e = assertThrows(PortSpecException.class, () -> k.check("vu", bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("a unicast MAC address"),
                    e.getMessage());
        }
    }
}

package io.twinport.vf;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option parsing and validation: one place, messages naming key and value. */
class AfPacketOptionsTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        AfPacketOptions d = AfPacketOptions.parse(Map.of());
        assertEquals(AfPacketOptions.DEFAULT, d);
        assertEquals(2048, d.frameSize());
        assertTrue(d.qdiscBypass());
        assertEquals(AfPacketOptions.Fanout.HASH, d.fanout());
        assertEquals(256, d.framesFor(256), "frame count 0 follows the ring size");
    }

    @Test
    void keysParse() {
        AfPacketOptions o = AfPacketOptions.parse(Map.of("framesz", "4096", "framecnt", "4096", "qdisc_bypass",
                "0", "blocksz", "131072", "fanout", "qm", "idle", "park", "blocktov", "2"));
        assertEquals(4096, o.frameSize());
        assertEquals(4096, o.framesFor(256));
        assertFalse(o.qdiscBypass());
        assertEquals(131072, o.blockSize());
        assertEquals(AfPacketOptions.Fanout.QM, o.fanout());
        assertEquals(AfPacketOptions.Idle.PARK, o.idle());
        assertEquals(2, o.blockTimeoutMs());
        assertEquals(4096 - 32, o.maxTxFrame());
        assertEquals(2, AfPacketOptions.parse(Map.of("queues", "2")).queues());
    }

    @Test
    void badValuesAreRefusedNamingKeyAndValue() {
        refused(Map.of("framesz", "1000"), "framesz=1000");
        refused(Map.of("framesz", "abc"), "framesz=abc");
        refused(Map.of("blocksz", "5000"), "blocksz=5000");
        refused(Map.of("framesz", "8192", "blocksz", "4096"), "blocksz=4096");
        refused(Map.of("qdisc_bypass", "2"), "qdisc_bypass=2");
        refused(Map.of("fanout", "rnd"), "fanout=rnd");
        refused(Map.of("framecnt", "-1"), "framecnt=-1");
        refused(Map.of("iface_typo", "x"), "iface_typo");
        refused(Map.of("queues", "17"), "queues=17");
        refused(Map.of("queues", "0"), "queues=0");
    }

    private static void refused(Map<String, String> opts, String mention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AfPacketOptions.parse(opts));
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }
}

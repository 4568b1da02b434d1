package io.twinport.policy;

import org.junit.jupiter.api.Test;

import static io.twinport.policy.VirtioNetFeatures.VIRTIO_NET_F_MAC;
import static io.twinport.policy.VirtioNetFeatures.VIRTIO_NET_F_STANDBY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtioNetFeaturesTest {

    @Test
    void bitNumbersMatchTheSpec() {
        assertEquals(5, VIRTIO_NET_F_MAC);
        assertEquals(62, VIRTIO_NET_F_STANDBY);
        assertEquals(0x4000_0000_0000_0000L, VirtioNetFeatures.bit(VIRTIO_NET_F_STANDBY));
        assertEquals(0x20L, VirtioNetFeatures.bit(VIRTIO_NET_F_MAC));
    }

    @Test
    void hasLooksAtOneBit() {
        long features = VirtioNetFeatures.bit(32) | VirtioNetFeatures.bit(VIRTIO_NET_F_STANDBY);
        assertTrue(VirtioNetFeatures.has(features, VIRTIO_NET_F_STANDBY));
        assertFalse(VirtioNetFeatures.has(features, VIRTIO_NET_F_MAC));
        assertTrue(VirtioNetFeatures.has(-1L, 63));
        assertThrows(IllegalArgumentException.class, () -> VirtioNetFeatures.bit(64));
        assertThrows(IllegalArgumentException.class, () -> VirtioNetFeatures.has(0, -1));
    }
}

package io.twinport.policy;

/**
 * The virtio-net feature bits that policy decides on, numbered as in the virtio specification
 * (virtio 1.2, section 5.1.3 "Feature bits"). A feature word is a 64-bit {@code long}; bit {@code n} is
 * {@code 1L << n}.
 *
 * <p>Only the bits that pairing needs are defined here, once, for every module to reuse; the virtio-net driver
 * keeps the rest of its feature bits next to its own code.
 */
public final class VirtioNetFeatures {

    /** virtio 1.2 section 5.1.3: "VIRTIO_NET_F_MAC (5) Device has given MAC address." */
    public static final int VIRTIO_NET_F_MAC = 5;

    /**
     * virtio 1.2 section 5.1.3: "VIRTIO_NET_F_STANDBY (62) Device may act as a standby for a primary device with
     * the same MAC address."
     */
    public static final int VIRTIO_NET_F_STANDBY = 62;

    private VirtioNetFeatures() {
    }

    /**
     * The mask of one feature bit.
     *
     * @param feature the bit number, 0 to 63
     * @return {@code 1L << feature}
     * @throws IllegalArgumentException if {@code feature} is outside 0 to 63
     */
    public static long bit(int feature) {
        if (feature < 0 || feature > 63) {
            throw new IllegalArgumentException("feature bit " + feature + " is outside 0..63");
        }
        return 1L << feature;
    }

    /**
     * Whether a feature word has one bit set.
     *
     * @param features the 64-bit feature word
     * @param feature the bit number, 0 to 63
     * @return true if the bit is set
     * @throws IllegalArgumentException if {@code feature} is outside 0 to 63
     */
    public static boolean has(long features, int feature) {
        return (features & bit(feature)) != 0;
    }
}

package io.twinport.policy.pairing;

import java.util.Objects;

/**
 * A port that pairing left out on purpose, and why. Ports that simply have nothing to pair with (a port without
 * STANDBY whose MAC no standby offers) are not listed.
 *
 * @param name the port's name
 * @param reason why it was left out
 */
public record IgnoredPort(String name, Reason reason) {

    /** Why a port was left out. */
    public enum Reason {
        /** Its name is in the exclusion list. */
        EXCLUDED_BY_NAME,
        /** Its MAC is in the exclusion list. */
        EXCLUDED_BY_MAC,
        /**
         * It negotiated STANDBY but offers no MAC (VIRTIO_NET_F_MAC not negotiated, or no MAC, or a zero or multicast
         * MAC): like Linux, such a port anchors nothing.
         */
        STANDBY_WITHOUT_MAC
    }

    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     */
    public IgnoredPort {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
    }
}

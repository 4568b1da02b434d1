package io.twinport.policy.pairing;

import io.twinport.policy.MacAddress;

import java.util.Objects;

/**
 * What matched a standby with its primary: a host-supplied pair id when the port has one, otherwise its MAC.
 * A port that carries a pair id is matched by pair id only (the pair id wins over the MAC).
 */
public sealed interface PairingKey {

    /**
     * The key of a port, or null if the port has neither a pair id nor a MAC.
     *
     * @param port the port
     * @return its pair id if present, else its MAC if present, else null
     */
    static PairingKey of(PairingCandidate port) {
        if (port.hasPairId()) {
            return new ByPairId(port.pairId());
        }
        return port.mac() == null ? null : new ByMac(port.mac());
    }

    /**
     * Matched by MAC address.
     *
     * @param mac the shared MAC
     */
    record ByMac(MacAddress mac) implements PairingKey {
        /**
         * Checks the component.
         *
         * @throws NullPointerException if {@code mac} is null
         */
        public ByMac {
            Objects.requireNonNull(mac, "mac");
        }

        @Override
        public String toString() {
            return "MAC " + mac;
        }
    }

    /**
     * Matched by a host-supplied pair id.
     *
     * @param pairId the shared pair id
     */
    record ByPairId(String pairId) implements PairingKey {
        /**
         * Checks the component.
         *
         * @throws NullPointerException if {@code pairId} is null
         */
        public ByPairId {
            Objects.requireNonNull(pairId, "pairId");
        }

        @Override
        public String toString() {
            return "pair id \"" + pairId + "\"";
        }
    }
}

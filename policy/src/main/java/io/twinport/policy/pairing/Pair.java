package io.twinport.policy.pairing;

import java.util.Objects;
import java.util.Optional;

/**
 * One failover port to form: its standby (the anchor) and, when exactly one candidate exists, its primary.
 * A pair without a primary is still a failover port: it runs on the standby until a primary appears.
 *
 * @param standby the port that negotiated STANDBY and offers a MAC
 * @param primary the one primary candidate with the same key, if exactly one exists
 * @param key what matched (and will match) the primary: the standby's pair id if it has one, else its MAC
 */
public record Pair(PairingCandidate standby, Optional<PairingCandidate> primary, PairingKey key) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if the standby does not anchor, or the key is not the standby's key
     */
    public Pair {
        Objects.requireNonNull(standby, "standby");
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(key, "key");
        if (!standby.anchors()) {
            throw new IllegalArgumentException("port " + standby.name() + " cannot anchor a pair");
        }
        if (!key.equals(PairingKey.of(standby))) {
            throw new IllegalArgumentException("key " + key + " is not the key of standby " + standby.name());
        }
    }

    /**
     * Whether this pair names a port, as standby or primary.
     *
     * @param portName a port name
     * @return true if the standby or the primary has this name
     */
    public boolean contains(String portName) {
        return standby.name().equals(portName) || primary.map(p -> p.name().equals(portName)).orElse(false);
    }

    @Override
    public String toString() {
        return "Pair[standby=" + standby.name() + ", primary=" + primary.map(PairingCandidate::name).orElse("none")
                + ", by " + key + "]";
    }
}

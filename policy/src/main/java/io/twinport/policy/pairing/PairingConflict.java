package io.twinport.policy.pairing;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A pairing that cannot be decided without picking one port over another, which policy never does silently.
 *
 * @param kind which ambiguity
 * @param key the key (MAC or pair id) the ports share
 * @param standby for {@link Kind#DUPLICATE_PRIMARY}, the standby with several candidates; empty otherwise
 * @param ports the names of the ports that collide (two or more, sorted): the standbys for
 *        {@link Kind#DUPLICATE_STANDBY}, the primary candidates for {@link Kind#DUPLICATE_PRIMARY}
 */
public record PairingConflict(Kind kind, PairingKey key, Optional<String> standby, List<String> ports) {

    /** The two ambiguities. */
    public enum Kind {
        /** Two or more standbys share one key: none of them anchors a pair. */
        DUPLICATE_STANDBY,
        /**
         * One standby has two or more primary candidates: the standby anchors a pair without a primary, and no
         * candidate is paired.
         */
        DUPLICATE_PRIMARY
    }

    /**
     * Checks the components and copies the list.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if fewer than two ports are named, or {@code standby} is present exactly
     *         when the kind is not {@link Kind#DUPLICATE_PRIMARY}
     */
    public PairingConflict {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(standby, "standby");
        ports = List.copyOf(ports);
        if (ports.size() < 2) {
            throw new IllegalArgumentException("a conflict names at least two ports, got " + ports);
        }
        if (standby.isPresent() != (kind == Kind.DUPLICATE_PRIMARY)) {
            throw new IllegalArgumentException(kind + " conflict with standby " + standby);
        }
    }

    /**
     * One line for people, naming every port involved.
     *
     * @return e.g. {@code standby net0 has 2 primary candidates with MAC 52:54:00:12:34:56: vf0, vf1; none is paired}
     */
    public String describe() {
        String names = String.join(", ", ports);
        return switch (kind) {
            case DUPLICATE_STANDBY -> ports.size() + " standbys share " + key + ": " + names + "; none anchors a pair";
            case DUPLICATE_PRIMARY -> "standby " + standby.orElseThrow() + " has " + ports.size()
                    + " primary candidates with " + key + ": " + names + "; none is paired";
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}

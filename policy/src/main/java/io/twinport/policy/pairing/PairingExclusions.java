package io.twinport.policy.pairing;

import io.twinport.policy.MacAddress;

import java.util.Optional;
import java.util.Set;

/**
 * Ports that pairing must leave alone, by name or by MAC. An excluded port neither anchors a pair nor becomes a
 * primary candidate nor takes part in a conflict.
 *
 * @param names port names never paired
 * @param macs MAC addresses never paired (excluding a standby's MAC excludes its primary candidates as well)
 */
public record PairingExclusions(Set<String> names, Set<MacAddress> macs) {

    /** Nothing excluded. */
    public static final PairingExclusions NONE = new PairingExclusions(Set.of(), Set.of());

    /**
     * Copies the sets.
     *
     * @throws NullPointerException if a set or an element is null
     */
    public PairingExclusions {
        names = Set.copyOf(names);
        macs = Set.copyOf(macs);
    }

    /**
     * Why a port is excluded, if it is. The name is checked first.
     *
     * @param port the port
     * @return {@link IgnoredPort.Reason#EXCLUDED_BY_NAME}, {@link IgnoredPort.Reason#EXCLUDED_BY_MAC}, or empty
     */
    public Optional<IgnoredPort.Reason> exclusionOf(PairingCandidate port) {
        if (names.contains(port.name())) {
            return Optional.of(IgnoredPort.Reason.EXCLUDED_BY_NAME);
        }
        if (port.mac() != null && macs.contains(port.mac())) {
            return Optional.of(IgnoredPort.Reason.EXCLUDED_BY_MAC);
        }
        return Optional.empty();
    }
}

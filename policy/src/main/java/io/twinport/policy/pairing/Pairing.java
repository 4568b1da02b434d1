package io.twinport.policy.pairing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pairing decision for a set of ports: which failover ports to form, which ambiguities to report and which
 * ports were left out on purpose.
 *
 * <p>The rules, applied by {@link #decide(Collection, PairingExclusions)}:
 * <ol>
 *   <li>Excluded ports (by name, then by MAC) are removed first and listed in {@link #ignored()}.</li>
 *   <li>A port that negotiated STANDBY (virtio-net feature bit 62) and offers a MAC (feature bit 5 negotiated and a
 *       station MAC present, see {@link PairingCandidate#offersMac()}) anchors a pair: it is the standby. STANDBY
 *       without a MAC anchors nothing (listed as {@link IgnoredPort.Reason#STANDBY_WITHOUT_MAC}), as in Linux.</li>
 *   <li>Every other port is keyed by its host-supplied pair id if it has one, else by its MAC
 *       ({@link PairingKey#of}); a port without STANDBY and with the standby's key is a primary candidate. The pair
 *       id wins over the MAC: a port carrying a pair id is matched by pair id only, whatever its MAC.</li>
 *   <li>Two or more standbys with one key: a {@link PairingConflict.Kind#DUPLICATE_STANDBY} conflict and no pair
 *       for any of them.</li>
 *   <li>Two or more primary candidates for one standby: a {@link PairingConflict.Kind#DUPLICATE_PRIMARY} conflict;
 *       the standby still anchors a pair, without a primary.</li>
 * </ol>
 * The decision has no memory: it describes the given port set, whatever was decided before. A caller that has
 * already attached a primary may keep it while a conflict is reported; the conflict is there for people to fix.
 * Every list is sorted by port name, so equal port sets give equal decisions.
 *
 * @param pairs the failover ports to form, sorted by standby name
 * @param conflicts the ambiguities, sorted by their first port name
 * @param ignored the ports left out on purpose, sorted by name
 */
public record Pairing(List<Pair> pairs, List<PairingConflict> conflicts, List<IgnoredPort> ignored) {

    /**
     * Copies the lists.
     *
     * @throws NullPointerException if a list or an element is null
     */
    public Pairing {
        pairs = List.copyOf(pairs);
        conflicts = List.copyOf(conflicts);
        ignored = List.copyOf(ignored);
    }

    /**
     * Decides the pairs of a set of ports, with nothing excluded.
     *
     * @param ports the ports known to the registry, names unique
     * @return the decision
     * @throws IllegalArgumentException if two ports have the same name
     */
    public static Pairing decide(Collection<PairingCandidate> ports) {
        return decide(ports, PairingExclusions.NONE);
    }

    /**
     * Decides the pairs of a set of ports (see the class description for the rules).
     *
     * @param ports the ports known to the registry, names unique
     * @param exclusions ports to leave alone
     * @return the decision
     * @throws IllegalArgumentException if two ports have the same name
     */
    public static Pairing decide(Collection<PairingCandidate> ports, PairingExclusions exclusions) {
        List<PairingCandidate> sorted = new ArrayList<>(ports);
        sorted.sort(Comparator.comparing(PairingCandidate::name));
        Set<String> names = new HashSet<>();
        List<IgnoredPort> ignored = new ArrayList<>();
        Map<PairingKey, List<PairingCandidate>> standbys = new LinkedHashMap<>();
        Map<PairingKey, List<PairingCandidate>> candidates = new LinkedHashMap<>();
        for (PairingCandidate port : sorted) {
            if (!names.add(port.name())) {
                throw new IllegalArgumentException("two ports are named " + port.name());
            }
            Optional<IgnoredPort.Reason> excluded = exclusions.exclusionOf(port);
            if (excluded.isPresent()) {
                ignored.add(new IgnoredPort(port.name(), excluded.get()));
            } else if (port.negotiatedStandby()) {
                if (port.offersMac()) {
                    standbys.computeIfAbsent(PairingKey.of(port), k -> new ArrayList<>()).add(port);
                } else {
                    ignored.add(new IgnoredPort(port.name(), IgnoredPort.Reason.STANDBY_WITHOUT_MAC));
                }
            } else {
                PairingKey key = PairingKey.of(port);
                if (key != null) {
                    candidates.computeIfAbsent(key, k -> new ArrayList<>()).add(port);
                }
            }
        }
        List<Pair> pairs = new ArrayList<>();
        List<PairingConflict> conflicts = new ArrayList<>();
        for (Map.Entry<PairingKey, List<PairingCandidate>> entry : standbys.entrySet()) {
            PairingKey key = entry.getKey();
            List<PairingCandidate> anchors = entry.getValue();
            if (anchors.size() > 1) {
                conflicts.add(new PairingConflict(PairingConflict.Kind.DUPLICATE_STANDBY, key, Optional.empty(),
                        anchors.stream().map(PairingCandidate::name).toList()));
                continue;
            }
            PairingCandidate standby = anchors.getFirst();
            List<PairingCandidate> primaries = candidates.getOrDefault(key, List.of());
            if (primaries.size() > 1) {
                conflicts.add(new PairingConflict(PairingConflict.Kind.DUPLICATE_PRIMARY, key,
                        Optional.of(standby.name()), primaries.stream().map(PairingCandidate::name).toList()));
                pairs.add(new Pair(standby, Optional.empty(), key));
            } else {
                pairs.add(new Pair(standby, primaries.stream().findFirst(), key));
            }
        }
        pairs.sort(Comparator.comparing(p -> p.standby().name()));
        conflicts.sort(Comparator.comparing(c -> c.ports().getFirst()));
        return new Pairing(pairs, conflicts, ignored);
    }

    /**
     * The pair that names a port, as standby or primary.
     *
     * @param portName a port name
     * @return the pair, or empty if the port is in no pair
     */
    public Optional<Pair> pairOf(String portName) {
        return pairs.stream().filter(p -> p.contains(portName)).findFirst();
    }

    /**
     * Whether any conflict was found.
     *
     * @return true if {@link #conflicts()} is not empty
     */
    public boolean hasConflicts() {
        return !conflicts.isEmpty();
    }
}

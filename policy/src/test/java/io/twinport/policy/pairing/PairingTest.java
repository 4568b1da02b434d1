package io.twinport.policy.pairing;

import io.twinport.policy.MacAddress;
import io.twinport.policy.VirtioNetFeatures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static io.twinport.policy.VirtioNetFeatures.VIRTIO_NET_F_MAC;
import static io.twinport.policy.VirtioNetFeatures.VIRTIO_NET_F_STANDBY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairingTest {

    static final long VERSION_1 = VirtioNetFeatures.bit(32);
    static final long STATUS = VirtioNetFeatures.bit(16);
    /** What a virtio-net device with failover=on negotiates in practice. */
    static final long VIRTIO_STANDBY = VERSION_1 | STATUS | VirtioNetFeatures.bit(VIRTIO_NET_F_MAC)
            | VirtioNetFeatures.bit(VIRTIO_NET_F_STANDBY);
    static final long VIRTIO_PLAIN = VERSION_1 | STATUS | VirtioNetFeatures.bit(VIRTIO_NET_F_MAC);
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    static final MacAddress OTHER_MAC = MacAddress.parse("52:54:00:12:34:57");

    static PairingCandidate standby(String name, MacAddress mac) {
        return new PairingCandidate(name, "virtio-user", mac, VIRTIO_STANDBY, null, null);
    }

    static PairingCandidate vf(String name, MacAddress mac) {
        return new PairingCandidate(name, "afpacket", mac, 0, "0000:00:05.1", null);
    }

    static PairingCandidate withPairId(PairingCandidate port, String pairId) {
        return new PairingCandidate(port.name(), port.driver(), port.mac(), port.features(), port.busAddress(),
                pairId);
    }

    @Test
    void standbyAndVfWithTheSameMacPair() {
        Pairing pairing = Pairing.decide(List.of(vf("eth1", MAC), standby("vu0", MAC)));
        assertEquals(1, pairing.pairs().size());
        Pair pair = pairing.pairs().getFirst();
        assertEquals("vu0", pair.standby().name());
        assertEquals("eth1", pair.primary().orElseThrow().name());
        assertEquals(new PairingKey.ByMac(MAC), pair.key());
        assertFalse(pairing.hasConflicts());
        assertTrue(pairing.ignored().isEmpty());
        assertEquals(Optional.of(pair), pairing.pairOf("eth1"));
        assertEquals(Optional.of(pair), pairing.pairOf("vu0"));
        assertEquals(Optional.empty(), pairing.pairOf("eth2"));
    }

    @Test
    void standbyAloneAnchorsAPairWithoutPrimary() {
        Pairing pairing = Pairing.decide(List.of(standby("vu0", MAC), vf("eth1", OTHER_MAC)));
        assertEquals(1, pairing.pairs().size());
        assertEquals(Optional.empty(), pairing.pairs().getFirst().primary());
        assertEquals(Optional.empty(), pairing.pairOf("eth1"), "a different MAC is not a candidate");
    }

    @Test
    void standbyWithoutTheMacFeatureAnchorsNothingAsInLinux() {
        PairingCandidate noMacFeature = new PairingCandidate("vu0", "virtio-user", MAC,
                VERSION_1 | VirtioNetFeatures.bit(VIRTIO_NET_F_STANDBY), null, null);
        Pairing pairing = Pairing.decide(List.of(noMacFeature, vf("eth1", MAC)));
        assertTrue(pairing.pairs().isEmpty());
        assertEquals(List.of(new IgnoredPort("vu0", IgnoredPort.Reason.STANDBY_WITHOUT_MAC)), pairing.ignored());
    }

    @Test
    void standbyWithoutAUsableMacValueAnchorsNothing() {
        for (MacAddress mac : new MacAddress[] {null, MacAddress.ZERO, MacAddress.parse("01:00:5e:00:00:01")}) {
            Pairing pairing = Pairing.decide(List.of(standby("vu0", mac), vf("eth1", mac)));
            assertTrue(pairing.pairs().isEmpty(), "MAC " + mac);
            assertEquals(List.of(new IgnoredPort("vu0", IgnoredPort.Reason.STANDBY_WITHOUT_MAC)),
                    pairing.ignored(), "MAC " + mac);
        }
    }

    @Test
    void aPortWithoutStandbyNeverAnchorsEvenWithTheMacFeature() {
        PairingCandidate plainVirtio = new PairingCandidate("vu1", "virtio-user", MAC, VIRTIO_PLAIN, null, null);
        assertTrue(Pairing.decide(List.of(plainVirtio, vf("eth1", MAC))).pairs().isEmpty());
        // ...but it is a primary candidate like any port without STANDBY
        Pairing pairing = Pairing.decide(List.of(plainVirtio, standby("vu0", MAC)));
        assertEquals("vu1", pairing.pairOf("vu0").orElseThrow().primary().orElseThrow().name());
    }

    @Test
    void pairIdWinsOverMac() {
        PairingCandidate standby = withPairId(standby("vu0", MAC), "slot-7");
        PairingCandidate sameIdOtherMac = withPairId(vf("eth1", OTHER_MAC), "slot-7");
        PairingCandidate sameMacNoId = vf("eth2", MAC);
        Pairing pairing = Pairing.decide(List.of(standby, sameIdOtherMac, sameMacNoId));
        Pair pair = pairing.pairs().getFirst();
        assertEquals("eth1", pair.primary().orElseThrow().name());
        assertEquals(new PairingKey.ByPairId("slot-7"), pair.key());
        assertFalse(pairing.hasConflicts(), "eth2 is no candidate of a standby keyed by pair id");
    }

    @Test
    void aPortWithAPairIdIsMatchedByPairIdOnly() {
        PairingCandidate vfWithId = withPairId(vf("eth1", MAC), "slot-7");
        Pairing pairing = Pairing.decide(List.of(standby("vu0", MAC), vfWithId));
        assertEquals(Optional.empty(), pairing.pairs().getFirst().primary());
        Pairing otherId = Pairing.decide(List.of(withPairId(standby("vu0", MAC), "slot-1"), vfWithId));
        assertEquals(Optional.empty(), otherId.pairs().getFirst().primary());
    }

    @Test
    void twoStandbysWithOneMacAreAConflictAndAnchorNothing() {
        Pairing pairing = Pairing.decide(List.of(standby("vu1", MAC), vf("eth1", MAC), standby("vu0", MAC)));
        assertTrue(pairing.pairs().isEmpty());
        PairingConflict conflict = pairing.conflicts().getFirst();
        assertEquals(PairingConflict.Kind.DUPLICATE_STANDBY, conflict.kind());
        assertEquals(List.of("vu0", "vu1"), conflict.ports());
        assertEquals(Optional.empty(), conflict.standby());
        assertTrue(conflict.describe().contains("vu0") && conflict.describe().contains("vu1"), conflict.describe());
        assertTrue(conflict.describe().contains(MAC.toString()), conflict.describe());
    }

    @Test
    void twoStandbysWithOnePairIdAreAConflict() {
        Pairing pairing = Pairing.decide(List.of(withPairId(standby("vu0", MAC), "p"),
                withPairId(standby("vu1", OTHER_MAC), "p")));
        assertEquals(PairingConflict.Kind.DUPLICATE_STANDBY, pairing.conflicts().getFirst().kind());
        assertEquals(new PairingKey.ByPairId("p"), pairing.conflicts().getFirst().key());
        assertTrue(pairing.pairs().isEmpty());
    }

    @Test
    void twoPrimaryCandidatesAreAConflictAndNeitherIsPaired() {
        Pairing pairing = Pairing.decide(List.of(vf("eth2", MAC), standby("vu0", MAC), vf("eth1", MAC)));
        PairingConflict conflict = pairing.conflicts().getFirst();
        assertEquals(PairingConflict.Kind.DUPLICATE_PRIMARY, conflict.kind());
        assertEquals(List.of("eth1", "eth2"), conflict.ports());
        assertEquals(Optional.of("vu0"), conflict.standby());
        String text = conflict.describe();
        assertTrue(text.contains("vu0") && text.contains("eth1") && text.contains("eth2"), text);
        // the standby still forms its failover port, running on the standby alone
        assertEquals(1, pairing.pairs().size());
        assertEquals(Optional.empty(), pairing.pairs().getFirst().primary());
    }

    @Test
    void exclusionByNameAndByMac() {
        List<PairingCandidate> ports = List.of(standby("vu0", MAC), vf("eth1", MAC), vf("eth2", MAC));
        // excluding one of two candidates resolves the conflict
        Pairing byName = Pairing.decide(ports, new PairingExclusions(Set.of("eth2"), Set.of()));
        assertFalse(byName.hasConflicts());
        assertEquals("eth1", byName.pairs().getFirst().primary().orElseThrow().name());
        assertEquals(List.of(new IgnoredPort("eth2", IgnoredPort.Reason.EXCLUDED_BY_NAME)), byName.ignored());

        Pairing standbyExcluded = Pairing.decide(ports, new PairingExclusions(Set.of("vu0"), Set.of()));
        assertTrue(standbyExcluded.pairs().isEmpty());
        assertFalse(standbyExcluded.hasConflicts(), "no standby, so the two VFs are just ports");

        Pairing byMac = Pairing.decide(ports, new PairingExclusions(Set.of(), Set.of(MAC)));
        assertTrue(byMac.pairs().isEmpty());
        assertFalse(byMac.hasConflicts());
        assertEquals(3, byMac.ignored().size());
        assertTrue(byMac.ignored().stream().allMatch(i -> i.reason() == IgnoredPort.Reason.EXCLUDED_BY_MAC));

        Pairing both = Pairing.decide(ports, new PairingExclusions(Set.of("eth1"), Set.of(MAC)));
        assertEquals(new IgnoredPort("eth1", IgnoredPort.Reason.EXCLUDED_BY_NAME), both.ignored().getFirst(),
                "the name is checked first");
    }

    @Test
    void independentPairsAreSortedByStandbyName() {
        Pairing pairing = Pairing.decide(List.of(standby("vu1", OTHER_MAC), vf("eth0", MAC), standby("vu0", MAC),
                vf("eth1", OTHER_MAC), vf("lo", null)));
        assertEquals(List.of("vu0", "vu1"), pairing.pairs().stream().map(p -> p.standby().name()).toList());
        assertEquals(List.of("eth0", "eth1"),
                pairing.pairs().stream().map(p -> p.primary().orElseThrow().name()).toList());
    }

    @Test
    void duplicateNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pairing.decide(List.of(vf("eth1", MAC), standby("eth1", OTHER_MAC))));
        assertTrue(e.getMessage().contains("eth1"), e.getMessage());
    }

    @Test
    void candidateValidation() {
        assertThrows(IllegalArgumentException.class, () -> vf(" ", MAC));
        assertThrows(NullPointerException.class, () -> vf(null, MAC));
        assertThrows(IllegalArgumentException.class, () -> withPairId(vf("eth1", MAC), " "));
        assertThrows(IllegalArgumentException.class, () -> new Pair(vf("eth1", MAC), Optional.empty(),
                new PairingKey.ByMac(MAC)), "only an anchor can be the standby of a pair");
        assertThrows(IllegalArgumentException.class, () -> new PairingConflict(
                PairingConflict.Kind.DUPLICATE_STANDBY, new PairingKey.ByMac(MAC), Optional.empty(), List.of("a")));
    }

    /**
     * Invariants over random port sets (fixed seeds): every port is in at most one pair, a pair's primary shares
     * the standby's key and did not negotiate STANDBY, every anchor is paired or in a conflict, every port without
     * STANDBY with a standby's key is paired, or in a conflict, or has standbys that collide, and the decision
     * ignores input order.
     */
    @Test
    void randomPortSetsKeepTheInvariants() {
        int conflicts = 0;
        int pairsWithPrimary = 0;
        int pairIdPairs = 0;
        for (long seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            List<PairingCandidate> ports = randomPorts(random);
            Pairing pairing;
            try {
                pairing = Pairing.decide(ports);
                List<PairingCandidate> shuffled = new ArrayList<>(ports);
                Collections.shuffle(shuffled, random);
                assertEquals(pairing, Pairing.decide(shuffled), "order must not matter");
                Set<String> seen = new java.util.HashSet<>();
                for (Pair pair : pairing.pairs()) {
                    assertTrue(seen.add(pair.standby().name()));
                    if (pair.primary().isPresent()) {
                        PairingCandidate primary = pair.primary().get();
                        assertTrue(seen.add(primary.name()), "in two pairs: " + primary.name());
                        assertFalse(primary.negotiatedStandby());
                        assertEquals(pair.key(), PairingKey.of(primary));
                        pairsWithPrimary++;
                    }
                    if (pair.key() instanceof PairingKey.ByPairId) {
                        pairIdPairs++;
                    }
                }
                for (PairingCandidate port : ports) {
                    boolean inConflict = pairing.conflicts().stream().anyMatch(c -> c.ports().contains(port.name()));
                    if (port.anchors()) {
                        assertTrue(pairing.pairOf(port.name()).isPresent() || inConflict, port.name());
                    } else if (!port.negotiatedStandby() && ports.stream().anyMatch(s -> s.anchors()
                            && PairingKey.of(s).equals(PairingKey.of(port)))) {
                        boolean standbysCollide = pairing.conflicts().stream().anyMatch(c ->
                                c.kind() == PairingConflict.Kind.DUPLICATE_STANDBY
                                        && c.key().equals(PairingKey.of(port)));
                        assertTrue(pairing.pairOf(port.name()).isPresent() || inConflict || standbysCollide,
                                port.name());
                    }
                }
                conflicts += pairing.conflicts().size();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", ports " + ports + ": " + e.getMessage(), e);
            }
        }
        assertTrue(conflicts > 0 && pairsWithPrimary > 0 && pairIdPairs > 0,
                "generator must produce conflicts, pairs and pair-id pairs: " + conflicts + ", " + pairsWithPrimary
                        + ", " + pairIdPairs);
    }

    private static List<PairingCandidate> randomPorts(Random random) {
        MacAddress[] macs = {MAC, OTHER_MAC, MacAddress.parse("52:54:00:00:00:03"), null};
        String[] pairIds = {null, null, null, "a", "b"};
        int count = 1 + random.nextInt(7);
        List<PairingCandidate> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long features = switch (random.nextInt(4)) {
                case 0 -> VIRTIO_STANDBY;
                case 1 -> VIRTIO_PLAIN;
                case 2 -> VERSION_1 | VirtioNetFeatures.bit(VIRTIO_NET_F_STANDBY);
                default -> 0;
            };
            ports.add(new PairingCandidate("p" + i, "any", macs[random.nextInt(macs.length)], features, null,
                    pairIds[random.nextInt(pairIds.length)]));
        }
        return ports;
    }
}

package io.twinport.failover;

import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.PortState;
import io.twinport.port.VirtioNetFeature;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forming by itself: every arrival order, replacement, restart, conflicts, ownership. */
class FailoverManagerTest {

    private static void assertFormed(Rig rig, WirePair standby, WirePair primary) {
        FailoverPort fp = rig.onlyFailoverPort();
        assertSame(standby.a(), fp.standby().orElseThrow());
        assertSame(primary == null ? null : primary.a(), fp.primary().orElse(null));
        assertEquals(Rig.MAC, fp.mac(), "the failover port has the standby's MAC");
        assertEquals(FailoverPort.DRIVER, fp.info().driver());
        assertFalse(fp.info().has(VirtioNetFeature.STANDBY), "a failover port never anchors another pair");
        assertEquals(fp, rig.registry.find(fp.name()).orElseThrow(), "the failover port is in the registry");
        assertEquals(fp.name(), standby.a().owner().orElseThrow());
        if (primary != null) {
            assertEquals(fp.name(), primary.a().owner().orElseThrow());
        }
    }

    @Test
    void standbyFirstThenPrimary() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            WirePair s = rig.standby("s");
            rig.settle();
            assertFormed(rig, s, null);
            WirePair p = rig.primary("p");
            rig.settle();
            assertFormed(rig, s, p);
            assertEquals(List.of("FAILOVER_NEGOTIATED", "PRIMARY_ATTACHED"), rig.eventNames().subList(0, 2));
        }
    }

    @Test
    void primaryFirstThenStandby() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            WirePair p = rig.primary("p");
            rig.settle();
            assertTrue(rig.manager.failoverPorts().isEmpty(), "a primary alone forms nothing");
            assertTrue(p.a().owner().isEmpty(), "and claims nothing");
            WirePair s = rig.standby("s");
            rig.settle();
            assertFormed(rig, s, p);
        }
    }

    @Test
    void portsThatExistBeforeTheManagerStartsArePairedToo() {
        try (Rig rig = new Rig()) {
            WirePair p = rig.primary("p");
            WirePair s = rig.standby("s");
            rig.settle();
            rig.manager.start();
            rig.settle();
            assertFormed(rig, s, p);
        }
    }

    @Test
    void aReplacedPrimaryJoinsInPlaceOfTheOldOne() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            rig.settle();
            WirePort oldPrimary = p.a();
            rig.unplug(p);
            rig.settle();
            FailoverPort fp = rig.onlyFailoverPort();
            assertTrue(fp.primary().isEmpty());
            assertEquals(PortState.CLOSED, oldPrimary.state(), "a removed member is closed once quiescent");
            WirePort newPrimary = rig.replug(p);
            rig.settle();
            assertSame(newPrimary, fp.primary().orElseThrow());
            assertNotSame(oldPrimary, newPrimary);
            assertEquals(1, rig.manager.failoverPorts().size(), "the same failover port, not a new one");
            assertTrue(rig.eventNames().contains("PRIMARY_UNPLUGGED"));
            assertEquals(2, rig.events(FailoverEventType.PRIMARY_ATTACHED).size());
        }
    }

    @Test
    void aRestartedStandbyRejoinsTheSameFailoverPort() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            rig.settle();
            FailoverPort fp = rig.onlyFailoverPort();
            rig.unplug(s);
            rig.settle();
            assertTrue(fp.standby().isEmpty());
            assertSame(p.a(), fp.primary().orElseThrow(), "the primary carries on alone");
            WirePort back = rig.replug(s);
            rig.settle();
            assertSame(fp, rig.onlyFailoverPort());
            assertSame(back, fp.standby().orElseThrow());
            assertEquals(2, rig.events(FailoverEventType.FAILOVER_NEGOTIATED).size(), "formed, then negotiated again");
            assertEquals(1, rig.events(FailoverEventType.PRIMARY_ATTACHED).size());
        }
    }

    @Test
    void standbyWithoutMacFeatureAnchorsNothing() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            rig.member("s", Rig.MAC, VirtioNetFeature.STANDBY.mask());
            rig.primary("p");
            rig.settle();
            assertTrue(rig.manager.failoverPorts().isEmpty());
        }
    }

    @Test
    void twoPrimaryCandidatesAreAConflictNamingBoth() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            rig.standby("s");
            rig.primary("p1");
            rig.primary("p2");
            rig.settle();
            List<FailoverEvent> conflicts = rig.events(FailoverEventType.CONFLICT);
            assertEquals(1, conflicts.size(), rig.events.toString());
            String ports = (String) conflicts.getFirst().data().get("ports");
            assertTrue(ports.contains("p1a") && ports.contains("p2a"), ports);
            FailoverPort fp = rig.onlyFailoverPort();
            assertTrue(fp.primary().isEmpty(), "never a silent pick");
        }
    }

    @Test
    void aPortOwnedBySomeoneElseIsLeftAlone() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            var claim = s.a().claim("someone");
            rig.manager.start();
            rig.primary("p");
            rig.settle();
            assertTrue(rig.manager.failoverPorts().isEmpty());
            claim.release();
        }
    }

    @Test
    void membersRefuseEveryoneButTheFailoverPort() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            WirePair s = rig.standby("s");
            rig.settle();
            Port member = s.a();
            var e = assertThrows(io.twinport.port.PortException.class, () -> member.configure(PortConfig.DEFAULT));
            assertTrue(e.getMessage().contains("failover0"), e.getMessage());
        }
    }

    @Test
    void aClosedFailoverPortLeavesTheRegistryAndIsNotFormedAgain() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            WirePair s = rig.standby("s");
            rig.settle();
            FailoverPort fp = rig.onlyFailoverPort();
            fp.close();
            rig.settle();
            assertTrue(rig.registry.find(fp.name()).isEmpty());
            assertTrue(rig.manager.failoverPorts().isEmpty());
            assertTrue(s.a().owner().isEmpty(), "members are given back");
            rig.primary("p");
            rig.settle();
            assertTrue(rig.manager.failoverPorts().isEmpty());
        }
    }

    @Test
    void aRemovedListenerHearsNothingMore() throws Exception {
        try (Rig rig = new Rig()) {
            List<FailoverEvent> heard = new java.util.ArrayList<>();
            AutoCloseable handle = rig.manager.addListener(heard::add);
            rig.manager.start();
            rig.standby("s");
            rig.settle();
            assertEquals(1, heard.size());
            handle.close();
            rig.primary("p");
            rig.settle();
            assertEquals(1, heard.size(), "PRIMARY_ATTACHED went to the removed listener: " + heard);
            assertEquals(2, rig.events.size(), "the other listener still hears everything");
        }
    }

    @Test
    void gracefulUnplugOfAnUnknownMemberNamesTheMembers() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            rig.standby("s");
            rig.settle();
            var e = assertThrows(IllegalArgumentException.class, () -> rig.manager.prepareUnplug("nope"));
            assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("sa"), e.getMessage());
        }
    }

    @Test
    void aPrimaryWhoseConfigReplayFailsIsRolledBackAndNotRetried() {
        try (Rig rig = new Rig()) {
            rig.manager.start();
            rig.standby("s");
            rig.settle();
            FailoverPort fp = rig.onlyFailoverPort();
            fp.configure(PortConfig.DEFAULT.withQueues(4, 4));
            fp.start();
            // a primary with only 2 queues cannot take the 4-queue configuration
            WirePair small = WirePair.create("q", 2, Rig.MAC, MacAddress.parse("02:00:00:00:ee:77"),
                    Rig.PRIMARY_FEATURES, null);
            rig.registry.add(small.a());
            rig.settle();
            assertTrue(fp.primary().isEmpty());
            assertTrue(small.a().owner().isEmpty(), "released after the failed replay");
            assertEquals(1, rig.events(FailoverEventType.ATTACH_FAILED).size());
            assertSame(fp.standby().orElseThrow(), fp.active().orElseThrow(), "the standby stays active");
            rig.registry.add(io.twinport.testing.FakePort.class.cast(new io.twinport.testing.FakePort("x",
                    MacAddress.parse("02:00:00:00:00:01"), 0)));
            rig.settle();
            assertEquals(1, rig.events(FailoverEventType.ATTACH_FAILED).size(), "not retried on every event");
            small.close();
            rig.registry.find("x").orElseThrow().close();
        }
    }
}

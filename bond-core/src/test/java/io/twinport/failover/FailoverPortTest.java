package io.twinport.failover;

import io.twinport.mem.Packet;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.selection.FailBack;
import io.twinport.policy.selection.SelectionOptions;
import io.twinport.port.DeviceIdentity;
import io.twinport.port.PortConfig;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.PortStats;
import io.twinport.testing.FakePort;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The failover port's data path and switchover, on wire-pair and fake members with a fake clock. */
class FailoverPortTest {

    private static FailoverPort formStarted(Rig rig, int queues) {
        rig.manager.start();
        rig.settle();
        FailoverPort fp = rig.onlyFailoverPort();
        fp.configure(PortConfig.DEFAULT.withQueues(queues, queues).withRingSize(1024));
        fp.start();
        rig.settle();
        return fp;
    }

    @Test
    void txGoesToThePrimaryAndRxComesFromBothWithTheFailoverPortsId() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            assertSame(p.a(), fp.active().orElseThrow());
            assertTrue(fp.linkUp());
            assertEquals(10, rig.send(fp, 0, 0, 10));
            assertEquals(10, rig.drain(p).size());
            assertTrue(rig.drain(s).stream().allMatch(seq -> seq < 0), "nothing on the standby");
            assertEquals(3, rig.inject(p, 0, 100, 3));
            assertEquals(4, rig.inject(s, 0, 200, 4));
            List<Packet> got = rig.receive(fp, 0);
            assertEquals(7, got.size(), "RX polls both members");
            for (Packet pk : got) {
                assertEquals(fp.id(), pk.port(), "packets carry the failover port's id");
                pk.free();
            }
            PortStats st = fp.stats();
            assertEquals(7, st.rxPackets());
            assertEquals(10, st.txPackets());
        }
    }

    @Test
    void aSurpriseRemovalSwitchesTxAtOnceAndReleasesOnlyAfterEveryQueueAcknowledged() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 2);
            for (int q = 0; q < 2; q++) { // every queue has acknowledged the current routing
                rig.send(fp, q, 0, 1);
                rig.receive(fp, q);
            }
            rig.drain(p);
            WirePort oldPrimary = p.a();
            rig.unplug(p);
            rig.settle();
            assertSame(s.a(), fp.active().orElseThrow(), "TX moved at once");
            assertTrue(fp.switching());
            assertEquals(PortState.REMOVED, oldPrimary.state(), "not released while queues may still use it");
            assertEquals(5, rig.send(fp, 0, 10, 5));
            rig.receive(fp, 0);
            rig.settle();
            assertEquals(PortState.REMOVED, oldPrimary.state(), "queue 1 has not acknowledged yet");
            assertEquals(5, rig.drain(s).size(), "queue 0's next burst went to the standby");
            rig.send(fp, 1, 20, 1);
            rig.settle();
            assertEquals(PortState.REMOVED, oldPrimary.state(), "RX queue 1 has not acknowledged yet");
            rig.receive(fp, 1);
            rig.settle();
            assertEquals(PortState.CLOSED, oldPrimary.state(), "released once every queue acknowledged");
            assertFalse(fp.switching());
            FailoverEvent switched = rig.events(FailoverEventType.SWITCHED).getLast();
            assertEquals("pa", switched.data().get("from"));
            assertEquals("sa", switched.data().get("to"));
            assertEquals("primary-absent", switched.data().get("reason"));
            assertTrue(rig.drain(s).size() >= 1);
        }
    }

    @Test
    void aStoppedFailoverPortReleasesAtOnce() {
        try (Rig rig = new Rig()) {
            rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 4);
            fp.stop();
            WirePort oldPrimary = p.a();
            rig.unplug(p);
            rig.settle();
            assertEquals(PortState.CLOSED, oldPrimary.state(), "nothing polls a stopped port");
        }
    }

    @Test
    void aGracefulUnplugLosesNoPacketAndDrainsRxBeforeReleasing() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            Set<Integer> arrived = new HashSet<>();
            int seq = 0;
            for (int i = 0; i < 10; i++) {
                seq += rig.send(fp, 0, seq, 16);
            }
            assertEquals(8, rig.inject(p, 0, 1000, 8), "frames on their way to the VF");
            CompletableFuture<Void> done = rig.manager.prepareUnplug("pa");
            List<Packet> received = new ArrayList<>();
            for (int round = 0; round < 20 && !done.isDone(); round++) {
                seq += rig.send(fp, 0, seq, 16);
                received.addAll(rig.receive(fp, 0));
                arrived.addAll(rig.drain(p));
                arrived.addAll(rig.drain(s));
                rig.advanceMillis(2);
                rig.settle();
            }
            assertTrue(done.isDone(), "the host may unplug once the member is released");
            assertTrue(p.a().owner().isEmpty(), "released");
            assertEquals(PortState.CONFIGURED, p.a().state(), "stopped, not closed: the host unplugs it");
            seq += rig.send(fp, 0, seq, 16);
            arrived.addAll(rig.drain(s));
            arrived.addAll(rig.drain(p));
            assertEquals(seq, arrived.size(), "every packet the failover port took reached the network");
            assertEquals(8, received.size(), "the frames already on the VF's wire were still received");
            received.forEach(Packet::free);
            assertEquals("graceful", rig.events(FailoverEventType.PRIMARY_UNPLUGGED).getFirst().data().get("reason"));
            rig.manager.onPortEvent(io.twinport.port.PortEvent.removed(p.a(), io.twinport.port.RemovalReason.GRACEFUL));
        }
    }

    @Test
    void aGracefulUnplugWaitsForAnRxQueueThatWasNotPolledDuringTheDrainTime() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            CompletableFuture<Void> done = rig.manager.prepareUnplug("pa");
            rig.settle();
            rig.send(fp, 0, 0, 1); // both queues acknowledge the switch
            rig.receive(fp, 0);
            rig.settle();
            rig.advanceMillis(50); // the drain time passes while the RX thread is not scheduled
            assertEquals(8, rig.inject(p, 0, 1000, 8), "frames reach the VF late");
            rig.settle();
            assertFalse(done.isDone(), "RX has not emptied the VF since the drain time");
            assertTrue(p.a().owner().isPresent(), "not released");
            List<Packet> received = rig.receive(fp, 0);
            assertEquals(8, received.size(), "the late frames are received, not lost with the member");
            received.forEach(Packet::free);
            for (int round = 0; round < 5 && !done.isDone(); round++) {
                rig.send(fp, 0, round + 1, 1);
                rig.receive(fp, 0).forEach(Packet::free);
                rig.settle();
            }
            assertTrue(done.isDone(), "released once RX emptied it");
            rig.drain(s);
            rig.drain(p);
            rig.manager.onPortEvent(io.twinport.port.PortEvent.removed(p.a(), io.twinport.port.RemovalReason.GRACEFUL));
        }
    }

    @Test
    void aLeavingMemberThatKeepsReceivingIsLeftAtTheDrainLimit() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            CompletableFuture<Void> done = rig.manager.prepareUnplug("pa");
            Packet[] burst = new Packet[1];
            long limitMillis = TimeUnit.NANOSECONDS.toMillis(FailoverOptions.DEFAULT_GRACEFUL_DRAIN_NANOS
                    + FailoverPort.DRAIN_LIMIT_NANOS);
            int got = 0;
            int rounds = 0;
            for (long t = 0; t <= limitMillis + 200 && !done.isDone(); t += 100, rounds++) {
                // the network has not learned the new path: the VF receives more than RX takes in a burst
                rig.inject(p, 0, 2 * rounds, 2);
                int n = fp.rxBurst(0, burst, 0, 1); // one frame a round: never emptied
                rig.pool.freeBulk(burst, 0, n);
                got += n;
                rig.send(fp, 0, rounds, 1);
                rig.settle();
                assertTrue(!done.isDone() || t >= limitMillis, "left before the limit, at " + t + " ms");
                rig.advanceMillis(100);
            }
            assertTrue(done.isDone(), "left at the limit");
            assertTrue(got >= limitMillis / 100, "RX kept taking a frame a round from the VF until the limit: " + got);
            rig.drain(s);
            rig.drain(p);
            rig.manager.onPortEvent(io.twinport.port.PortEvent.removed(p.a(), io.twinport.port.RemovalReason.GRACEFUL));
        }
    }

    @Test
    void aMemberWhoseTxRefusesEverythingCountsAsFailed() {
        FailoverOptions opts = Rig.QUIET.withTxStallNanos(TimeUnit.MILLISECONDS.toNanos(50));
        try (Rig rig = new Rig(opts)) {
            WirePair s = rig.standby("s");
            FakePort stuck = new FakePort(new PortInfo("vf0", "fake", Rig.MAC, 4, 4, 4096, Rig.PRIMARY_FEATURES, 68,
                    9000, DeviceIdentity.NONE));
            rig.registry.add(stuck);
            FailoverPort fp = formStarted(rig, 1);
            assertSame(stuck, fp.active().orElseThrow(), "link up: the primary is chosen");
            stuck.txMode(FakePort.TxMode.REFUSE); // link stays up, TX takes nothing
            long start = rig.now.get();
            while (fp.active().orElseThrow() == stuck && rig.now.get() - start < 1_000_000_000L) {
                assertEquals(0, rig.send(fp, 0, 0, 4));
                rig.advanceMillis(10);
                rig.settle();
            }
            long took = rig.now.get() - start;
            assertSame(s.a(), fp.active().orElseThrow(), "a member that black-holes TX is failed over");
            assertTrue(took >= 50_000_000L && took <= 70_000_000L, "after the stall time, not before: " + took);
            assertEquals(4, rig.send(fp, 0, 100, 4));
            rig.receive(fp, 0);
            rig.settle();
            assertEquals(4, rig.drain(s).size());
            assertEquals("primary-link-down", rig.events(FailoverEventType.SWITCHED).getLast().data().get("reason"));
            stuck.txMode(FakePort.TxMode.ACCEPT);
            stuck.setCarrier(false);
            stuck.setCarrier(true); // the device resets: it gets a fresh chance
            rig.settle();
            assertSame(stuck, fp.active().orElseThrow());
        }
    }

    @Test
    void anAttachingPrimaryGetsTheFailoverPortsConfiguration() {
        try (Rig rig = new Rig()) {
            rig.standby("s");
            rig.manager.start();
            rig.settle();
            FailoverPort fp = rig.onlyFailoverPort();
            MacAddress group = MacAddress.parse("01:00:5e:00:00:fb");
            PortConfig cfg = PortConfig.DEFAULT.withQueues(2, 2).withMtu(9000).withRxModes(true, true)
                    .withMulticast(List.of(group));
            fp.configure(cfg);
            fp.start();
            FakePort vf = new FakePort(new PortInfo("vf0", "fake", Rig.MAC, 4, 4, 4096, Rig.PRIMARY_FEATURES, 68,
                    9000, DeviceIdentity.NONE));
            rig.registry.add(vf);
            rig.settle();
            PortConfig replayed = vf.configureHistory().getLast();
            assertEquals(2, replayed.rxQueues());
            assertEquals(9000, replayed.mtu());
            assertEquals(Rig.MAC, replayed.mac());
            assertTrue(replayed.promiscuous() && replayed.allMulticast());
            assertEquals(List.of(group), replayed.multicast());
            assertEquals(PortState.STARTED, vf.state());
            assertSame(vf, fp.active().orElseThrow());
        }
    }

    @Test
    void aPrimaryThatFailsToStartIsRolledBackAndTheStandbyStaysActive() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            FailoverPort fp = formStarted(rig, 1);
            FakePort vf = new FakePort(new PortInfo("vf0", "fake", Rig.MAC, 4, 4, 4096, Rig.PRIMARY_FEATURES, 68,
                    9000, DeviceIdentity.NONE));
            vf.failNextStart(new IllegalStateException("no carrier firmware"));
            rig.registry.add(vf);
            rig.settle();
            assertTrue(fp.primary().isEmpty());
            assertTrue(vf.owner().isEmpty());
            assertSame(s.a(), fp.active().orElseThrow());
            FailoverEvent failed = rig.events(FailoverEventType.ATTACH_FAILED).getFirst();
            assertTrue(failed.data().get("error").toString().contains("no carrier firmware"), failed.toString());
            vf.close();
        }
    }

    @Test
    void statsNeverGoBackwardsWhenAMemberLeaves() {
        try (Rig rig = new Rig()) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            rig.send(fp, 0, 0, 30);
            rig.inject(p, 0, 0, 5);
            rig.receive(fp, 0).forEach(Packet::free);
            PortStats before = fp.stats();
            assertEquals(30, before.txPackets());
            rig.unplug(p);
            rig.settle();
            rig.receive(fp, 0);
            rig.send(fp, 0, 100, 10);
            rig.settle();
            PortStats after = fp.stats();
            assertTrue(after.notBelow(before), before + " -> " + after);
            assertEquals(40, after.txPackets());
            assertEquals(5, after.rxPackets());
            rig.drain(p);
            rig.drain(s);
        }
    }

    @Test
    void theNewActivePathAnnouncesTheMacOnSchedule() {
        try (Rig rig = new Rig(FailoverOptions.DEFAULT)) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            rig.send(fp, 0, 0, 1); // the first switch (to the primary) announces there
            rig.advanceMillis(500);
            for (int i = 0; i < 5; i++) {
                rig.send(fp, 0, 0, 1);
                rig.advanceMillis(100);
                rig.settle();
            }
            rig.drain(p);
            rig.events.clear();
            rig.unplug(p);
            rig.settle();
            int rarp = 0;
            for (int round = 0; round < 6; round++) {
                rig.send(fp, 0, 0, 1); // TX queue 0 sends a due round ahead of the application's packets
                rig.receive(fp, 0);
                rig.settle();
                Packet[] burst = new Packet[64];
                int n = s.b().rxBurst(0, burst, 0, 64);
                for (int i = 0; i < n; i++) {
                    if (burst[i].getByte(12) == (byte) 0x80 && burst[i].getByte(13) == (byte) 0x35) {
                        rarp++;
                        assertEquals(Rig.MAC, io.twinport.testing.Frames.src(burst[i]));
                        assertEquals(MacAddress.BROADCAST, io.twinport.testing.Frames.dst(burst[i]));
                    }
                }
                s.b().rxBurst(0, burst, 0, 0);
                rig.pool.freeBulk(burst, 0, n);
                rig.advanceMillis(100);
                rig.settle();
            }
            assertEquals(AnnouncementSchedule.DEFAULT_COUNT, rarp, "three RARP frames, 100 ms apart");
            assertEquals(AnnouncementSchedule.DEFAULT_COUNT, rig.events(FailoverEventType.ANNOUNCED).size());
        }
    }

    @Test
    void aMembersAnnounceRequestAnnouncesOnTheActivePathOnSchedule() {
        try (Rig rig = new Rig(FailoverOptions.DEFAULT)) {
            WirePair s = rig.standby("s");
            WirePair p = rig.primary("p");
            WirePair other = rig.member("x", MacAddress.parse("02:00:00:00:00:77"), Rig.PRIMARY_FEATURES);
            FailoverPort fp = formStarted(rig, 1);
            for (int i = 0; i < 6; i++) { // the first switch's announcements go out and finish
                rig.send(fp, 0, 0, 1);
                rig.advanceMillis(100);
                rig.settle();
            }
            assertEquals(p.a(), fp.active().orElseThrow());
            rig.drain(p);
            rig.drain(s);
            rig.events.clear();
            // a port that is no member of this failover port asks: nothing happens
            rig.registry.post(io.twinport.port.PortEvent.of(io.twinport.port.PortEventType.ANNOUNCE_REQUESTED,
                    other.a()));
            rig.settle();
            assertEquals(0, rarps(rig, p, fp), "a request from a non-member announces nothing");
            // the standby's device asks (VIRTIO_NET_S_ANNOUNCE after a migration): the active path announces
            rig.registry.post(io.twinport.port.PortEvent.of(io.twinport.port.PortEventType.ANNOUNCE_REQUESTED,
                    s.a()));
            rig.settle();
            int rarp = 0;
            for (int round = 0; round < 6; round++) {
                rarp += rarps(rig, p, fp);
                rig.advanceMillis(100);
                rig.settle();
            }
            assertEquals(AnnouncementSchedule.DEFAULT_COUNT, rarp, "three RARP frames on the active primary");
            assertTrue(rig.drain(s).isEmpty(), "nothing on the standby's path, which is not active");
            List<FailoverEvent> announced = rig.events(FailoverEventType.ANNOUNCED);
            assertEquals(AnnouncementSchedule.DEFAULT_COUNT, announced.size());
            assertEquals(p.a().name(), announced.getFirst().data().get("via"));
            assertTrue(rig.events(FailoverEventType.SWITCHED).isEmpty(), "an announce request switches nothing");
        }
        try (Rig rig = new Rig()) { // announcements turned off (count 0): a request sends nothing
            rig.standby("s");
            WirePair p = rig.primary("p");
            FailoverPort fp = formStarted(rig, 1);
            rig.registry.post(io.twinport.port.PortEvent.of(io.twinport.port.PortEventType.ANNOUNCE_REQUESTED,
                    fp.standby().orElseThrow()));
            rig.settle();
            assertEquals(0, rarps(rig, p, fp));
            assertTrue(rig.events(FailoverEventType.ANNOUNCED).isEmpty());
        }
    }

    /** Sends one application frame (TX queue 0 sends a due round ahead of it); counts the RARPs on the network. */
    private static int rarps(Rig rig, WirePair pair, FailoverPort fp) {
        rig.send(fp, 0, 0, 1);
        rig.settle();
        int rarp = 0;
        Packet[] burst = new Packet[64];
        int n = pair.b().rxBurst(0, burst, 0, 64);
        for (int i = 0; i < n; i++) {
            if (burst[i].getByte(12) == (byte) 0x80 && burst[i].getByte(13) == (byte) 0x35) {
                rarp++;
                assertEquals(Rig.MAC, io.twinport.testing.Frames.src(burst[i]));
            }
        }
        rig.pool.freeBulk(burst, 0, n);
        return rarp;
    }

    @Test
    void aPrimaryThatFlapsFasterThanTheUpDelayNeverBecomesActive() {
        FailoverOptions opts = Rig.QUIET.withSelection(
                new SelectionOptions(TimeUnit.MILLISECONDS.toNanos(100), 0, FailBack.ALWAYS));
        try (Rig rig = new Rig(opts)) {
            WirePair s = rig.standby("s");
            FakePort vf = new FakePort(new PortInfo("vf0", "fake", Rig.MAC, 4, 4, 4096, Rig.PRIMARY_FEATURES, 68,
                    9000, DeviceIdentity.NONE));
            rig.registry.add(vf);
            FailoverPort fp = formStarted(rig, 1);
            vf.setCarrier(false);
            rig.advanceMillis(150); // the standby's own link passes the up-delay
            rig.settle();
            assertSame(s.a(), fp.active().orElseThrow());
            for (int i = 0; i < 20; i++) {
                vf.setCarrier(i % 2 == 1);
                rig.advanceMillis(60);
                rig.settle();
                assertSame(s.a(), fp.active().orElseThrow(), "flap " + i + ": " + fp.selection());
            }
            vf.setCarrier(true);
            rig.settle();
            rig.advanceMillis(100);
            rig.settle();
            assertSame(vf, fp.active().orElseThrow(), "up for the whole up-delay: now active");
        }
    }
}

package io.twinport.virtio.device;

import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.VirtioNetFeatureBits;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.twinport.port.VirtioNetFeature;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our device against our driver, in one process: frames both ways, counted exactly; features; link; announce. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VhostUserPortTest {
    static final String SOCK = "/tmp/twv-dev-" + ProcessHandle.current().pid() + ".sock";

    private final PacketPool hostPool = PacketPool.create("host", 8192);
    private final PacketPool guestPool = PacketPool.create("guest", 8192);
    private final PortRegistry registry = new PortRegistry();
    private VhostUserPort device;
    private VirtioNetPort guest;

    @AfterEach
    void tearDown() {
        try {
            if (guest != null) {
                guest.close();
            }
            if (device != null) {
                device.close();
            }
            registry.close();
            assertEquals(0, hostPool.inUse(), "host buffers leaked");
            assertEquals(0, guestPool.inUse(), "guest buffers leaked");
            assertFalse(Files.exists(Path.of(SOCK)), "socket file left");
        } finally {
            hostPool.close();
            guestPool.close();
        }
    }

    private void open(VhostUserDeviceOptions d, VirtioUserOptions g, int queues) {
        device = VhostUserPort.open("vhost0", d, hostPool, registry);
        guest = VirtioNetPort.open("guest0", g, guestPool, null);
        device.configure(PortConfig.DEFAULT.withQueues(queues, queues));
        device.start();
        guest.configure(PortConfig.DEFAULT.withQueues(queues, queues).withRingSize(256));
        guest.start();
        Traffic.await(() -> device.device().runningVrings() == 2 * queues, "every vring running");
        Traffic.await(device::linkUp, "device link up");
    }

    private void bothWays(int queues, int frames, int length) {
        for (int q = 0; q < queues; q++) {
            BitSet seen = new BitSet();
            int sent = Traffic.send(guest, q, guestPool, 0, frames, length, device, seen);
            assertEquals(frames, sent);
            Traffic.drainUntil(device, q, seen, frames);
            assertEquals(frames, seen.cardinality(), "guest TX -> device RX, queue " + q);
            BitSet back = new BitSet();
            sent = Traffic.send(device, q, hostPool, 0, frames, length, guest, back);
            assertEquals(frames, sent);
            Traffic.drainUntil(guest, q, back, frames);
            assertEquals(frames, back.cardinality(), "device TX -> guest RX, queue " + q);
        }
    }

    @Test
    void framesBothWaysMergeable() {
        open(VhostUserDeviceOptions.server(SOCK), VirtioUserOptions.client(SOCK), 1);
        bothWays(1, 20_000, 64);
        assertTrue((device.info().features() & VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF) != 0);
        assertEquals(0L, device.xstats().get("ring_faults"));
    }

    @Test
    void framesBothWaysWithoutMergeable() {
        open(VhostUserDeviceOptions.server(SOCK).withMergeable(false), VirtioUserOptions.client(SOCK), 1);
        bothWays(1, 5_000, 1500);
        assertEquals(0L, device.info().features() & VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF);
    }

    @Test
    void failoverOnTheDeviceGivesOurDriverStandbyWithNoOption() {
        open(VhostUserDeviceOptions.server(SOCK).withFailover(true), VirtioUserOptions.client(SOCK), 1);
        assertTrue(guest.info().has(VirtioNetFeature.STANDBY), "the guest sees STANDBY without failover=on");
        assertEquals(device.mac(), guest.mac(), "the guest's MAC is the device's config-space MAC");
        assertTrue((device.info().features() & VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY) != 0,
                "the device port's features carry the STANDBY the guest negotiated");
        bothWays(1, 1_000, 64);
    }

    @Test
    void failoverOptionOnTheDriverStillWorksAgainstADeviceWithout() {
        open(VhostUserDeviceOptions.server(SOCK), VirtioUserOptions.client(SOCK).withFailover(true), 1);
        assertTrue(guest.info().has(VirtioNetFeature.STANDBY), "failover=on: the device model offers STANDBY");
        assertEquals(0L, device.info().features() & VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY,
                "the device did not offer STANDBY, so it was not negotiated with it");
        assertFalse(new VirtioUserOptions(SOCK, 1, false, false, null, 256, true, 1000, 1000).failover());
    }

    @Test
    void withoutFailoverNoStandby() {
        open(VhostUserDeviceOptions.server(SOCK), VirtioUserOptions.client(SOCK), 1);
        assertFalse(guest.info().has(VirtioNetFeature.STANDBY));
    }

    @Test
    void announceAndLinkChangesReachOurDriverThroughTheBackendChannel() {
        open(VhostUserDeviceOptions.server(SOCK), VirtioUserOptions.client(SOCK), 1);
        Traffic.await(guest::linkUp, "guest link up");
        List<PortEvent> events = new CopyOnWriteArrayList<>();
        guest.bindEvents(events::add);
        device.requestAnnounce();
        Traffic.await(() -> guest.xstats().get("announce_requests") == 1, "the guest saw the announce request");
        Traffic.await(() -> events.stream().anyMatch(e -> e.type() == PortEventType.ANNOUNCE_REQUESTED),
                "the guest's port posted ANNOUNCE_REQUESTED for its owner (the failover port announces)");
        assertTrue(device.xstats().get("config_changes_signalled") >= 1, "signalled on the back-end channel");
        device.setGuestLinkUp(false);
        Traffic.await(() -> !guest.linkUp(), "guest link down");
        Traffic.await(() -> !device.linkUp(), "device port link follows");
        device.setGuestLinkUp(true);
        Traffic.await(guest::linkUp, "guest link up again");
        Traffic.await(device::linkUp, "device port link up again");
        bothWays(1, 500, 64);
    }

    @Test
    void handOverToAnotherDeviceLosesAndRepeatsNothing() throws Exception {
        String guestSock = "/tmp/twv-guest-" + ProcessHandle.current().pid() + ".sock";
        VhostUserPort a = null;
        VhostUserPort b = null;
        VirtioNetPort[] g = new VirtioNetPort[1];
        Thread opener = Thread.ofPlatform().start(() -> g[0] = VirtioNetPort.open("guest-srv",
                VirtioUserOptions.client(guestSock).withServer(true), guestPool, null));
        try {
            Traffic.await(() -> Files.exists(Path.of(guestSock)), "the guest listens");
            a = VhostUserPort.open("devA", VhostUserDeviceOptions.client(guestSock), hostPool, null);
            opener.join(10_000);
            guest = g[0];
            guest.configure(PortConfig.DEFAULT.withRingSize(256));
            guest.start();
            a.configure(PortConfig.DEFAULT);
            a.start();
            VhostUserPort da = a;
            Traffic.await(da::linkUp, "device A running");
            BitSet atHost = new BitSet();
            BitSet atGuest = new BitSet();
            assertEquals(3_000, Traffic.send(guest, 0, guestPool, 0, 3_000, 64, a, atHost));
            assertEquals(2_000, Traffic.send(a, 0, hostPool, 0, 2_000, 64, guest, atGuest));
            // in flight at the hand-over: 150 guest frames A never took, 100 frames A delivered the guest never read
            Traffic.drainUntil(a, 0, atHost, 3_000);
            assertEquals(150, Traffic.send(guest, 0, guestPool, 3_000, 150, 64, null, null));
            assertEquals(100, Traffic.send(a, 0, hostPool, 2_000, 100, 64, null, null));
            List<VringState> states = a.handOver();
            assertEquals(2, states.size(), "both vrings: " + states);
            b = VhostUserPort.takeOver("devB", VhostUserDeviceOptions.client(guestSock), states, hostPool, null);
            b.configure(PortConfig.DEFAULT);
            b.start();
            VhostUserPort db = b;
            Traffic.await(db::linkUp, "device B running");
            assertEquals(2, b.xstats().get("takeover_vrings"));
            assertEquals(2_000, Traffic.send(guest, 0, guestPool, 3_150, 2_000, 64, b, atHost));
            assertEquals(2_000, Traffic.send(b, 0, hostPool, 2_100, 2_000, 64, guest, atGuest));
            Traffic.drainUntil(b, 0, atHost, 5_150);
            Traffic.drainUntil(guest, 0, atGuest, 4_100);
            assertEquals(5_150, atHost.cardinality(), "every guest frame reached A or B once");
            assertEquals(5_150, atHost.nextClearBit(0));
            assertEquals(4_100, atGuest.cardinality(), "every host frame reached the guest once");
            assertEquals(4_100, atGuest.nextClearBit(0));
            assertEquals(0L, b.xstats().get("ring_faults"));
        } finally {
            opener.join(10_000);
            if (g[0] != null && guest == null) {
                g[0].close();
            }
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void deviceBurstsAllocateNothing() {
        open(VhostUserDeviceOptions.server(SOCK), VirtioUserOptions.client(SOCK), 1);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        io.twinport.mem.Packet[] burst = new io.twinport.mem.Packet[32];
        long deviceBytes = 0;
        long moved = 0;
        for (int round = 0; round < 60_000; round++) {
            int n = guestPool.allocBulk(burst, 0, 32);
            for (int i = 0; i < n; i++) {
                io.twinport.testing.Frames.fill(burst[i], Traffic.DST, Traffic.SRC, i, 64);
            }
            int sent = guest.txBurst(0, burst, 0, n);
            guestPool.freeBulk(burst, sent, n - sent);
            long before = threads.getCurrentThreadAllocatedBytes();
            int got = device.rxBurst(0, burst, 0, 32);
            int back = device.txBurst(0, burst, 0, got);
            long after = threads.getCurrentThreadAllocatedBytes();
            hostPool.freeBulk(burst, back, got - back);
            moved += back;
            if (round >= 40_000) {
                deviceBytes += after - before; // 40 000 rounds warm the JIT up (a compilation may allocate once)
            }
            int r = guest.rxBurst(0, burst, 0, 32);
            guestPool.freeBulk(burst, 0, r);
        }
        assertEquals(0L, device.xstats().get("ring_faults"), device.device().lastFault());
        assertTrue(moved > 100_000, "frames moved through the device: " + moved);
        assertEquals(0, deviceBytes, "bytes allocated by 20 000 rx+tx burst pairs of the device");
    }

    @Test
    void twoQueuePairs() {
        open(VhostUserDeviceOptions.server(SOCK).withQueues(2), VirtioUserOptions.client(SOCK).withQueues(2), 2);
        bothWays(2, 5_000, 128);
    }
}

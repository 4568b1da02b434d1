package io.twinport.virtio;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortException;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.vhost.VhostUserProtocolFeature;
import io.twinport.virtio.vhost.VhostUserRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.twinport.virtio.VirtioNetFeatureBits.VHOST_USER_F_PROTOCOL_FEATURES;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_EVENT_IDX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_VERSION_1;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_VQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_GUEST_ANNOUNCE;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MAC;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STATUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The port and its vhost-user device model against {@link FakeBackend}, a back-end in the test: feature
 * negotiation and failover=on, the MAC, the control queue, a device that breaks a ring, a back-end that goes away,
 * and one that comes back (server mode). No DPDK.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtioNetPortTest {
    /** What DPDK 22.11's net_vhost offers, in the bits that matter here. */
    private static final long DPDK_FEATURES = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_F_EVENT_IDX
            | VIRTIO_NET_F_MQ | VIRTIO_NET_F_CTRL_VQ | VIRTIO_NET_F_GUEST_ANNOUNCE | VHOST_USER_F_PROTOCOL_FEATURES;

    private final String path = "/tmp/twinport-port-test-" + ProcessHandle.current().pid() + ".sock";
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private PacketPool pool;
    private PortRegistry registry;
    private final List<PortEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        pool = PacketPool.create("port-test", 2048);
        registry = new PortRegistry();
        registry.addListener(events::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeAfter.reversed()) {
            c.close();
        }
        int inUse = pool.inUse();
        pool.close();
        assertEquals(0, inUse, "buffers leaked");
        assertFalse(Files.exists(Path.of(path)), "socket file left behind");
    }

    private FakeBackend backend(long features, long protocol, int queues, byte[] mac) {
        FakeBackend b = FakeBackend.listening(path, features, protocol, queues, mac);
        closeAfter.add(b);
        return b;
    }

    private VirtioNetPort open(VirtioUserOptions options) {
        VirtioNetPort p = VirtioNetPort.open("vu0", options.withTimeouts(2_000, 2_000), pool, registry);
        closeAfter.add(p);
        return p;
    }

    private VirtioUserOptions client() {
        return VirtioUserOptions.client(path);
    }

    // ------------------------------------------------------------------ features

    @Test
    void negotiatesWhatBothSidesHaveAndTellsTheBackEndOnlyItsOwnBits() {
        FakeBackend b = backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort port = open(client());
        long f = port.info().features();
        assertTrue(port.info().has(VirtioNetFeature.VERSION_1));
        assertTrue(port.info().has(VirtioNetFeature.MAC), "the device model offers a MAC");
        assertTrue(port.info().has(VirtioNetFeature.STATUS));
        assertTrue(port.info().has(VirtioNetFeature.MRG_RXBUF));
        assertTrue(port.info().has(VirtioNetFeature.EVENT_IDX));
        assertTrue(port.info().has(VirtioNetFeature.CTRL_VQ));
        assertFalse(port.info().has(VirtioNetFeature.MQ), "queues=1: no MQ");
        assertFalse(port.info().has(VirtioNetFeature.STANDBY), "failover=off");
        assertEquals(0, f & VHOST_USER_F_PROTOCOL_FEATURES, "bit 30 is vhost-user's, never the driver's");
        port.configure(PortConfig.DEFAULT);
        port.start();
        long acked = b.lastU64(VhostUserRequest.SET_FEATURES);
        assertEquals(0, acked & (VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_CTRL_VQ),
                "the model's own features stay off the back-end's word: "
                        + VirtioNetFeatureBits.describe(acked));
        assertTrue((acked & VHOST_USER_F_PROTOCOL_FEATURES) != 0, "protocol features acknowledged");
        assertTrue((acked & VIRTIO_NET_F_MRG_RXBUF) != 0);
        assertEquals(List.of(VhostUserRequest.SET_OWNER, VhostUserRequest.GET_FEATURES,
                VhostUserRequest.GET_PROTOCOL_FEATURES, VhostUserRequest.SET_PROTOCOL_FEATURES,
                VhostUserRequest.GET_QUEUE_NUM), b.requests().subList(0, 5));
        assertEquals(FakeBackend.DPDK_PROTOCOL, b.lastU64(VhostUserRequest.SET_PROTOCOL_FEATURES));
    }

    @Test
    void failoverOnAddsStandbyAndTheInfoCarriesIt() {
        backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        MacAddress mac = MacAddress.parse("02:11:22:33:44:55");
        VirtioNetPort port = open(client().withFailover(true).withMac(mac));
        assertTrue(port.info().has(VirtioNetFeature.STANDBY), "failover=on: STANDBY negotiated");
        assertTrue(port.info().has(VirtioNetFeature.MAC));
        assertEquals(mac, port.info().mac());
        assertEquals(mac, port.mac());
        registry.doWork();
        assertEquals(PortEventType.NEW, events.getFirst().type());
        assertTrue(events.getFirst().port().info().has(VirtioNetFeature.STANDBY),
                "the failover manager sees STANDBY in the NEW event's port");
        port.configure(PortConfig.DEFAULT);
        port.start();
        FakeBackend b = (FakeBackend) closeAfter.getFirst();
        assertEquals(0, b.lastU64(VhostUserRequest.SET_FEATURES) & VIRTIO_NET_F_STANDBY,
                "STANDBY is the model's (QEMU's) business, not the back-end's");
    }

    @Test
    void standbyIsAcceptedOnlyTogetherWithMac() {
        long offered = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_STANDBY | VIRTIO_NET_F_STATUS;
        assertEquals(0, VirtioNetFeatureBits.negotiate(offered, true) & VIRTIO_NET_F_STANDBY);
        assertTrue((VirtioNetFeatureBits.negotiate(offered | VIRTIO_NET_F_MAC, true) & VIRTIO_NET_F_STANDBY) != 0);
        // features that need the control queue go without it (5.1.3.1)
        long noCtrl = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MQ | VIRTIO_NET_F_GUEST_ANNOUNCE;
        assertEquals(VIRTIO_F_VERSION_1, VirtioNetFeatureBits.negotiate(noCtrl, true));
        assertEquals(0, VirtioNetFeatureBits.negotiate(VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF, false)
                & VIRTIO_NET_F_MRG_RXBUF, "mrg_rxbuf=0");
    }

    @Test
    void macComesFromTheOptionElseTheConfigSpaceElseThePath() {
        byte[] configMac = {0x02, 0x0C, 0x0F, 0x01, 0x02, 0x03};
        backend(DPDK_FEATURES | VIRTIO_NET_F_MAC,
                FakeBackend.DPDK_PROTOCOL | VhostUserProtocolFeature.CONFIG.mask(), 8, configMac);
        VirtioNetPort port = open(client());
        assertEquals(MacAddress.fromBytes(configMac), port.info().mac(), "GET_CONFIG");
        closeAfter.forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        closeAfter.clear();
        assertTrue(registry.find("vu0").isEmpty(), "a closed port leaves its registry");
        backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort derived = open(client());
        assertEquals(VirtioUserDevice.derivedMac(path), derived.info().mac());
        assertTrue(derived.info().mac().isLocallyAdministered() && !derived.info().mac().isMulticast());
    }

    @Test
    void aBackEndWithoutVersion1IsRefusedNamingIt() {
        backend(DPDK_FEATURES & ~VIRTIO_F_VERSION_1, FakeBackend.DPDK_PROTOCOL, 8, null);
        PortException e = assertThrows(PortException.class, () -> open(client()));
        assertTrue(e.getMessage().contains("vu0") && e.getMessage().contains("VERSION_1"), e.getMessage());
    }

    @Test
    void moreQueuesThanTheBackEndHasAreRefused() {
        backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 2, null);
        PortException e = assertThrows(PortException.class, () -> open(client().withQueues(4)));
        assertTrue(e.getMessage().contains("queues=4") && e.getMessage().contains("2 queue pair"), e.getMessage());
        closeAfter.forEach(c -> {
            try {
                c.close();
            } catch (Exception x) {
                throw new AssertionError(x);
            }
        });
        closeAfter.clear();
        backend(DPDK_FEATURES, 0, 1, null);
        e = assertThrows(PortException.class, () -> open(client().withQueues(2)));
        assertTrue(e.getMessage().contains("no PROTOCOL_F_MQ"), e.getMessage());
    }

    // ------------------------------------------------------------------ start, control queue

    @Test
    void startSetsUpEveryVringAndTheControlQueueCarriesModesMacAndPairs() {
        FakeBackend b = backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort port = open(client().withQueues(4));
        assertEquals(4, port.info().maxRxQueues());
        MacAddress mac = MacAddress.parse("02:99:00:00:00:01");
        port.configure(PortConfig.DEFAULT.withQueues(2, 2).withRingSize(512).withRxModes(true, false).withMac(mac));
        port.start();
        VirtioUserDevice d = (VirtioUserDevice) port.device();
        assertEquals(2, d.activePairs(), "MQ VQ_PAIRS_SET 2");
        assertTrue(d.promiscuous());
        assertFalse(d.allMulticast());
        assertEquals(mac, d.activeMac(), "MAC ADDR_SET");
        assertEquals(4, d.ctrlCommands());
        assertEquals(8, d.ctrlIndex(), "control queue = 2 x max_virtqueue_pairs");
        for (int i = 0; i < 4; i++) {
            assertEquals(512, b.vringNum.get(i));
            assertEquals(0, b.vringBase.get(i));
            assertTrue(b.vringEnabled.get(i), "vring " + i + " enabled");
        }
        assertFalse(b.vringAddr.containsKey(8), "the control queue stays with the device model");
        FakeBackend.waitFor(port::linkUp, "link up");
        assertEquals(512, b.ring(0).descLen(0) > 0 ? 512 : 0, "RX descriptors posted");
        port.stop();
        assertFalse(port.linkUp());
        assertTrue(b.requests().contains(VhostUserRequest.GET_VRING_BASE));
    }

    @Test
    void anAnnounceRequestIsAcknowledgedOnTheControlQueue() {
        backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort port = open(client());
        assertTrue(port.info().has(VirtioNetFeature.GUEST_ANNOUNCE));
        port.configure(PortConfig.DEFAULT);
        port.start();
        VirtioUserDevice d = (VirtioUserDevice) port.device();
        long commands = d.ctrlCommands();
        d.requestAnnounce(); // what a host does after migrating the device
        assertFalse(d.config().announce(), "ANNOUNCE_ACK cleared VIRTIO_NET_S_ANNOUNCE");
        assertEquals(commands + 1, d.ctrlCommands());
        assertEquals(1, port.xstats().get("announce_requests"));
        port.stop();
        d.requestAnnounce();
        assertTrue(d.config().announce(), "a stopped driver does not answer");
        assertEquals(1, port.xstats().get("announce_requests"));
    }

    // ------------------------------------------------------------------ a device that breaks the rules

    @Test
    void aUsedIdOutOfRangeFailsThePortWhichLeavesTheRegistryAndLeaksNothing() {
        FakeBackend b = backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort port = open(client());
        port.configure(PortConfig.DEFAULT);
        port.start();
        b.ring(0).pushUsed(1000, 64);
        // faults are found where the ring is read: on the data path, which returns 0 and does not throw
        assertEquals(0, port.rxBurst(0, new Packet[8], 0, 8));
        FakeBackend.waitFor(() -> port.state() == PortState.REMOVED, "port REMOVED");
        assertEquals(0, port.rxBurst(0, new Packet[8], 0, 8));
        String why = port.failure().orElseThrow();
        assertTrue(why.contains("rx0") && why.contains("used.ring[].id") && why.contains("1000"), why);
        assertFalse(port.linkUp());
        // the port goes REMOVED first, then leaves the registry (on the device's monitor thread)
        FakeBackend.waitFor(() -> registry.find("vu0").isEmpty(), "port left the registry");
        registry.doWork();
        PortEvent removed = events.stream().filter(e -> e.type() == PortEventType.REMOVED).findFirst().orElseThrow();
        assertEquals(RemovalReason.SURPRISE, removed.reason());
        port.close();
        assertEquals(0, pool.inUse(), "close returned every buffer");
    }

    @Test
    void aUsedLenBeyondTheBufferFailsThePortNamingTheField() {
        FakeBackend b = backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort port = open(client());
        port.configure(PortConfig.DEFAULT);
        port.start();
        FakeBackend.DeviceRing rx = b.ring(0);
        rx.pushUsed(0, rx.descLen(0) + 100L);
        assertEquals(0, port.rxBurst(0, new Packet[8], 0, 8), "the poll that finds it returns nothing");
        FakeBackend.waitFor(() -> port.state() == PortState.REMOVED, "port REMOVED");
        assertTrue(port.failure().orElseThrow().contains("used.ring[].len"), port.failure().orElseThrow());
    }

    @Test
    void aBackEndThatGoesAwayInClientModeRemovesThePort() {
        FakeBackend b = backend(DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8, null);
        VirtioNetPort port = open(client());
        port.configure(PortConfig.DEFAULT);
        port.start();
        FakeBackend.waitFor(port::linkUp, "link up");
        b.disconnect();
        FakeBackend.waitFor(() -> port.state() == PortState.REMOVED, "port REMOVED");
        assertTrue(port.failure().orElseThrow().contains("closed the connection"), port.failure().orElseThrow());
        FakeBackend.waitFor(() -> registry.find("vu0").isEmpty(), "port left the registry");
        registry.doWork();
        assertTrue(events.stream().anyMatch(e -> e.type() == PortEventType.LINK_DOWN));
        assertTrue(events.stream().anyMatch(e -> e.type() == PortEventType.REMOVED));
    }

    // ------------------------------------------------------------------ server mode

    @Test
    void serverModeAcceptsTheBackEndAgainAndResumesTheRingsAtTheirUsedIndex() throws Exception {
        VirtioUserOptions opts = client().withServer(true).withTimeouts(5_000, 2_000);
        Thread t = Thread.ofPlatform().start(() -> {
            FakeBackend first = FakeBackend.connecting(path, DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8);
            closeAfter.add(first);
        });
        VirtioNetPort port = VirtioNetPort.open("vu0", opts, pool, registry);
        t.join();
        FakeBackend first = (FakeBackend) closeAfter.getFirst();
        closeAfter.add(port);
        port.configure(PortConfig.DEFAULT.withRingSize(64));
        port.start();
        FakeBackend.waitFor(port::linkUp, "link up");
        // the first back-end sends 5 frames, then crashes
        FakeBackend.DeviceRing rx = first.ring(0);
        for (int i = 0; i < 5; i++) {
            rx.deliver(i, 60);
        }
        first.disconnect();
        FakeBackend.waitFor(() -> !port.linkUp(), "link down");
        assertEquals(PortState.STARTED, port.state(), "server mode: the port waits for the back-end");
        FakeBackend second = FakeBackend.connecting(path, DPDK_FEATURES, FakeBackend.DPDK_PROTOCOL, 8);
        closeAfter.add(second);
        FakeBackend.waitFor(port::linkUp, "link up again");
        assertEquals(5, second.vringBase.get(0), "RX ring resumed at used.idx 5");
        assertEquals(0, second.vringBase.get(1), "TX ring resumed at used.idx 0");
        Packet[] got = new Packet[8];
        assertEquals(5, port.rxBurst(0, got, 0, 8), "frames the first back-end delivered are still there");
        assertEquals(60, got[0].length());
        assertEquals((byte) 0x5A, got[4].getByte(59));
        pool.freeBulk(got, 0, 5);
        assertEquals(1, port.xstats().get("vhost_reconnects"));
        // link state first, then its event (posted by the monitor thread right after)
        FakeBackend.waitFor(() -> {
            registry.doWork();
            List<PortEventType> types = events.stream().map(PortEvent::type).toList();
            int down = types.indexOf(PortEventType.LINK_DOWN);
            return down > 0 && types.subList(down, types.size()).contains(PortEventType.LINK_UP);
        }, "LINK_DOWN then LINK_UP delivered");
    }
}

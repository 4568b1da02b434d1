package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device's control behaviour: the client's backoff, reconnection, the error eventfd, take-over of a base. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VhostUserDeviceTest {
    static final String SOCK = "/tmp/twv-devctl-" + ProcessHandle.current().pid() + ".sock";

    @Test
    void theClientsBackoffDoublesUpToItsBound() {
        long d = VhostUserDeviceOptions.RECONNECT_MIN_MILLIS;
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            seen.append(d).append(' ');
            d = VhostUserDevice.nextBackoff(d, 1_000);
        }
        assertEquals("10 20 40 80 160 320 640 1000 1000 1000 ", seen.toString());
        assertEquals(VhostUserDeviceOptions.RECONNECT_MIN_MILLIS, VhostUserDevice.nextBackoff(0, 1_000));
    }

    @Test
    void aClientDeviceReconnectsWhenTheFrontendComesBack() throws Exception {
        try (PacketPool host = PacketPool.create("ctl-host", 2048); PacketPool guestPool = PacketPool.create("ctl-guest",
                2048)) {
            VhostUserPort dev = VhostUserPort.open("vclient", VhostUserDeviceOptions.client(SOCK).withReconnectMax(50),
                    host, null);
            try {
                dev.configure(PortConfig.DEFAULT);
                dev.start();
                for (int round = 0; round < 2; round++) {
                    // the guest listens (server mode); the device keeps trying until it is there
                    VirtioNetPort guest = VirtioNetPort.open("guest-srv", VirtioUserOptions.client(SOCK)
                            .withServer(true), guestPool, null);
                    try {
                        guest.configure(PortConfig.DEFAULT.withRingSize(256));
                        guest.start();
                        Traffic.await(dev::linkUp, "device connected, round " + round);
                        BitSet seen = new BitSet();
                        assertEquals(200, Traffic.send(guest, 0, guestPool, 0, 200, 64, dev, seen));
                        Traffic.drainUntil(dev, 0, seen, 200);
                        assertEquals(200, seen.cardinality());
                    } finally {
                        guest.close();
                    }
                    Traffic.await(() -> !dev.device().connected(), "the device saw the guest go, round " + round);
                }
                assertEquals(2L, dev.xstats().get("vhost_connections"));
            } finally {
                dev.close();
            }
            assertEquals(0, host.inUse());
            assertEquals(0, guestPool.inUse());
        }
        assertFalse(Files.exists(Path.of(SOCK)));
    }

    @Test
    void aBrokenVringSignalsItsErrorEventfd() {
        try (PacketPool host = PacketPool.create("ctl-err", 256); EventFd err = EventFd.create()) {
            VhostUserPort dev = VhostUserPort.open("verr", VhostUserDeviceOptions.server(SOCK), host, null);
            try (RawFrontend fe = new RawFrontend(SOCK, 64)) {
                dev.configure(PortConfig.DEFAULT);
                dev.start();
                fe.setUp();
                fe.send(VhostUserRequest.SET_VRING_ERR, VhostUserMessage.u64(1), err.fd());
                fe.avail(1, 999);
                Packet[] pkts = new Packet[4];
                Traffic.await(() -> {
                    dev.rxBurst(0, pkts, 0, 4);
                    return err.drain() > 0;
                }, "the error eventfd signalled");
                assertEquals(1L, dev.xstats().get("vring1_broken"));
                assertEquals(1L, dev.device().faultCount(DeviceFault.HEAD_OUT_OF_RANGE));
            } finally {
                dev.close();
            }
        }
    }

    @Test
    void aTakeOverResumesAtTheHandedOverIndexWhateverBaseTheFrontendSends() {
        try (PacketPool host = PacketPool.create("ctl-take", 256)) {
            VhostUserPort dev = VhostUserPort.takeOver("vtake", VhostUserDeviceOptions.server(SOCK),
                    List.of(new VringState(1, 5, 5)), host, null);
            try (RawFrontend fe = new RawFrontend(SOCK, 64)) {
                dev.configure(PortConfig.DEFAULT);
                dev.start();
                fe.setUp(); // SET_VRING_BASE 0 for both vrings
                Traffic.await(() -> dev.device().runningVrings() == 2, "both vrings running");
                assertEquals(1L, dev.xstats().get("takeover_vrings"));
                // entries 0..4 were processed by the previous device; a frame in entry 5
                for (int e = 0; e < 5; e++) {
                    fe.desc(1, e, fe.buf(e), 4, 0, 0); // would be a TX_HEADER_SHORT fault if read
                    fe.avail(1, e);
                }
                fe.desc(1, 5, fe.buf(5), 12 + 60, 0, 0);
                fe.avail(1, 5);
                Packet[] pkts = new Packet[8];
                int[] got = new int[1];
                Traffic.await(() -> {
                    int n = dev.rxBurst(0, pkts, 0, 8);
                    host.freeBulk(pkts, 0, n);
                    got[0] += n;
                    return got[0] == 1;
                }, "the frame of entry 5 arrives");
                assertEquals(0L, dev.xstats().get("ring_faults"), dev.device().lastFault());
                assertEquals(1, fe.usedIdx(1), "the used ring continues where guest memory says");
            } finally {
                dev.close();
            }
            assertTrue(host.inUse() == 0);
        }
    }
}

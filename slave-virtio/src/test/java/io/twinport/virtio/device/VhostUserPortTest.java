package io.twinport.virtio.device;

import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.VirtioNetFeatureBits;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
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
    void twoQueuePairs() {
        open(VhostUserDeviceOptions.server(SOCK).withQueues(2), VirtioUserOptions.client(SOCK).withQueues(2), 2);
        bothWays(2, 5_000, 128);
    }
}

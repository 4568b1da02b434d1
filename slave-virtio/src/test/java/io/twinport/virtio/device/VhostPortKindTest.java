package io.twinport.virtio.device;

import io.twinport.fwd.PortContext;
import io.twinport.fwd.PortKinds;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.PortSpecException;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.VirtioNetFeatureBits;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code vhost} spec: found through the service file, keys and defaults, refusals, and opening a port. */
class VhostPortKindTest {
    private final PortKinds kinds = PortKinds.installed();

    @Test
    void theKindIsInstalledThroughTheServiceFile() {
        assertTrue(kinds.names().contains("vhost"), kinds.namesText());
        assertTrue(kinds.find("vhost") instanceof VhostPortKind);
    }

    @Test
    void defaultsAreDpdksNetVhostsWhereItHasThem() {
        VhostUserDeviceOptions o = VhostPortKind.options(PortSpec.parse("vhost,iface=/tmp/vh.sock", kinds));
        assertEquals("/tmp/vh.sock", o.iface());
        assertEquals(1, o.queues());
        assertFalse(o.client());
        assertFalse(o.failover());
        assertNull(o.mac());
        assertTrue(o.mergeable());
        assertEquals(0L, o.offeredFeatures() & VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY);
    }

    @Test
    void everyKeyIsRead() {
        PortSpec spec = PortSpec.parse("vhost,iface=/tmp/v.sock,queues=4,client=1,failover=on,"
                + "mac=02:00:00:00:00:09,mrg_rxbuf=0,name=dev0", kinds);
        VhostUserDeviceOptions o = VhostPortKind.options(spec);
        assertEquals(4, o.queues());
        assertTrue(o.client());
        assertTrue(o.failover());
        assertEquals(MacAddress.parse("02:00:00:00:00:09"), o.mac());
        assertFalse(o.mergeable());
        assertEquals("dev0", spec.value("name"));
        long f = o.offeredFeatures();
        assertTrue((f & VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY) != 0 && (f & VirtioNetFeatureBits.VIRTIO_NET_F_MAC) != 0);
        assertEquals(0L, f & VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF);
        assertTrue((f & VirtioNetFeatureBits.VIRTIO_NET_F_MQ) != 0);
    }

    @Test
    void refusalsNameTheKeyAndTheValue() {
        assertRefused("vhost", "needs key 'iface'");
        assertRefused("vhost,iface=/tmp/v.sock,queues=0", "queues", "0");
        assertRefused("vhost,iface=/tmp/v.sock,queues=65", "queues", "65");
        assertRefused("vhost,iface=/tmp/v.sock,client=2", "client", "2");
        assertRefused("vhost,iface=/tmp/v.sock,failover=yes", "failover", "yes");
        assertRefused("vhost,iface=/tmp/v.sock,mac=01:00:5e:00:00:01", "mac", "01:00:5e:00:00:01");
        assertRefused("vhost,iface=/tmp/v.sock,mrg_rxbuf=on", "mrg_rxbuf", "on");
        assertRefused("vhost,iface=" + "x".repeat(200), "iface");
        assertRefused("vhost,iface=/tmp/v.sock,path=x", "path");
    }

    @Test
    void optionsRefuseWhatTheDeviceDoesNotImplement() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VhostUserDeviceOptions.server("/tmp/v.sock").withExtraFeatures(1L << 34));
        assertTrue(e.getMessage().contains("0x400000000"), e.getMessage());
    }

    @Test
    void opensAListeningPort() {
        String sock = "/tmp/twv-kind-" + ProcessHandle.current().pid() + ".sock";
        try (PacketPool pool = PacketPool.create("kind", 64); PortRegistry registry = new PortRegistry()) {
            PortSpec spec = PortSpec.parse("vhost,iface=" + sock + ",name=vk0", kinds);
            List<Port> ports = spec.kind().open(spec, new PortContext(pool, registry));
            assertEquals(1, ports.size());
            Port p = ports.getFirst();
            try {
                assertEquals("vk0", p.name());
                assertEquals(VhostUserPort.DRIVER, p.info().driver());
                assertTrue(Files.exists(Path.of(sock)), "listening");
            } finally {
                p.close();
            }
            assertFalse(Files.exists(Path.of(sock)));
        }
    }

    private void assertRefused(String text, String... parts) {
        PortSpecException e = assertThrows(PortSpecException.class, () -> PortSpec.parse(text, kinds));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing in: " + e.getMessage());
        }
    }
}

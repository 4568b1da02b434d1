package io.twinport.virtio;

import io.twinport.fwd.PortKinds;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.PortSpecException;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code virtio-user} spec: found through the service file, keys and defaults, and refusals. */
class VirtioUserPortKindTest {
    private final PortKinds kinds = PortKinds.installed();

    @Test
    void theKindIsInstalledThroughTheServiceFile() {
        assertTrue(kinds.names().contains("virtio-user"), kinds.namesText());
        assertTrue(kinds.find("virtio-user") instanceof VirtioUserPortKind);
    }

    @Test
    void defaultsAreDpdksNetVirtioUsersWhereItHasThem() {
        PortSpec spec = PortSpec.parse("virtio-user,path=/tmp/vhost.sock", kinds);
        VirtioUserOptions o = VirtioUserPortKind.options(spec);
        assertEquals("/tmp/vhost.sock", o.path());
        assertEquals(1, o.queues());
        assertFalse(o.server());
        assertFalse(o.failover());
        assertNull(o.mac());
        assertEquals(256, o.queueSize());
        assertTrue(o.mergeable());
        assertEquals(256, spec.kind().portConfig(spec, PortConfig.DEFAULT.withRingSize(1024)).ringSize());
    }

    @Test
    void everyKeyIsRead() {
        PortSpec spec = PortSpec.parse("virtio-user,path=/tmp/v.sock,queues=4,server=1,failover=on,"
                + "mac=02:00:00:00:00:09,queue_size=1024,mrg_rxbuf=0,name=standby0", kinds);
        VirtioUserOptions o = VirtioUserPortKind.options(spec);
        assertEquals(4, o.queues());
        assertTrue(o.server());
        assertTrue(o.failover());
        assertEquals(MacAddress.parse("02:00:00:00:00:09"), o.mac());
        assertEquals(1024, o.queueSize());
        assertFalse(o.mergeable());
        assertEquals("standby0", spec.value("name"));
    }

    @Test
    void refusalsNameTheKeyAndTheValue() {
        assertRefused("virtio-user", "needs key 'path'");
        assertRefused("virtio-user,path=/tmp/v.sock,queues=0", "queues", "0");
        assertRefused("virtio-user,path=/tmp/v.sock,queue_size=300", "queue_size", "300");
        assertRefused("virtio-user,path=/tmp/v.sock,failover=yes", "failover", "yes");
        assertRefused("virtio-user,path=/tmp/v.sock,mac=01:00:5e:00:00:01", "mac", "01:00:5e:00:00:01");
        assertRefused("virtio-user,path=/tmp/v.sock,mac=nonsense", "mac", "nonsense");
        assertRefused("virtio-user,path=" + "x".repeat(200), "path");
        assertRefused("virtio-user,path=/tmp/v.sock,iface=x", "iface");
    }

    private void assertRefused(String text, String... parts) {
        PortSpecException e = assertThrows(PortSpecException.class, () -> PortSpec.parse(text, kinds));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing in: " + e.getMessage());
        }
    }
}

package io.twinport.virtio.device;

import io.twinport.fwd.PortContext;
import io.twinport.fwd.PortKind;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.PortSpecException;
import io.twinport.fwd.SpecKey;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;

import java.util.List;

/**
 * The port kind {@code vhost}: the host side of a vhost-user device ({@link VhostUserPort}), with the keys of DPDK's
 * {@code net_vhost} where it has them. Spec:
 * {@code vhost,iface=SOCKET[,queues=N][,client=0|1][,failover=on|off][,mac=MAC][,mrg_rxbuf=0|1][,name=NAME]}.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>iface</td><td>(required)</td><td>the vhost-user socket</td></tr>
 *   <tr><td>queues</td><td>1</td><td>queue pairs offered (GET_QUEUE_NUM, max_virtqueue_pairs)</td></tr>
 *   <tr><td>client</td><td>0</td><td>1: connect to a front-end that listens (and reconnect); 0: listen</td></tr>
 *   <tr><td>failover</td><td>off</td><td>on: offer STANDBY and MAC, as QEMU's failover=on</td></tr>
 *   <tr><td>mac</td><td>derived from iface</td><td>the MAC in the config space (offered with VIRTIO_NET_F_MAC)</td></tr>
 *   <tr><td>mrg_rxbuf</td><td>1</td><td>offer mergeable receive buffers</td></tr>
 *   <tr><td>name</td><td>vhost0, ...</td><td>the port's name</td></tr>
 * </table>
 */
public final class VhostPortKind implements PortKind {
    /** The kind's name. */
    public static final String NAME = "vhost";
    /** Key: the port's name. */
    public static final String NAME_KEY = "name";

    private static final List<SpecKey> KEYS = List.of(
            SpecKey.socketPath(VhostUserDeviceOptions.IFACE, "the vhost-user socket (required)"),
            SpecKey.integer(VhostUserDeviceOptions.QUEUES, VhostUserDeviceOptions.QUEUES_DEFAULT, 1,
                    VhostUserDeviceOptions.QUEUES_MAX, "queue pairs offered, the most --queues may use"),
            SpecKey.oneOf(VhostUserDeviceOptions.CLIENT, "0", List.of("0", "1"),
                    "1: connect to a front-end that listens on iface, and reconnect; 0: listen on iface"),
            SpecKey.oneOf(VhostUserDeviceOptions.FAILOVER, "off", List.of("on", "off"),
                    "on: offer VIRTIO_NET_F_STANDBY and MAC, as QEMU's virtio-net-pci,failover=on"),
            SpecKey.unicastMac(VhostUserDeviceOptions.MAC,
                    "the MAC in the config space (default: derived from iface)"),
            SpecKey.oneOf(VhostUserDeviceOptions.MRG_RXBUF, "1", List.of("0", "1"),
                    "1: offer mergeable receive buffers"),
            SpecKey.name(NAME_KEY, null, "the port's name (default vhost0, vhost1, ...)"));

    /** For {@link java.util.ServiceLoader}. */
    public VhostPortKind() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the host side of a vhost-user device (like DPDK's net_vhost): serves a virtio-user front-end or a guest";
    }

    @Override
    public List<SpecKey> keys() {
        return KEYS;
    }

    @Override
    public void validate(PortSpec spec) {
        if (spec.value(VhostUserDeviceOptions.IFACE) == null) {
            throw new PortSpecException("kind " + NAME + " needs key 'iface' (the vhost-user socket), e.g. "
                    + NAME + ",iface=/tmp/vhost.sock");
        }
    }

    /**
     * @param spec a validated spec of this kind
     * @return the options it describes
     */
    public static VhostUserDeviceOptions options(PortSpec spec) {
        String mac = spec.value(VhostUserDeviceOptions.MAC);
        return new VhostUserDeviceOptions(spec.value(VhostUserDeviceOptions.IFACE),
                spec.intValue(VhostUserDeviceOptions.QUEUES), "1".equals(spec.value(VhostUserDeviceOptions.CLIENT)),
                "on".equals(spec.value(VhostUserDeviceOptions.FAILOVER)), mac == null ? null : MacAddress.parse(mac),
                "1".equals(spec.value(VhostUserDeviceOptions.MRG_RXBUF)), 0,
                VhostUserDeviceOptions.RECONNECT_MAX_DEFAULT);
    }

    @Override
    public List<Port> open(PortSpec spec, PortContext context) {
        String name = spec.given(NAME_KEY) ? spec.value(NAME_KEY) : context.nextName(NAME);
        if (context.registry().find(name).isPresent()) {
            throw new IllegalArgumentException(NAME + ": a port named " + name + " is already open");
        }
        return List.of(VhostUserPort.open(name, options(spec), context.pool(), context.registry()));
    }
}

package io.twinport.virtio;

import io.twinport.fwd.PortContext;
import io.twinport.fwd.PortKind;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.PortSpecException;
import io.twinport.fwd.SpecKey;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;

import java.util.List;

/**
 * The port kind {@code virtio-user}: a virtio-net port whose device is a vhost-user back-end at a socket, with the
 * keys of DPDK's {@code net_virtio_user} where it has them. Spec:
 * {@code virtio-user,path=SOCKET[,queues=N][,server=0|1][,failover=on|off][,mac=MAC][,queue_size=N][,mrg_rxbuf=0|1]
 * [,name=NAME]}.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>path</td><td>(required)</td><td>the vhost-user socket</td></tr>
 *   <tr><td>queues</td><td>1</td><td>queue pairs (max_virtqueue_pairs)</td></tr>
 *   <tr><td>server</td><td>0</td><td>1: listen on path, the back-end connects and may reconnect</td></tr>
 *   <tr><td>failover</td><td>off</td><td>on: the device offers VIRTIO_NET_F_STANDBY (QEMU's failover=on)</td></tr>
 *   <tr><td>mac</td><td>back-end's, else derived from path</td><td>the device's MAC address</td></tr>
 *   <tr><td>queue_size</td><td>256</td><td>descriptors per virtqueue</td></tr>
 *   <tr><td>mrg_rxbuf</td><td>1</td><td>accept VIRTIO_NET_F_MRG_RXBUF</td></tr>
 *   <tr><td>name</td><td>virtio-user0, ...</td><td>the port's name</td></tr>
 * </table>
 */
public final class VirtioUserPortKind implements PortKind {
    /** The kind's name. */
    public static final String NAME = "virtio-user";
    /** Key: the port's name. */
    public static final String NAME_KEY = "name";

    private static final List<SpecKey> KEYS = List.of(
            SpecKey.socketPath(VirtioUserOptions.PATH, "the vhost-user socket (required)"),
            SpecKey.integer(VirtioUserOptions.QUEUES, VirtioUserOptions.QUEUES_DEFAULT, 1,
                    VirtioUserOptions.QUEUES_MAX, "queue pairs (max_virtqueue_pairs), the most --queues may use"),
            SpecKey.oneOf(VirtioUserOptions.SERVER, "0", List.of("0", "1"),
                    "1: listen on path; the back-end connects, and reconnects after a restart"),
            SpecKey.oneOf(VirtioUserOptions.FAILOVER, "off", List.of("on", "off"),
                    "on: the device offers VIRTIO_NET_F_STANDBY, as QEMU's virtio-net-pci,failover=on"),
            SpecKey.unicastMac(VirtioUserOptions.MAC,
                    "the device's MAC (default: the back-end's config space, else derived from path)"),
            SpecKey.powerOfTwo(VirtioUserOptions.QUEUE_SIZE, VirtioUserOptions.QUEUE_SIZE_DEFAULT, 2, 32768,
                    "descriptors per virtqueue"),
            SpecKey.oneOf(VirtioUserOptions.MRG_RXBUF, "1", List.of("0", "1"), "1: accept mergeable RX buffers"),
            SpecKey.name(NAME_KEY, null, "the port's name (default virtio-user0, virtio-user1, ...)"));

    /** For {@link java.util.ServiceLoader}. */
    public VirtioUserPortKind() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a virtio-net port on a vhost-user back-end (e.g. DPDK's net_vhost), split virtqueues, STANDBY";
    }

    @Override
    public List<SpecKey> keys() {
        return KEYS;
    }

    @Override
    public void validate(PortSpec spec) {
        if (spec.value(VirtioUserOptions.PATH) == null) {
            throw new PortSpecException("kind " + NAME + " needs key 'path' (the vhost-user socket), e.g. "
                    + NAME + ",path=/tmp/vhost.sock");
        }
    }

    /**
     * @param spec a validated spec of this kind
     * @return the options it describes
     */
    public static VirtioUserOptions options(PortSpec spec) {
        String mac = spec.value(VirtioUserOptions.MAC);
        return new VirtioUserOptions(spec.value(VirtioUserOptions.PATH), spec.intValue(VirtioUserOptions.QUEUES),
                "1".equals(spec.value(VirtioUserOptions.SERVER)), "on".equals(spec.value(VirtioUserOptions.FAILOVER)),
                mac == null ? null : MacAddress.parse(mac), spec.intValue(VirtioUserOptions.QUEUE_SIZE),
                "1".equals(spec.value(VirtioUserOptions.MRG_RXBUF)), VirtioUserOptions.CONNECT_TIMEOUT_DEFAULT,
                VirtioUserOptions.REPLY_TIMEOUT_DEFAULT);
    }

    @Override
    public PortConfig portConfig(PortSpec spec, PortConfig proposed) {
        return proposed.withRingSize(spec.intValue(VirtioUserOptions.QUEUE_SIZE));
    }

    @Override
    public List<Port> open(PortSpec spec, PortContext context) {
        String name = spec.given(NAME_KEY) ? spec.value(NAME_KEY) : context.nextName(NAME);
        if (context.registry().find(name).isPresent()) {
            throw new IllegalArgumentException(NAME + ": a port named " + name + " is already open");
        }
        return List.of(VirtioNetPort.open(name, options(spec), context.pool(), context.registry()));
    }
}

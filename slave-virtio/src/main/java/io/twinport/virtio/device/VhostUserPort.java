package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.AbstractPort;
import io.twinport.port.DeviceIdentity;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.QueueCounters;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.virtq.VirtqDescriptor;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The host side of a vhost-user device as a {@link io.twinport.port.Port} (driver name {@value #DRIVER}), like
 * DPDK's {@code net_vhost} ethdev: {@code rxBurst(q)} returns what the guest transmitted on queue pair {@code q}
 * (vring {@code 2q+1}), copied into packets of the host's pool without the virtio-net header; {@code txBurst(q)}
 * delivers frames into the guest's receive vring {@code 2q}. The device ({@link VhostUserDevice}) serves the
 * vhost-user protocol on its own control thread from the moment the port is opened.
 *
 * <ul>
 *   <li>Queues: up to {@code queues} pairs; a queue pair whose vrings do not run yet (no front-end, not enabled)
 *       receives nothing and takes nothing.</li>
 *   <li>Link: up while the port is started, a front-end is connected and queue pair 0 runs
 *       ({@link VhostUserDevice#running()}), and the host has not set the guest's link down.</li>
 *   <li>{@code info().features()}: the features the front-end negotiated (SET_FEATURES), STANDBY included when it
 *       took it; 0 until then.</li>
 * </ul>
 */
public final class VhostUserPort extends AbstractPort implements VhostUserDevice.Listener {
    /** The driver name in {@link PortInfo#driver()}. */
    public static final String DRIVER = "vhost-user";
    private static final int ETHER_OVERHEAD = 14 + 4;

    private final PacketPool pool;
    private final PortRegistry registry;
    private volatile VhostUserDevice device;

    private VhostUserPort(PortInfo info, PacketPool pool, PortRegistry registry) {
        super(info);
        this.pool = pool;
        this.registry = registry;
    }

    /**
     * Opens the device and creates its port (created, not configured), registering it.
     *
     * @param name     the port's name
     * @param options  the device's options
     * @param pool     where frames the guest transmits are copied to
     * @param registry where the port is added, or null
     * @return the port
     * @throws PortException naming the port and what failed
     */
    public static VhostUserPort open(String name, VhostUserDeviceOptions options, PacketPool pool,
                                     PortRegistry registry) {
        return takeOver(name, options, List.of(), pool, registry);
    }

    /**
     * Opens a device that takes a guest over from another device, at the vring states that device's
     * {@link #handOver()} returned.
     *
     * @param name     the port's name
     * @param options  the device's options (another socket, or the same guest socket in client mode)
     * @param states   where each vring stopped on the old device
     * @param pool     where frames the guest transmits are copied to
     * @param registry where the port is added, or null
     * @return the port
     */
    public static VhostUserPort takeOver(String name, VhostUserDeviceOptions options, List<VringState> states,
                                         PacketPool pool, PortRegistry registry) {
        Objects.requireNonNull(pool, "pool");
        int maxMtu = pool.bufferSize() - pool.headroom() - ETHER_OVERHEAD;
        PortInfo info = new PortInfo(name, DRIVER, options.effectiveMac(), options.queues(), options.queues(),
                VirtqDescriptor.MAX_QUEUE_SIZE, 0, 68, Math.max(68, maxMtu),
                new DeviceIdentity(options.iface(), null, false));
        VhostUserPort port = new VhostUserPort(info, pool, registry);
        try {
            port.device = VhostUserDevice.open(options, states, port);
        } catch (RuntimeException e) {
            throw new PortException("port " + name + ": vhost " + options.iface() + ": " + e.getMessage(), e);
        }
        if (registry != null) {
            registry.add(port);
        }
        return port;
    }

    /** @return the device (protocol state, counters, host-side requests) */
    public VhostUserDevice device() {
        return device;
    }

    /**
     * Stops every vring and disconnects the front-end; see {@link VhostUserDevice#handOver()}.
     *
     * @return where each vring stopped
     */
    public List<VringState> handOver() {
        return device.handOver();
    }

    /** Asks the guest to announce itself (VIRTIO_NET_S_ANNOUNCE); see {@link VhostUserDevice#requestAnnounce()}. */
    public void requestAnnounce() {
        device.requestAnnounce();
    }

    /**
     * Sets the link the guest sees (VIRTIO_NET_S_LINK_UP); see {@link VhostUserDevice#setLinkUp(boolean)}. This port's
     * own link follows it.
     *
     * @param up the link state
     */
    public void setGuestLinkUp(boolean up) {
        device.setLinkUp(up);
    }

    // ------------------------------------------------------------------ control path

    @Override
    protected void doConfigure(PortConfig cfg) {
        // nothing to set up: the rings are the guest's; queue counts were checked against info()
    }

    @Override
    protected void doStart() {
        setLinkUp(linkFromDevice());
    }

    @Override
    protected void doStop() {
        setLinkUp(false);
    }

    @Override
    protected void doClose() {
        VhostUserDevice d = device;
        if (d != null) {
            d.close();
        }
        if (registry != null) {
            registry.remove(this, RemovalReason.CLOSED);
        }
    }

    private boolean linkFromDevice() {
        VhostUserDevice d = device;
        return d != null && d.running() && d.linkUp();
    }

    /** The device's control thread: features negotiated, a front-end came or went, vrings started or stopped. */
    @Override
    public void onStateChange() {
        VhostUserDevice d = device;
        if (d == null) {
            return;
        }
        PortInfo i = info();
        if (i.features() != d.features()) {
            updateInfo(i.withFeatures(d.features()));
        }
        if (state() == PortState.STARTED) {
            setLinkUp(linkFromDevice());
        }
    }

    // ------------------------------------------------------------------ data path

    @Override
    protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
        return device.guestTransmit(queue, pkts, offset, max, pool, id(), counters);
    }

    @Override
    protected int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters) {
        return device.guestReceive(queue, pkts, offset, count, counters);
    }

    @Override
    protected void addXstats(Map<String, Long> x) {
        VhostUserDevice d = device;
        if (d != null) {
            d.addXstats(x);
        }
    }
}

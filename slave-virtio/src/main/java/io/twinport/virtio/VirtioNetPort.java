package io.twinport.virtio;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.mem.SharedMemory;
import io.twinport.policy.MacAddress;
import io.twinport.port.AbstractPort;
import io.twinport.port.DeviceIdentity;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.QueueCounters;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.virtq.Virtq;
import io.twinport.virtio.virtq.VirtqDescriptor;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_EVENT_IDX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_VERSION_1;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_MAC_ADDR;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_RX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_VQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_GUEST_ANNOUNCE;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MAC;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STATUS;

/**
 * The virtio-net driver as a {@link io.twinport.port.Port} (driver name {@value #DRIVER}): feature negotiation when
 * it is created (so {@link #info()} carries the negotiated word, STANDBY included, from the start), split
 * virtqueues in a shared-memory region of their own next to the packet pool's, RX and TX bursts straight on the
 * rings, the control queue for queue pairs, receive modes and the MAC.
 *
 * <ul>
 *   <li>Queue pair {@code q} is receiveq {@code 2q} and transmitq {@code 2q+1}; the control queue is
 *       {@code 2 x max_virtqueue_pairs} (5.1.2).</li>
 *   <li>Link: up while started and the config space says VIRTIO_NET_S_LINK_UP (with STATUS negotiated; the
 *       vhost-user device model reports it up while a back-end is connected).</li>
 *   <li>A device that breaks a ring rule, or a back-end that goes away for good (client mode), moves the port to
 *       {@link PortState#REMOVED}, removes it from its registry (SURPRISE) and records {@link #failure()}. The data
 *       path of a failed queue returns 0; {@link #close()} returns every buffer.</li>
 *   <li>{@link #close()} closes the device (the vhost-user connection) and leaves the registry (CLOSED).</li>
 * </ul>
 */
public final class VirtioNetPort extends AbstractPort implements VirtioNetDevice.Listener {
    /** The driver name in {@link PortInfo#driver()}. */
    public static final String DRIVER = "virtio-user";
    /** Size of the control queue. */
    static final int CTRL_QUEUE_SIZE = 16;
    private static final System.Logger LOG = System.getLogger(VirtioNetPort.class.getName());
    private static final int ETHER_OVERHEAD = 14 + 4; // header and one VLAN tag

    private final VirtioNetDevice device;
    private final PacketPool pool;
    private final PortRegistry registry;
    private final long features;
    private final int maxPairs;
    private final int ctrlIndex;

    // ---- control thread; published to the data path by AbstractPort's volatile state write on start
    private SharedMemory rings;
    private Virtq[] vqs = new Virtq[0];
    private VirtioNetRxQueue[] rxq = new VirtioNetRxQueue[0];
    private VirtioNetTxQueue[] txq = new VirtioNetTxQueue[0];
    private VirtioNetCtrlQueue ctrl;
    private int rxInUse;
    private volatile String failure;
    private volatile long announceRequests;

    private VirtioNetPort(PortInfo info, VirtioNetDevice device, PacketPool pool, PortRegistry registry,
                          long features, int maxPairs) {
        super(info);
        this.device = device;
        this.pool = pool;
        this.registry = registry;
        this.features = features;
        this.maxPairs = maxPairs;
        this.ctrlIndex = 2 * maxPairs;
    }

    /**
     * Negotiates features with the device and creates the port (created, not configured), registering it.
     *
     * @param name      the port's name
     * @param device    the device; the port owns it from now on and closes it on failure here
     * @param pool      where receive buffers come from; its memory is handed to the device
     * @param mergeable accept VIRTIO_NET_F_MRG_RXBUF if offered
     * @param registry  where the port is added (and removed if the device fails), or null
     * @return the port
     * @throws PortException naming the port and what the device lacks or refused
     */
    public static VirtioNetPort create(String name, VirtioNetDevice device, PacketPool pool, boolean mergeable,
                                       PortRegistry registry) {
        Objects.requireNonNull(device, "device");
        try {
            long offered = device.deviceFeatures();
            if ((offered & VIRTIO_F_VERSION_1) == 0) {
                throw new PortException("port " + name + ": device " + device.name() + " does not offer VERSION_1 "
                        + "(offered " + VirtioNetFeatureBits.describe(offered) + "); legacy devices are not supported");
            }
            if (pool.headroom() < VirtioNetHdrDescriptor.SIZE) {
                throw new PortException("port " + name + ": pool " + pool.name() + " headroom " + pool.headroom()
                        + " cannot hold the " + VirtioNetHdrDescriptor.SIZE + "-byte virtio-net header");
            }
            long features = VirtioNetFeatureBits.negotiate(offered, mergeable);
            try {
                device.setDriverFeatures(features);
            } catch (IllegalArgumentException e) {
                throw new PortException("port " + name + ": " + e.getMessage(), e);
            }
            VirtioNetConfig cfg = device.config();
            MacAddress mac = (features & VIRTIO_NET_F_MAC) != 0 ? cfg.mac() : VirtioUserDevice.derivedMac(name);
            int pairs = (features & VIRTIO_NET_F_MQ) != 0 ? cfg.maxVirtqueuePairs() : 1;
            int maxMtu = pool.bufferSize() - pool.headroom() - ETHER_OVERHEAD;
            PortInfo info = new PortInfo(name, DRIVER, mac, pairs, pairs, VirtqDescriptor.MAX_QUEUE_SIZE, features,
                    68, Math.max(68, maxMtu), new DeviceIdentity(device.name(), null, false));
            VirtioNetPort port = new VirtioNetPort(info, device, pool, registry, features, pairs);
            device.setListener(port);
            if (registry != null) {
                registry.add(port);
            }
            return port;
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /**
     * Opens a virtio-user port: the vhost-user device model, then the driver on it.
     *
     * @param name     the port's name
     * @param options  socket, queues, mode, failover, MAC, ...
     * @param pool     where receive buffers come from
     * @param registry where the port is added, or null
     * @return the port
     */
    public static VirtioNetPort open(String name, VirtioUserOptions options, PacketPool pool,
                                     PortRegistry registry) {
        VirtioUserDevice device;
        try {
            device = VirtioUserDevice.open(options);
        } catch (RuntimeException e) {
            throw new PortException("port " + name + ": " + e.getMessage(), e);
        }
        return create(name, device, pool, options.mergeable(), registry);
    }

    /** @return the device */
    public VirtioNetDevice device() {
        return device;
    }

    /** @return why the port failed (a ring rule the device broke, or the back-end gone), if it did */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    // ------------------------------------------------------------------ control path

    @Override
    protected void doConfigure(PortConfig cfg) {
        int pairs = Math.max(cfg.rxQueues(), cfg.txQueues());
        int size = cfg.ringSize();
        long vqBytes = VirtqDescriptor.bytes(size);
        boolean hasCtrl = (features & VIRTIO_NET_F_CTRL_VQ) != 0;
        long ctrlBytes = VirtqDescriptor.bytes(CTRL_QUEUE_SIZE);
        long total = 2L * pairs * vqBytes + (hasCtrl ? ctrlBytes + VirtioNetCtrlQueue.BUFFER_BYTES : 0);
        SharedMemory m = SharedMemory.create("twinport-rings-" + name(), total);
        boolean eventIdx = (features & VIRTIO_F_EVENT_IDX) != 0;
        boolean mergeable = (features & VIRTIO_NET_F_MRG_RXBUF) != 0;
        try {
            List<Virtq> all = new ArrayList<>();
            VirtioNetRxQueue[] rx = new VirtioNetRxQueue[pairs];
            VirtioNetTxQueue[] tx = new VirtioNetTxQueue[pairs];
            for (int p = 0; p < pairs; p++) {
                Virtq r = new Virtq("rx" + p, 2 * p, size, m.segment().asSlice(2L * p * vqBytes, vqBytes), eventIdx,
                        device.notifier(2 * p));
                Virtq t = new Virtq("tx" + p, 2 * p + 1, size, m.segment().asSlice((2L * p + 1) * vqBytes, vqBytes),
                        eventIdx, device.notifier(2 * p + 1));
                rx[p] = new VirtioNetRxQueue(r, pool, id(), p, mergeable);
                tx[p] = new VirtioNetTxQueue(t, pool);
                all.add(r);
                all.add(t);
            }
            VirtioNetCtrlQueue c = null;
            if (hasCtrl) {
                long at = 2L * pairs * vqBytes;
                Virtq cv = new Virtq("ctrl", ctrlIndex, CTRL_QUEUE_SIZE, m.segment().asSlice(at, ctrlBytes),
                        eventIdx, device.notifier(ctrlIndex));
                c = new VirtioNetCtrlQueue(name(), cv, m.segment().asSlice(at + ctrlBytes,
                        VirtioNetCtrlQueue.BUFFER_BYTES));
                all.add(cv);
            }
            SharedMemory old = rings;
            rings = m;
            vqs = all.toArray(new Virtq[0]);
            rxq = rx;
            txq = tx;
            ctrl = c;
            rxInUse = cfg.rxQueues();
            if (old != null) {
                old.close();
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    protected void doStart() {
        if (failure != null) {
            throw new PortException("port " + name() + ": the device failed: " + failure);
        }
        PortConfig cfg = config();
        for (Virtq q : vqs) {
            q.reset();
        }
        QueueCounters scratch = new QueueCounters();
        for (int q = 0; q < rxInUse; q++) {
            rxq[q].refill(scratch);
        }
        try {
            device.startQueues(List.of(vqs), List.of(pool.memory(), rings));
            if ((features & VIRTIO_NET_F_MQ) != 0) {
                int pairs = Math.max(cfg.rxQueues(), cfg.txQueues());
                ctrlCommand(VirtioNetCtrl.VIRTIO_NET_CTRL_MQ, VirtioNetCtrl.VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
                        new byte[] {(byte) pairs, (byte) (pairs >>> 8)});
            }
            if ((features & VIRTIO_NET_F_CTRL_RX) != 0) {
                ctrlCommand(VirtioNetCtrl.VIRTIO_NET_CTRL_RX, VirtioNetCtrl.VIRTIO_NET_CTRL_RX_PROMISC,
                        new byte[] {(byte) (cfg.promiscuous() ? 1 : 0)});
                ctrlCommand(VirtioNetCtrl.VIRTIO_NET_CTRL_RX, VirtioNetCtrl.VIRTIO_NET_CTRL_RX_ALLMULTI,
                        new byte[] {(byte) (cfg.allMulticast() ? 1 : 0)});
            }
            if ((features & VIRTIO_NET_F_CTRL_MAC_ADDR) != 0) {
                ctrlCommand(VirtioNetCtrl.VIRTIO_NET_CTRL_MAC, VirtioNetCtrl.VIRTIO_NET_CTRL_MAC_ADDR_SET,
                        mac().toBytes());
            }
        } catch (RuntimeException e) {
            stopDevice();
            throw e;
        }
        setLinkUp(linkFromDevice());
    }

    private void ctrlCommand(int cls, int cmd, byte[] data) {
        int ack = ctrl.command(cls, cmd, data);
        if (ack != VirtioNetCtrl.VIRTIO_NET_OK) {
            throw new PortException("port " + name() + ": device " + device.name() + " refused control command "
                    + VirtioNetCtrl.describe(cls, cmd) + " (ack " + ack + ")");
        }
    }

    private boolean linkFromDevice() {
        if (!device.connected()) {
            return false;
        }
        return (features & VIRTIO_NET_F_STATUS) == 0 || device.config().linkUp();
    }

    @Override
    protected void doStop() {
        if (state() == PortState.REMOVED) {
            return; // markRemoved: the application may still be inside a burst; close() releases the buffers
        }
        stopDevice();
        setLinkUp(false);
    }

    private void stopDevice() {
        device.stopQueues();
        releaseBuffers();
    }

    private void releaseBuffers() {
        for (VirtioNetRxQueue q : rxq) {
            q.releaseAll();
        }
        for (VirtioNetTxQueue q : txq) {
            q.releaseAll();
        }
    }

    @Override
    protected void doClose() {
        device.close();
        releaseBuffers();
        if (rings != null) {
            rings.close();
            rings = null;
        }
        if (registry != null) {
            registry.remove(this, RemovalReason.CLOSED); // false if it already left (REMOVED)
        }
    }

    // ------------------------------------------------------------------ device events (monitor thread)

    @Override
    public synchronized void onLinkChange(boolean up) {
        if (state() == PortState.STARTED) {
            setLinkUp(up && linkFromDevice());
        }
    }

    /**
     * The device asks the driver to announce itself (VIRTIO_NET_S_ANNOUNCE with GUEST_ANNOUNCE, 5.1.6.5.3): counted
     * ({@code announce_requests}), acknowledged on the control queue and posted as
     * {@link io.twinport.port.PortEventType#ANNOUNCE_REQUESTED}. Sending the gratuitous frames is the business of
     * whoever owns the port (a failover port announces on its active member, which may be another port).
     */
    @Override
    public synchronized void onConfigChange() {
        if (state() != PortState.STARTED || (features & VIRTIO_NET_F_GUEST_ANNOUNCE) == 0 || ctrl == null
                || !device.config().announce()) {
            return;
        }
        announceRequests++;
        ctrlCommand(VirtioNetCtrl.VIRTIO_NET_CTRL_ANNOUNCE, VirtioNetCtrl.VIRTIO_NET_CTRL_ANNOUNCE_ACK, new byte[0]);
        postAnnounceRequest();
    }

    @Override
    public void onFailure(String reason) {
        failure = reason;
        LOG.log(Level.ERROR, "port " + name() + " failed: " + reason);
        markRemoved();
        if (registry != null) {
            registry.remove(this, RemovalReason.SURPRISE);
        }
    }

    // ------------------------------------------------------------------ data path

    @Override
    protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
        return rxq[queue].receive(pkts, offset, max, counters);
    }

    @Override
    protected int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters) {
        return txq[queue].transmit(pkts, offset, count, counters);
    }

    // ------------------------------------------------------------------ counters

    @Override
    protected void addXstats(Map<String, Long> x) {
        VirtioNetRxQueue[] rx = rxq;
        VirtioNetTxQueue[] tx = txq;
        for (int q = 0; q < rx.length; q++) {
            x.put("rx_q" + q + "_merged_dropped", rx[q].mergedDropped());
            x.put("rx_q" + q + "_empty_dropped", rx[q].emptyDropped());
        }
        for (int q = 0; q < tx.length; q++) {
            x.put("tx_q" + q + "_copied", tx[q].copied());
        }
        for (Virtq v : vqs) {
            x.put(v.name() + "_kicks", v.kicks());
            x.put(v.name() + "_kicks_suppressed", v.suppressedKicks());
        }
        if (device instanceof VirtioUserDevice d) {
            x.put("ctrl_commands", d.ctrlCommands());
            x.put("vhost_reconnects", d.reconnects());
            x.put("failed_kicks", d.failedKicks());
        }
        x.put("announce_requests", announceRequests);
        x.put("features", features);
    }
}

package io.twinport.virtio;

import io.twinport.mem.SharedMemory;
import io.twinport.policy.MacAddress;
import io.twinport.sys.SyscallException;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.sys.UnixSocket;
import io.twinport.virtio.vhost.VhostUserChannel;
import io.twinport.virtio.vhost.VhostUserException;
import io.twinport.virtio.vhost.VhostUserFrontend;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserMessageDescriptor;
import io.twinport.virtio.vhost.VhostUserProtocolFeature;
import io.twinport.virtio.virtq.DeviceVirtq;
import io.twinport.virtio.virtq.Notifier;
import io.twinport.virtio.virtq.Virtq;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

import static io.twinport.virtio.VirtioNetFeatureBits.VHOST_USER_F_PROTOCOL_FEATURES;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_EVENT_IDX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_VERSION_1;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_MAC_ADDR;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_RX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_CTRL_VQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_GUEST_ANNOUNCE;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MAC;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STATUS;

/**
 * A virtio-net device whose data path is a vhost-user back-end: the part QEMU plays for a guest with
 * {@code -netdev vhost-user} and {@code virtio-net-pci} (and what DPDK's virtio-user does inside one process). The
 * back-end moves packets through the driver's virtqueues; this class owns everything else of the device:
 *
 * <ul>
 *   <li>the offered features: the back-end's data-path features (VERSION_1, MRG_RXBUF, EVENT_IDX, MQ,
 *       GUEST_ANNOUNCE) plus what this model implements itself: MAC, STATUS, CTRL_VQ, CTRL_RX, CTRL_MAC_ADDR, and
 *       STANDBY when {@code failover=on} (QEMU's {@code virtio-net-pci,failover=on});</li>
 *   <li>the config space: the MAC (the option, else the back-end's config space with PROTOCOL_F_CONFIG, else one
 *       derived from the socket path), the status (LINK_UP while a back-end is connected), max_virtqueue_pairs;</li>
 *   <li>the control queue, processed here when the driver kicks it (5.1.6.5): RX modes and the MAC are recorded,
 *       ANNOUNCE_ACK clears the announce bit, MQ VQ_PAIRS_SET enables vrings with SET_VRING_ENABLE;</li>
 *   <li>the vhost-user session (client: connect; server: listen, and accept the back-end again after it
 *       restarts, resuming every ring at its used index).</li>
 * </ul>
 *
 * A monitor thread watches the connection and the queues' fault state; what it finds goes to the
 * {@link VirtioNetDevice.Listener} without any lock of this device held.
 */
public final class VirtioUserDevice implements VirtioNetDevice {
    private static final System.Logger LOG = System.getLogger(VirtioUserDevice.class.getName());
    private static final long MONITOR_TICK_NANOS = 20_000_000L;
    private static final int ACCEPT_TICK_MILLIS = 20;
    /** Data-path features the back-end implements and the model passes through. */
    private static final long BACKEND_FEATURES = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_F_EVENT_IDX
            | VIRTIO_NET_F_MQ | VIRTIO_NET_F_GUEST_ANNOUNCE;
    /** Protocol features this front-end uses. */
    private static final long PROTOCOL_FEATURES = VhostUserProtocolFeature.MQ.mask()
            | VhostUserProtocolFeature.REPLY_ACK.mask() | VhostUserProtocolFeature.CONFIG.mask()
            | VhostUserProtocolFeature.BACKEND_REQ.mask();
    /** Device-model features that pass to the back-end when it offers them itself (a failover-aware back-end). */
    private static final long MODEL_FROM_BACKEND = VIRTIO_NET_F_STANDBY | VIRTIO_NET_F_MAC;
    /** VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, a request on the back-end channel (vhost-user.rst). */
    private static final int BACKEND_CONFIG_CHANGE_MSG = 2;

    private final VirtioUserOptions options;
    private final String name;
    private final UnixSocket listenSocket;
    private final long deviceFeatures;
    private final MacAddress mac;
    private final int maxPairs;
    private final int ctrlIndex;
    private final EventFd[] kick;
    private final EventFd[] call;

    // ---- guarded by this
    private VhostUserFrontend fe;
    private long backendFeatures;
    private long protocolFeatures;
    private long driverFeatures;
    private int status;
    private List<Virtq> dataQueues = List.of();
    private List<SharedMemory> memory = List.of();
    private DeviceVirtq ctrl;
    private Virtq ctrlQueue;
    private int activePairs = 1;
    private boolean promiscuous;
    private boolean allMulticast;
    private MacAddress activeMac;
    private UnixSocket backendChannel;
    private boolean backendLinkDown;
    private long configChanges;
    private long ctrlCommands;
    private long reconnects;
    private String failure;

    private volatile Listener listener = new Listener() {
        @Override
        public void onLinkChange(boolean up) {
        }

        @Override
        public void onFailure(String reason) {
        }
    };
    // close() and the monitor meet through these two volatiles (Dekker): either the monitor sees closing before it
    // calls the listener, or close() sees inCallback and does not wait for a monitor that may be blocked on the
    // listener's (the port's) lock, which close()'s caller holds.
    private volatile boolean closing;
    private volatile boolean inCallback;
    private final Thread monitor;

    private VirtioUserDevice(VirtioUserOptions options, UnixSocket listenSocket, VhostUserFrontend first) {
        this.options = options;
        this.name = options.path();
        this.listenSocket = listenSocket;
        this.fe = first;
        negotiate(first);
        this.maxPairs = options.queues();
        this.mac = options.mac() != null ? options.mac() : configMac(first);
        this.activeMac = mac;
        // STANDBY: the port option (QEMU's failover=on), or a back-end that offers STANDBY with a MAC itself
        boolean standby = options.failover() || (backendFeatures & MODEL_FROM_BACKEND) == MODEL_FROM_BACKEND;
        long model = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_CTRL_VQ | VIRTIO_NET_F_CTRL_RX
                | VIRTIO_NET_F_CTRL_MAC_ADDR | (standby ? VIRTIO_NET_F_STANDBY : 0);
        long fromBackend = backendFeatures & BACKEND_FEATURES & (maxPairs > 1 ? -1L : ~VIRTIO_NET_F_MQ);
        if (maxPairs > 1) {
            model |= VIRTIO_NET_F_MQ;
        }
        // GUEST_ANNOUNCE is the driver's promise to announce itself; the model can ask for it either way
        this.deviceFeatures = fromBackend | model | VIRTIO_NET_F_GUEST_ANNOUNCE;
        this.ctrlIndex = 2 * maxPairs;
        this.kick = new EventFd[2 * maxPairs];
        this.call = new EventFd[2 * maxPairs];
        try {
            for (int i = 0; i < kick.length; i++) {
                kick[i] = EventFd.create();
                call[i] = EventFd.create();
            }
        } catch (RuntimeException e) {
            closeEventFds();
            throw e;
        }
        boolean up = backendLink(first); // may set ANNOUNCE, if the back-end asks for it already
        this.backendLinkDown = !up;
        this.status |= up ? VirtioNetConfig.VIRTIO_NET_S_LINK_UP : 0;
        this.monitor = Thread.ofPlatform().daemon(true).name("virtio-user-monitor " + name).unstarted(this::monitor);
    }

    /**
     * Opens the device: connects to the back-end (client) or waits for it to connect (server), and negotiates the
     * vhost-user session (SET_OWNER, GET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_CONFIG).
     *
     * @param options the port's options
     * @return the device
     * @throws VhostUserException naming the socket and what failed
     */
    public static VirtioUserDevice open(VirtioUserOptions options) {
        UnixSocket listen = null;
        VhostUserFrontend first = null;
        try {
            if (options.server()) {
                UnixSocket.unlink(options.path());
                listen = UnixSocket.listen(options.path(), 1);
                UnixSocket s = listen.accept(options.connectTimeoutMillis());
                if (s == null) {
                    throw new VhostUserException("vhost-user " + options.path() + ": no back-end connected within "
                            + options.connectTimeoutMillis() + " ms (server mode)");
                }
                first = new VhostUserFrontend(new VhostUserChannel(s, options.path()), options.replyTimeoutMillis());
            } else {
                first = VhostUserFrontend.connect(options.path(), options.connectTimeoutMillis(),
                        options.replyTimeoutMillis());
            }
            VirtioUserDevice d = new VirtioUserDevice(options, listen, first);
            d.monitor.start();
            return d;
        } catch (RuntimeException e) {
            if (first != null) {
                first.close();
            }
            if (listen != null) {
                listen.close();
                UnixSocket.unlink(options.path());
            }
            if (e instanceof VhostUserException || e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new VhostUserException("vhost-user " + options.path() + ": " + e.getMessage(), e);
        }
    }

    /** Negotiates the session on a new connection; sets backendFeatures and protocolFeatures. */
    private void negotiate(VhostUserFrontend f) {
        f.setOwner();
        long offered = f.getFeatures();
        long proto = 0;
        int queueNum = 1;
        if ((offered & VHOST_USER_F_PROTOCOL_FEATURES) != 0) {
            proto = f.getProtocolFeatures() & PROTOCOL_FEATURES;
            f.setProtocolFeatures(proto);
            if (VhostUserProtocolFeature.MQ.in(proto)) {
                long n = f.getQueueNum();
                queueNum = (int) Math.min(n, Integer.MAX_VALUE);
            }
        }
        if (options.queues() > queueNum) {
            throw new VhostUserException("vhost-user " + name + ": queues=" + options.queues()
                    + " but the back-end supports " + queueNum + " queue pair(s)"
                    + (VhostUserProtocolFeature.MQ.in(proto) ? " (GET_QUEUE_NUM)" : " (no PROTOCOL_F_MQ)"));
        }
        this.backendFeatures = offered;
        this.protocolFeatures = proto;
        if (backendChannel != null) {
            backendChannel.close();
            backendChannel = null;
        }
        if (VhostUserProtocolFeature.BACKEND_REQ.in(proto)) {
            UnixSocket[] pair = UnixSocket.pair("vhost-user " + name + " backend-req");
            try {
                f.setBackendReqFd(pair[1].fd());
            } catch (RuntimeException e) {
                pair[0].close();
                throw e;
            } finally {
                pair[1].close(); // the back-end has its copy
            }
            backendChannel = pair[0];
        }
    }

    /**
     * Reads the back-end's link (the status field of its config space), when it offers STATUS and CONFIG.
     *
     * @return false only if the back-end says its link is down
     */
    private boolean backendLink(VhostUserFrontend f) {
        if (!VhostUserProtocolFeature.CONFIG.in(protocolFeatures) || (backendFeatures & VIRTIO_NET_F_STATUS) == 0) {
            return true;
        }
        try {
            byte[] c = f.getConfig(VirtioNetConfig.MAC_OFFSET, VirtioNetConfig.MAX_VIRTQUEUE_PAIRS_OFFSET);
            int st = (c[VirtioNetConfig.STATUS_OFFSET] & 0xFF) | (c[VirtioNetConfig.STATUS_OFFSET + 1] & 0xFF) << 8;
            if ((st & VirtioNetConfig.VIRTIO_NET_S_ANNOUNCE) != 0) {
                status |= VirtioNetConfig.VIRTIO_NET_S_ANNOUNCE;
            }
            return (st & VirtioNetConfig.VIRTIO_NET_S_LINK_UP) != 0;
        } catch (VhostUserException e) {
            LOG.log(Level.WARNING, "vhost-user " + name + ": GET_CONFIG for the status failed: " + e.getMessage());
            return true;
        }
    }

    private MacAddress configMac(VhostUserFrontend f) {
        if (VhostUserProtocolFeature.CONFIG.in(protocolFeatures) && (backendFeatures & VIRTIO_NET_F_MAC) != 0) {
            try {
                MacAddress m = MacAddress.fromBytes(f.getConfig(VirtioNetConfig.MAC_OFFSET, 6));
                if (!m.isZero() && !m.isMulticast()) {
                    return m;
                }
            } catch (VhostUserException e) {
                LOG.log(Level.WARNING, "vhost-user " + name + ": GET_CONFIG for the MAC failed, deriving one: "
                        + e.getMessage());
            }
        }
        return derivedMac(name);
    }

    /**
     * @param path a socket path
     * @return a locally administered MAC derived from the path, stable across restarts: 02:74:70 + 3 hash bytes
     */
    public static MacAddress derivedMac(String path) {
        int h = 0x811C9DC5;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x01000193;
        }
        return MacAddress.fromLong(0x02_74_70_00_00_00L | (h & 0xFF_FFFFL));
    }

    // ------------------------------------------------------------------ VirtioNetDevice

    @Override
    public String name() {
        return name;
    }

    @Override
    public long deviceFeatures() {
        return deviceFeatures;
    }

    @Override
    public synchronized void setDriverFeatures(long features) {
        long extra = features & ~deviceFeatures;
        if (extra != 0) {
            throw new IllegalArgumentException("virtio-user " + name + ": FEATURES_OK refused: the driver acked "
                    + VirtioNetFeatureBits.describe(extra) + ", which the device did not offer");
        }
        if ((features & VIRTIO_F_VERSION_1) == 0) {
            throw new IllegalArgumentException("virtio-user " + name + ": FEATURES_OK refused: VERSION_1 is "
                    + "required (no legacy interface)");
        }
        this.driverFeatures = features;
    }

    @Override
    public synchronized VirtioNetConfig config() {
        return new VirtioNetConfig(mac, status, maxPairs);
    }

    @Override
    public Notifier notifier(int queueIndex) {
        if (queueIndex == ctrlIndex) {
            return this::processCtrl;
        }
        if (queueIndex < 0 || queueIndex >= kick.length) {
            throw new IllegalArgumentException("virtio-user " + name + ": no virtqueue " + queueIndex + " (max "
                    + maxPairs + " pairs, control queue " + ctrlIndex + ")");
        }
        return kick[queueIndex]::signal;
    }

    /** @return the control queue's virtqueue index: 2 x max_virtqueue_pairs (5.1.2) */
    public int ctrlIndex() {
        return ctrlIndex;
    }

    /**
     * @return the features acknowledged to the back-end with SET_FEATURES: the data-path features the driver took,
     *         STANDBY and MAC when the back-end offered them itself, and bit 30
     */
    public synchronized long backendAckFeatures() {
        return (driverFeatures & backendFeatures & (BACKEND_FEATURES | MODEL_FROM_BACKEND))
                | (backendFeatures & VHOST_USER_F_PROTOCOL_FEATURES);
    }

    /** @return the protocol features negotiated with the current back-end */
    public synchronized long protocolFeatures() {
        return protocolFeatures;
    }

    @Override
    public void setListener(Listener l) {
        this.listener = Objects.requireNonNull(l, "listener");
    }

    @Override
    public synchronized boolean connected() {
        return fe != null;
    }

    @Override
    public synchronized void startQueues(List<Virtq> queues, List<SharedMemory> regions) {
        List<Virtq> data = new ArrayList<>();
        Virtq c = null;
        for (Virtq q : queues) {
            if (q.index() == ctrlIndex) {
                c = q;
            } else if (q.index() >= 0 && q.index() < kick.length) {
                data.add(q);
            } else {
                throw new IllegalArgumentException("virtio-user " + name + ": no virtqueue " + q.index());
            }
        }
        this.dataQueues = List.copyOf(data);
        this.memory = List.copyOf(regions);
        this.ctrlQueue = c;
        this.ctrl = c == null ? null : new DeviceVirtq("ctrl", c.size(), c.descAddress(), c.availAddress(),
                c.usedAddress(), regions);
        this.activePairs = 1;
        if (fe != null) {
            try {
                pushQueues(fe);
            } catch (VhostUserException e) {
                dropConnection();
                throw e;
            }
        }
    }

    /** DRIVER_OK on the back-end: features, memory, then each vring, resumed at its used index. */
    private void pushQueues(VhostUserFrontend f) {
        f.setFeatures(backendAckFeatures());
        List<VhostUserFrontend.MemoryRegion> regions = new ArrayList<>();
        for (SharedMemory m : memory) {
            regions.add(VhostUserFrontend.MemoryRegion.of(m));
        }
        f.setMemTable(regions);
        for (Virtq q : dataQueues) {
            int i = q.index();
            f.setVringCall(i, call[i].fd());
            f.setVringNum(i, q.size());
            // a fresh ring's used.idx is 0; after a back-end restart it is where the old back-end stopped
            f.setVringBase(i, q.deviceUsedIdx());
            f.setVringAddr(i, q.descAddress(), q.usedAddress(), q.availAddress());
            f.setVringKick(i, kick[i].fd());
        }
        applyPairs(f);
    }

    private void applyPairs(VhostUserFrontend f) {
        if ((backendFeatures & VHOST_USER_F_PROTOCOL_FEATURES) == 0) {
            return; // rings start enabled ("Ring states")
        }
        for (Virtq q : dataQueues) {
            f.setVringEnable(q.index(), q.index() / 2 < activePairs);
        }
    }

    @Override
    public synchronized void stopQueues() {
        VhostUserFrontend f = fe;
        if (f != null) {
            try {
                boolean proto = (backendFeatures & VHOST_USER_F_PROTOCOL_FEATURES) != 0;
                for (Virtq q : dataQueues) {
                    if (proto) {
                        f.setVringEnable(q.index(), false);
                    }
                    f.getVringBase(q.index());
                }
            } catch (VhostUserException e) {
                LOG.log(Level.WARNING, "vhost-user " + name + ": stopping the rings failed, dropping the "
                        + "connection: " + e.getMessage());
                dropConnection();
            }
        }
        dataQueues = List.of();
        memory = List.of();
        ctrl = null;
        ctrlQueue = null;
        activePairs = 1;
    }

    // ------------------------------------------------------------------ the control queue (5.1.6.5)

    private void processCtrl() {
        synchronized (this) {
            DeviceVirtq q = ctrl;
            if (q == null) {
                return;
            }
            try {
                int head;
                while ((head = q.nextAvail()) >= 0) {
                    List<DeviceVirtq.Buffer> chain = q.chain(head);
                    DeviceVirtq.Buffer last = chain.getLast();
                    if (chain.size() < 2 || !last.writable() || last.memory().byteSize() < 1
                            || chain.getFirst().writable() || chain.getFirst().memory().byteSize() < 2) {
                        throw new DeviceVirtq.ChainException("control queue: a command needs a readable "
                                + "class/command buffer and a writable ack byte");
                    }
                    int cls = chain.getFirst().memory().get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
                    int cmd = chain.getFirst().memory().get(ValueLayout.JAVA_BYTE, 1) & 0xFF;
                    MemorySegment data = chain.size() > 2 ? chain.get(1).memory() : MemorySegment.NULL;
                    int ack = command(cls, cmd, data);
                    last.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) ack);
                    q.pushUsed(head, 1);
                    ctrlCommands++;
                }
            } catch (DeviceVirtq.ChainException e) {
                failure = "virtio-user " + name + ": " + e.getMessage();
                ctrl = null;
            }
        }
    }

    private int command(int cls, int cmd, MemorySegment data) {
        switch (cls) {
            case VirtioNetCtrl.VIRTIO_NET_CTRL_RX -> {
                if (data.byteSize() < 1 || (driverFeatures & VIRTIO_NET_F_CTRL_RX) == 0) {
                    return VirtioNetCtrl.VIRTIO_NET_ERR;
                }
                boolean on = data.get(ValueLayout.JAVA_BYTE, 0) != 0;
                if (cmd == VirtioNetCtrl.VIRTIO_NET_CTRL_RX_PROMISC) {
                    promiscuous = on;
                } else if (cmd == VirtioNetCtrl.VIRTIO_NET_CTRL_RX_ALLMULTI) {
                    allMulticast = on;
                } else {
                    return VirtioNetCtrl.VIRTIO_NET_ERR;
                }
                // a vhost-user net back-end has no receive filter to program: it delivers everything
                return VirtioNetCtrl.VIRTIO_NET_OK;
            }
            case VirtioNetCtrl.VIRTIO_NET_CTRL_MAC -> {
                if (cmd != VirtioNetCtrl.VIRTIO_NET_CTRL_MAC_ADDR_SET || data.byteSize() < 6
                        || (driverFeatures & VIRTIO_NET_F_CTRL_MAC_ADDR) == 0) {
                    return VirtioNetCtrl.VIRTIO_NET_ERR;
                }
                activeMac = MacAddress.fromBytes(data.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE));
                return VirtioNetCtrl.VIRTIO_NET_OK;
            }
            case VirtioNetCtrl.VIRTIO_NET_CTRL_ANNOUNCE -> {
                if (cmd != VirtioNetCtrl.VIRTIO_NET_CTRL_ANNOUNCE_ACK
                        || (driverFeatures & VIRTIO_NET_F_GUEST_ANNOUNCE) == 0) {
                    return VirtioNetCtrl.VIRTIO_NET_ERR;
                }
                status &= ~VirtioNetConfig.VIRTIO_NET_S_ANNOUNCE;
                return VirtioNetCtrl.VIRTIO_NET_OK;
            }
            case VirtioNetCtrl.VIRTIO_NET_CTRL_MQ -> {
                if (cmd != VirtioNetCtrl.VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || data.byteSize() < 2
                        || (driverFeatures & VIRTIO_NET_F_MQ) == 0) {
                    return VirtioNetCtrl.VIRTIO_NET_ERR;
                }
                int pairs = data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) & 0xFFFF;
                if (pairs < VirtioNetCtrl.VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > maxPairs) {
                    return VirtioNetCtrl.VIRTIO_NET_ERR;
                }
                activePairs = pairs;
                if (fe != null) {
                    try {
                        applyPairs(fe);
                    } catch (VhostUserException e) {
                        LOG.log(Level.WARNING, "vhost-user " + name + ": SET_VRING_ENABLE failed: " + e.getMessage());
                        dropConnection();
                        return VirtioNetCtrl.VIRTIO_NET_ERR;
                    }
                }
                return VirtioNetCtrl.VIRTIO_NET_OK;
            }
            default -> {
                return VirtioNetCtrl.VIRTIO_NET_ERR;
            }
        }
    }

    /**
     * Sets VIRTIO_NET_S_ANNOUNCE in the status and signals a config change, as a host does after migrating the
     * device (5.1.6.5.3); the driver acks with VIRTIO_NET_CTRL_ANNOUNCE_ACK, which clears the bit. Control path;
     * the listener is called on this thread, without this device's lock.
     */
    public void requestAnnounce() {
        synchronized (this) {
            status |= VirtioNetConfig.VIRTIO_NET_S_ANNOUNCE;
        }
        listener.onConfigChange();
    }

    /** @return true in promiscuous mode (the driver's last RX PROMISC command) */
    public synchronized boolean promiscuous() {
        return promiscuous;
    }

    /** @return true in all-multicast mode */
    public synchronized boolean allMulticast() {
        return allMulticast;
    }

    /** @return the MAC the driver set with MAC ADDR_SET, else the config space's */
    public synchronized MacAddress activeMac() {
        return activeMac;
    }

    /** @return queue pairs in use (MQ VQ_PAIRS_SET) */
    public synchronized int activePairs() {
        return activePairs;
    }

    /** @return control commands processed */
    public synchronized long ctrlCommands() {
        return ctrlCommands;
    }

    /** @return back-ends accepted again after a disconnect (server mode) */
    public synchronized long reconnects() {
        return reconnects;
    }

    /** @return kicks whose eventfd write failed, over every vring */
    public long failedKicks() {
        long n = 0;
        for (EventFd e : kick) {
            n += e.failedSignals();
        }
        return n;
    }

    // ------------------------------------------------------------------ connection

    private void dropConnection() {
        VhostUserFrontend f = fe;
        fe = null;
        status &= ~VirtioNetConfig.VIRTIO_NET_S_LINK_UP;
        if (backendChannel != null) {
            backendChannel.close();
            backendChannel = null;
        }
        if (f != null) {
            f.close();
        }
    }

    private void monitor() {
        while (!closing) {
            String failed = null;
            boolean lost = false;
            boolean back = false;
            synchronized (this) {
                if (failure != null) {
                    failed = failure;
                } else {
                    for (Virtq q : dataQueues) {
                        if (q.fault() != null) {
                            failed = q.faultMessage() + " (device " + name + ")";
                            break;
                        }
                    }
                    if (failed == null && ctrlQueue != null && ctrlQueue.fault() != null) {
                        failed = ctrlQueue.faultMessage();
                    }
                }
                if (failed != null) {
                    // vhost-user.rst: a front-end that gets a wrong answer closes the connection
                    dropConnection();
                } else if (fe != null && peerGoneQuietly(fe)) {
                    dropConnection();
                    lost = true;
                }
            }
            if (failed == null && !lost && backendRequests()) {
                boolean up;
                synchronized (this) {
                    up = (status & VirtioNetConfig.VIRTIO_NET_S_LINK_UP) != 0;
                }
                if (!callback(() -> {
                    listener.onLinkChange(up);
                    listener.onConfigChange();
                })) {
                    return;
                }
            }
            if (failed != null) {
                String why = failed;
                callback(() -> {
                    listener.onLinkChange(false);
                    listener.onFailure(why);
                });
                return;
            }
            if (lost) {
                if (!callback(() -> listener.onLinkChange(false))) {
                    return;
                }
                if (listenSocket == null) {
                    callback(() -> listener.onFailure("vhost-user " + name + ": the back-end closed the connection"));
                    return;
                }
                LOG.log(Level.INFO, "vhost-user " + name + ": the back-end went away; waiting for it to reconnect");
            }
            if (listenSocket != null && !connected()) {
                back = acceptAgain();
                if (back && !callback(() -> listener.onLinkChange(true))) {
                    return;
                }
            } else {
                LockSupport.parkNanos(this, MONITOR_TICK_NANOS);
            }
        }
    }

    /**
     * Serves the back-end request channel (PROTOCOL_F_BACKEND_REQ): on BACKEND_CONFIG_CHANGE_MSG, reads the
     * back-end's config space again (its link and ANNOUNCE) and updates the model's status.
     *
     * @return true if the config changed and the driver must be told
     */
    private boolean backendRequests() {
        synchronized (this) {
            UnixSocket b = backendChannel;
            if (b == null || fe == null) {
                return false;
            }
            boolean changed = false;
            try {
                while ((b.poll(UnixSocket.POLLIN, 0) & (UnixSocket.POLLIN | UnixSocket.POLLHUP)) != 0) {
                    VhostUserMessage m = new VhostUserChannel(b, name + " backend-req").receive(
                            options.replyTimeoutMillis(), "a back-end request");
                    UnixSocket.closeAll(m.fds());
                    boolean ok = m.request() == BACKEND_CONFIG_CHANGE_MSG;
                    if (ok) {
                        configChanges++;
                        backendLinkDown = !backendLink(fe);
                        if (backendLinkDown) {
                            status &= ~VirtioNetConfig.VIRTIO_NET_S_LINK_UP;
                        } else {
                            status |= VirtioNetConfig.VIRTIO_NET_S_LINK_UP;
                        }
                        changed = true;
                    } else {
                        LOG.log(Level.WARNING, "vhost-user " + name + ": back-end request " + m.request()
                                + " not supported; refused");
                    }
                    if ((m.flags() & VhostUserMessageDescriptor.NEED_REPLY_MASK) != 0) {
                        b.send(new VhostUserMessage(m.request(), VhostUserMessageDescriptor.VERSION
                                | VhostUserMessageDescriptor.REPLY_MASK, VhostUserMessage.u64(ok ? 0 : 1), null)
                                .encode(), new int[0]);
                    }
                }
            } catch (VhostUserException | SyscallException e) {
                LOG.log(Level.WARNING, "vhost-user " + name + ": the back-end request channel failed, closing it: "
                        + e.getMessage());
                backendChannel = null;
                b.close();
            }
            return changed;
        }
    }

    /** @return config changes the back-end signalled (BACKEND_CONFIG_CHANGE_MSG) */
    public synchronized long configChanges() {
        return configChanges;
    }

    /**
     * Calls the listener unless the device is closing.
     *
     * @return false if the device is closing: the monitor must stop touching anything
     */
    private boolean callback(Runnable call) {
        // volatile write, then volatile read: pairs with close() writing closing, then reading inCallback
        inCallback = true;
        try {
            if (closing) {
                return false;
            }
            call.run();
            return !closing;
        } finally {
            inCallback = false;
        }
    }

    private static boolean peerGoneQuietly(VhostUserFrontend f) {
        try {
            return f.channel().peerGone();
        } catch (SyscallException e) {
            return true;
        }
    }

    /** Server mode: accepts a back-end, negotiates again and resumes the rings; false if none came. */
    private boolean acceptAgain() {
        UnixSocket s;
        try {
            if (closing) {
                return false; // close() waits for this thread before it closes the listening socket
            }
            s = listenSocket.accept(ACCEPT_TICK_MILLIS);
        } catch (SyscallException e) {
            if (!closing) {
                LOG.log(Level.WARNING, "vhost-user " + name + ": accept failed: " + e.getMessage());
                LockSupport.parkNanos(this, MONITOR_TICK_NANOS);
            }
            return false;
        }
        if (s == null) {
            return false;
        }
        VhostUserFrontend f = new VhostUserFrontend(new VhostUserChannel(s, name), options.replyTimeoutMillis());
        synchronized (this) {
            if (closing) {
                f.close();
                return false;
            }
            try {
                long ackedBefore = backendAckFeatures() & ~VHOST_USER_F_PROTOCOL_FEATURES;
                negotiate(f);
                long missing = ackedBefore & ~backendFeatures;
                if (missing != 0) {
                    throw new VhostUserException("vhost-user " + name + ": the back-end that reconnected lacks "
                            + VirtioNetFeatureBits.describe(missing) + ", negotiated before");
                }
                if (!dataQueues.isEmpty()) {
                    pushQueues(f);
                }
                fe = f;
                backendLinkDown = !backendLink(f);
                if (!backendLinkDown) {
                    status |= VirtioNetConfig.VIRTIO_NET_S_LINK_UP;
                }
                reconnects++;
                LOG.log(Level.INFO, "vhost-user " + name + ": back-end reconnected; rings resumed");
                return true;
            } catch (VhostUserException e) {
                LOG.log(Level.WARNING, "vhost-user " + name + ": the back-end that connected failed: "
                        + e.getMessage());
                f.close();
                return false;
            }
        }
    }

    @Override
    public void close() {
        // volatile write, then volatile read: see callback()
        closing = true;
        if (Thread.currentThread() != monitor && monitor.isAlive() && !inCallback) {
            LockSupport.unpark(monitor);
            try {
                monitor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            // server mode: stop listening before the back-end sees the connection go, or a back-end that reconnects
            // at once (a client-mode device does) lands in the dying socket's backlog
            if (listenSocket != null) {
                listenSocket.close();
                try {
                    UnixSocket.unlink(name);
                } catch (SyscallException e) {
                    LOG.log(Level.WARNING, "vhost-user " + name + ": " + e.getMessage());
                }
            }
            dropConnection();
            closeEventFds();
        }
    }

    private void closeEventFds() {
        for (EventFd[] fds : new EventFd[][] {kick, call}) {
            if (fds == null) {
                continue;
            }
            for (EventFd e : fds) {
                if (e != null) {
                    e.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "VirtioUserDevice[" + name + (options.server() ? ", server" : ", client") + ", "
                + (connected() ? "connected" : "disconnected") + "]";
    }
}

package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.QueueCounters;
import io.twinport.sys.Errno;
import io.twinport.sys.SyscallException;
import io.twinport.virtio.VirtioNetConfig;
import io.twinport.virtio.VirtioNetFeatureBits;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.sys.UnixSocket;
import io.twinport.virtio.vhost.VhostUserChannel;
import io.twinport.virtio.vhost.VhostUserException;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserMessageDescriptor;
import io.twinport.virtio.vhost.VhostUserProtocolFeature;
import io.twinport.virtio.vhost.VhostUserRequest;
import io.twinport.virtio.virtq.VirtqDescriptor;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import static io.twinport.virtio.VirtioNetFeatureBits.VHOST_USER_F_PROTOCOL_FEATURES;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_EVENT_IDX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF;

/**
 * A vhost-user device: the back-end (host side) of a virtio-net device, serving one front-end at a time (QEMU, DPDK's
 * {@code net_virtio_user}, or twinport's own driver) on a Unix socket, as DPDK's {@code net_vhost} does. A control
 * thread of its own ({@code vhost-device <iface>}) listens (server) or connects (client, with a bounded backoff,
 * and again after the front-end goes away), and serves the protocol (vhost-user.rst, "Front-end message types"):
 * features, protocol features (MQ, REPLY_ACK, CONFIG, BACKEND_REQ), the memory table, the vrings, the config space.
 * The data path ({@link #guestTransmit}, {@link #guestReceive}) runs on the callers' threads, one per vring.
 *
 * <p><b>Trust.</b> Every message is checked for its header, its size and its descriptors; every region before it is
 * mapped; every ring address when the ring starts; every ring entry on the data path ({@link DeviceRing}). A bad
 * message is a {@linkplain DeviceFault.Scope#DEVICE device fault}: counted, logged, and the connection is closed; a
 * bad ring entry is a {@linkplain DeviceFault.Scope#RING ring fault}: counted, logged by the control thread, and the
 * vring stops until it is set up again. The device then serves the next front-end.
 *
 * <p><b>Memory.</b> A vring runs on the data path through a {@link RingSlot}; before anything the ring points at
 * changes (a new memory table, a stopped ring, a disconnect) the control thread retires it and waits for the grace
 * period, so unmapping the old table can never fault a burst in progress.
 *
 * <p><b>Hand-over.</b> {@link #handOver()} stops every vring and returns where each stopped ({@link VringState}); a
 * device opened with those states ({@link #open(VhostUserDeviceOptions, List, Listener)}) resumes each vring there
 * when the front-end sets it up (it overrides the base of SET_VRING_BASE, logging any difference), so the guest
 * loses and repeats nothing.
 */
public final class VhostUserDevice implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VhostUserDevice.class.getName());
    private static final int POLL_MILLIS = 10;
    private static final int MESSAGE_TIMEOUT_MILLIS = 1_000;
    private static final long GRACE_NANOS = 2_000_000_000L;
    /** VHOST_USER_BACKEND_CONFIG_CHANGE_MSG (vhost-user.rst, "Back-end message types"). */
    public static final int BACKEND_CONFIG_CHANGE_MSG = 2;
    /** The config space this device serves: mac, status, max_virtqueue_pairs. */
    public static final int CONFIG_BYTES = 10;
    /** Protocol features offered. */
    public static final long PROTOCOL_FEATURES = VhostUserProtocolFeature.MQ.mask()
            | VhostUserProtocolFeature.REPLY_ACK.mask() | VhostUserProtocolFeature.CONFIG.mask()
            | VhostUserProtocolFeature.BACKEND_REQ.mask();

    /** What the device tells its owner (the port), from the control thread, without the device's lock held. */
    public interface Listener {
        /** The connection, the negotiated features, or the running vrings changed. */
        void onStateChange();
    }

    /** A message the device refuses: the fault, its values, and the sentence. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final DeviceFault fault;

        Refusal(DeviceFault fault, long value, long bound, String context) {
            super(context + ": " + fault.describe(value, bound));
            this.fault = fault;
        }
    }

    /** Control-thread state of one vring. */
    private static final class Vring {
        int num;
        long descAddr;
        long usedAddr;
        long availAddr;
        boolean addrSet;
        int base;
        int usedSeen = -1;
        boolean started;
        boolean enabled;
        boolean everStarted;
        EventFd call;
        EventFd err;
        String reported;
    }

    private final VhostUserDeviceOptions options;
    private final String name;
    private final long offered;
    private final MacAddress mac;
    private final int vringCount;
    private final RingSlot[] slots;
    private final Vring[] vrings;
    private final AtomicLongArray faults = new AtomicLongArray(DeviceFault.values().length);
    private final UnixSocket listenSocket;
    private final Listener listener;
    private final Thread control;

    // ---- guarded by this
    private VhostUserChannel channel;
    private UnixSocket backendReq;
    private long features;
    private boolean featuresSet;
    private long protocol;
    private GuestMemory memory;
    private final List<GuestMemory> leaked = new ArrayList<>();
    private final Map<Integer, VringState> takeOver = new HashMap<>();
    private boolean linkUp = true;
    private boolean announce;
    private boolean handedOver;
    private long backoffMillis = VhostUserDeviceOptions.RECONNECT_MIN_MILLIS;
    private long nextAttemptNanos;
    private String lastFault;
    // ---- read by other threads (stats)
    private volatile long connections;
    private volatile long disconnects;
    private volatile long configChanges;
    private volatile long configChangesSent;
    private volatile long announceRequests;
    private volatile long takenOver;
    private volatile long graceTimeouts;
    private volatile boolean connected;
    private volatile int runningVrings;
    private volatile long negotiated;
    private volatile boolean closing;

    private VhostUserDevice(VhostUserDeviceOptions options, UnixSocket listenSocket, List<VringState> takeOver,
                            Listener listener) {
        this.options = options;
        this.name = options.iface();
        this.offered = options.offeredFeatures();
        this.mac = options.effectiveMac();
        this.vringCount = 2 * options.queues();
        this.slots = new RingSlot[vringCount];
        this.vrings = new Vring[vringCount];
        for (int i = 0; i < vringCount; i++) {
            slots[i] = new RingSlot();
            vrings[i] = new Vring();
        }
        for (VringState s : takeOver) {
            if (s.index() >= vringCount) {
                throw new IllegalArgumentException("vhost " + name + ": take-over state for vring " + s.index()
                        + ", but the device has " + vringCount + " vrings (queues=" + options.queues() + ")");
            }
            this.takeOver.put(s.index(), s);
        }
        this.listenSocket = listenSocket;
        this.listener = listener;
        this.control = Thread.ofPlatform().daemon(true).name("vhost-device " + name).unstarted(this::run);
    }

    /**
     * Opens a device: listens on the socket (server) or starts connecting to it (client), on the device's control
     * thread.
     *
     * @param options  socket, mode, queues, features
     * @param listener told of state changes, or null
     * @return the device
     * @throws SyscallException if the socket cannot be made to listen
     */
    public static VhostUserDevice open(VhostUserDeviceOptions options, Listener listener) {
        return open(options, List.of(), listener);
    }

    /**
     * Opens a device that takes over a guest from another device: each vring named in {@code takeOver} resumes at
     * its {@link VringState#lastAvailIdx()} when the front-end sets it up.
     *
     * @param options  socket, mode, queues, features
     * @param takeOver the states {@link #handOver()} returned on the old device
     * @param listener told of state changes, or null
     * @return the device
     */
    public static VhostUserDevice open(VhostUserDeviceOptions options, List<VringState> takeOver, Listener listener) {
        Objects.requireNonNull(options, "options");
        UnixSocket listen = null;
        if (!options.client()) {
            UnixSocket.unlink(options.iface());
            listen = UnixSocket.listen(options.iface(), 1);
        }
        try {
            VhostUserDevice d = new VhostUserDevice(options, listen, List.copyOf(takeOver),
                    listener == null ? () -> { } : listener);
            d.control.start();
            return d;
        } catch (RuntimeException e) {
            if (listen != null) {
                listen.close();
                UnixSocket.unlink(options.iface());
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ data path

    /**
     * Data path (rxBurst of queue pair {@code q}): frames the guest transmitted on vring {@code 2q+1}.
     *
     * @return frames received into {@code pkts[off..]}
     */
    public int guestTransmit(int q, Packet[] pkts, int off, int max, PacketPool pool, int portId, QueueCounters c) {
        RingSlot s = slots[2 * q + 1];
        DeviceRing r = s.enter();
        try {
            return r == null ? 0 : r.dequeue(pkts, off, max, pool, portId, q, c);
        } catch (RuntimeException | InternalError e) {
            r.failExternally(DeviceFault.INTERNAL, 0, 0);
            return 0;
        } finally {
            s.exit();
        }
    }

    /**
     * Data path (txBurst of queue pair {@code q}): delivers frames into the guest's receive vring {@code 2q}.
     *
     * @return frames taken from {@code pkts[off..]}
     */
    public int guestReceive(int q, Packet[] pkts, int off, int count, QueueCounters c) {
        RingSlot s = slots[2 * q];
        DeviceRing r = s.enter();
        try {
            return r == null ? 0 : r.enqueue(pkts, off, count, c);
        } catch (RuntimeException | InternalError e) {
            r.failExternally(DeviceFault.INTERNAL, 0, 0);
            return 0;
        } finally {
            s.exit();
        }
    }

    // ------------------------------------------------------------------ state for the owner

    /** @return the socket path */
    public String name() {
        return name;
    }

    /** @return the options */
    public VhostUserDeviceOptions options() {
        return options;
    }

    /** @return the features offered in GET_FEATURES */
    public long offeredFeatures() {
        return offered;
    }

    /** @return the features the front-end set (SET_FEATURES), bit 30 removed; 0 before */
    public long features() {
        return negotiated;
    }

    /** @return the MAC of the config space */
    public MacAddress mac() {
        return mac;
    }

    /** @return true while a front-end is connected */
    public boolean connected() {
        return connected;
    }

    /** @return true while a front-end is connected and both vrings of queue pair 0 run (the link is up) */
    public boolean running() {
        return connected && slots[0].current() != null && slots[1].current() != null;
    }

    /** @return vrings running now */
    public int runningVrings() {
        return runningVrings;
    }

    /**
     * @param f a fault
     * @return how many times it happened
     */
    public long faultCount(DeviceFault f) {
        return faults.get(f.ordinal());
    }

    /** @return the last fault's sentence, if any */
    public synchronized String lastFault() {
        return lastFault;
    }

    /** @return the device's link as it reports it in the config space */
    public synchronized boolean linkUp() {
        return linkUp;
    }

    /** @return true once {@link #handOver()} ran */
    public synchronized boolean handedOver() {
        return handedOver;
    }

    /**
     * Adds the device's counters to a port's xstats.
     *
     * @param x the map
     */
    public void addXstats(Map<String, Long> x) {
        x.put("vhost_connections", connections);
        x.put("vhost_disconnects", disconnects);
        x.put("vhost_running_vrings", (long) runningVrings);
        x.put("vhost_features", negotiated);
        x.put("config_changes", configChanges);
        x.put("config_changes_signalled", configChangesSent);
        x.put("announce_requests", announceRequests);
        x.put("takeover_vrings", takenOver);
        x.put("grace_timeouts", graceTimeouts);
        long ring = 0;
        long device = 0;
        for (DeviceFault f : DeviceFault.values()) {
            long n = faults.get(f.ordinal());
            x.put(f.xstatName(), n);
            if (f.scope() == DeviceFault.Scope.RING) {
                ring += n;
            } else {
                device += n;
            }
        }
        x.put("ring_faults", ring);
        x.put("device_faults", device);
        for (int i = 0; i < vringCount; i++) {
            DeviceRing r = slots[i].current();
            if (r != null) {
                x.put("vring" + i + "_broken", r.fault() != null ? 1L : 0L);
                x.put("vring" + i + "_calls", r.counter(DeviceRing.CALLS));
                x.put("vring" + i + "_calls_suppressed", r.counter(DeviceRing.CALLS_SUPPRESSED));
                x.put("vring" + i + "_oversize_dropped", r.counter(DeviceRing.OVERSIZE_DROPPED));
                x.put("vring" + i + "_empty_dropped", r.counter(DeviceRing.EMPTY_DROPPED));
            }
        }
    }

    // ------------------------------------------------------------------ host-side requests

    /**
     * Sets or clears VIRTIO_NET_S_LINK_UP in the config space and signals the config change to the front-end
     * (BACKEND_CONFIG_CHANGE_MSG, when BACKEND_REQ was negotiated; otherwise the front-end reads the config space
     * when it wants to).
     *
     * @param up the link state the guest should see
     */
    public void setLinkUp(boolean up) {
        synchronized (this) {
            if (linkUp == up) {
                return;
            }
            linkUp = up;
            configChanged();
        }
        listener.onStateChange();
    }

    /**
     * Sets VIRTIO_NET_S_ANNOUNCE in the config space, as a host does after migrating a guest, and signals the config
     * change; the bit clears once a front-end has read the status (GET_CONFIG).
     */
    public synchronized void requestAnnounce() {
        announce = true;
        announceRequests++;
        configChanged();
    }

    private void configChanged() {
        configChanges++;
        UnixSocket b = backendReq;
        if (b == null || !VhostUserProtocolFeature.BACKEND_REQ.in(protocol)) {
            return;
        }
        try {
            if ((b.poll(UnixSocket.POLLOUT, 100) & UnixSocket.POLLOUT) == 0) {
                LOG.log(Level.WARNING, "vhost " + name + ": the back-end request channel is not writable; config "
                        + "change not signalled");
                return;
            }
            b.send(new VhostUserMessage(BACKEND_CONFIG_CHANGE_MSG, VhostUserMessageDescriptor.VERSION, new byte[0],
                    null).encode(), new int[0]);
            configChangesSent++;
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "vhost " + name + ": BACKEND_CONFIG_CHANGE_MSG failed, closing the back-end request "
                    + "channel: " + e.getMessage());
            backendReq = null;
            b.close();
        }
    }

    /**
     * Stops every vring, closes the connection and returns where each vring stopped, for a device that takes the
     * guest over. The device then stays idle (it neither accepts nor reconnects) until it is closed.
     *
     * @return one state per vring that was ever set up
     */
    public List<VringState> handOver() {
        List<VringState> states = new ArrayList<>();
        synchronized (this) {
            handedOver = true;
            for (int i = 0; i < vringCount; i++) {
                Vring v = vrings[i];
                stopRing(i);
                if (v.everStarted) {
                    states.add(new VringState(i, v.base, v.usedSeen < 0 ? v.base : v.usedSeen));
                }
            }
            disconnect("handed over");
        }
        listener.onStateChange();
        LOG.log(Level.INFO, "vhost " + name + ": handed over " + states);
        return states;
    }

    // ------------------------------------------------------------------ the control thread

    private void run() {
        while (!closing) {
            boolean changed;
            try {
                changed = step();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "vhost " + name + ": control thread: " + e, e);
                synchronized (this) {
                    disconnect("internal error: " + e);
                }
                changed = true;
                LockSupport.parkNanos(POLL_MILLIS * 1_000_000L);
            }
            if (changed && !closing) {
                listener.onStateChange();
            }
        }
    }

    /** One round of the control thread; true if the owner should look at the state again. */
    private boolean step() {
        VhostUserChannel ch;
        synchronized (this) {
            ch = channel;
            if (ch != null) {
                reportRingFaults();
            }
        }
        if (ch == null) {
            return connect();
        }
        int revents;
        try {
            revents = ch.socket().poll(UnixSocket.POLLIN, POLL_MILLIS);
        } catch (SyscallException e) {
            synchronized (this) {
                disconnect("poll failed: " + e.getMessage());
            }
            return true;
        }
        if (revents == 0) {
            return false;
        }
        VhostUserMessage m;
        try {
            m = ch.receive(MESSAGE_TIMEOUT_MILLIS, "a request");
        } catch (VhostUserException e) {
            synchronized (this) {
                String why = e.getMessage();
                if (why.contains("after 0 of " + VhostUserMessageDescriptor.HEADER_SIZE + " header bytes")
                        || e.getCause() instanceof SyscallException se && se.errno() == Errno.ECONNRESET) {
                    // a front-end that closes with our replies unread resets the connection: a disconnect too
                    disconnect("the front-end closed the connection");
                } else if (why.contains("above the limit")) {
                    refuse(new Refusal(DeviceFault.BAD_SIZE, -1, VhostUserMessageDescriptor.MAX_PAYLOAD, why));
                } else {
                    refuse(new Refusal(DeviceFault.MESSAGE_CUT, 0, 0, why));
                }
            }
            return true;
        }
        int[] fds = m.fds().clone();
        try {
            synchronized (this) {
                if (channel != ch) {
                    return true; // handed over or closed meanwhile
                }
                try {
                    handle(m, fds);
                } catch (Refusal r) {
                    refuse(r);
                }
            }
        } finally {
            for (int fd : fds) {
                if (fd >= 0) {
                    closeQuietly(fd);
                }
            }
        }
        return true;
    }

    private boolean connect() {
        if (handedOver()) {
            LockSupport.parkNanos(POLL_MILLIS * 1_000_000L);
            return false;
        }
        UnixSocket s;
        try {
            if (listenSocket != null) {
                s = listenSocket.accept(POLL_MILLIS * 2);
            } else {
                long now = System.nanoTime();
                if (now - nextAttemptNanos < 0) {
                    LockSupport.parkNanos(Math.min(nextAttemptNanos - now, POLL_MILLIS * 1_000_000L));
                    return false;
                }
                try {
                    s = UnixSocket.connect(name);
                    backoffMillis = VhostUserDeviceOptions.RECONNECT_MIN_MILLIS;
                } catch (SyscallException e) {
                    nextAttemptNanos = now + backoffMillis * 1_000_000L;
                    backoffMillis = nextBackoff(backoffMillis, options.reconnectMaxMillis());
                    return false;
                }
            }
        } catch (SyscallException e) {
            if (!closing) {
                LOG.log(Level.WARNING, "vhost " + name + ": accept failed: " + e.getMessage());
                LockSupport.parkNanos(POLL_MILLIS * 1_000_000L);
            }
            return false;
        }
        if (s == null) {
            return false;
        }
        synchronized (this) {
            if (closing || handedOver) {
                s.close();
                return false;
            }
            channel = new VhostUserChannel(s, name);
            connected = true;
            connections++;
        }
        LOG.log(Level.INFO, "vhost " + name + ": front-end connected (" + (listenSocket == null ? "client" : "server")
                + " mode)");
        return true;
    }

    /**
     * The client's backoff: doubles, bounded.
     *
     * @param current the wait just used, in ms
     * @param max     the bound
     * @return the next wait
     */
    static long nextBackoff(long current, long max) {
        return Math.min(max, Math.max(VhostUserDeviceOptions.RECONNECT_MIN_MILLIS, current * 2));
    }

    private void reportRingFaults() {
        for (int i = 0; i < vringCount; i++) {
            DeviceRing r = slots[i].current();
            Vring v = vrings[i];
            if (r != null && r.fault() != null && v.reported == null) {
                v.reported = r.faultMessage();
                faults.incrementAndGet(r.fault().ordinal());
                lastFault = "vhost " + name + ": " + v.reported;
                LOG.log(Level.WARNING, lastFault + "; the vring stops until the front-end sets it up again");
                if (v.err != null) {
                    v.err.signal();
                }
            }
        }
    }

    private void refuse(Refusal r) {
        faults.incrementAndGet(r.fault.ordinal());
        lastFault = "vhost " + name + ": " + r.getMessage();
        LOG.log(Level.WARNING, lastFault + "; closing the connection");
        disconnect(r.fault.name());
    }

    // ------------------------------------------------------------------ messages

    private void handle(VhostUserMessage m, int[] fds) throws Refusal {
        long reqId = m.request() & 0xFFFF_FFFFL;
        String ctx = VhostUserRequest.describe(reqId);
        int flags = m.flags();
        if ((flags & VhostUserMessageDescriptor.VERSION_MASK) != VhostUserMessageDescriptor.VERSION
                || (flags & VhostUserMessageDescriptor.REPLY_MASK) != 0) {
            throw new Refusal(DeviceFault.BAD_HEADER, flags, reqId, ctx);
        }
        VhostUserRequest r = VhostUserRequest.forId(reqId);
        if (r == null || r == VhostUserRequest.NONE) {
            throw new Refusal(DeviceFault.UNKNOWN_REQUEST, reqId, reqId, ctx);
        }
        ByteBuffer b = m.payloadBuffer();
        int size = m.payload().length;
        boolean ok = true;
        switch (r) {
            case GET_FEATURES -> {
                expect(ctx, size, 0, fds, 0);
                reply(m, VhostUserMessage.u64(offered));
            }
            case SET_FEATURES -> {
                expect(ctx, size, 8, fds, 0);
                long f = b.getLong(0);
                if ((f & ~offered) != 0) {
                    throw new Refusal(DeviceFault.BAD_FEATURES, f, f & ~offered, ctx);
                }
                boolean was = featuresSet;
                long old = features;
                features = f;
                featuresSet = true;
                negotiated = f & ~VHOST_USER_F_PROTOCOL_FEATURES;
                if (!was || old != f) {
                    LOG.log(Level.INFO, "vhost " + name + ": the front-end set features "
                            + VirtioNetFeatureBits.describe(f) + ", protocol features "
                            + VhostUserProtocolFeature.describe(protocol));
                }
                if (was && old != f) {
                    for (int i = 0; i < vringCount; i++) {
                        stopRing(i); // a running ring was built for the old features
                    }
                }
                refreshAll();
            }
            case SET_OWNER -> expect(ctx, size, 0, fds, 0);
            case RESET_OWNER -> {
                expect(ctx, size, 0, fds, 0);
                resetSession();
            }
            case GET_PROTOCOL_FEATURES -> {
                expect(ctx, size, 0, fds, 0);
                reply(m, VhostUserMessage.u64(PROTOCOL_FEATURES));
            }
            case SET_PROTOCOL_FEATURES -> {
                expect(ctx, size, 8, fds, 0);
                long p = b.getLong(0);
                if ((p & ~PROTOCOL_FEATURES) != 0) {
                    throw new Refusal(DeviceFault.BAD_FEATURES, p, p & ~PROTOCOL_FEATURES, ctx);
                }
                protocol = p;
            }
            case GET_QUEUE_NUM -> {
                expect(ctx, size, 0, fds, 0);
                requireProtocol(ctx, VhostUserProtocolFeature.MQ, reqId);
                reply(m, VhostUserMessage.u64(options.queues()));
            }
            case SET_MEM_TABLE -> setMemTable(ctx, b, size, fds);
            case SET_VRING_NUM -> {
                expect(ctx, size, 8, fds, 0);
                int i = vringIndex(ctx, b.getInt(0) & 0xFFFF_FFFFL);
                int num = b.getInt(4);
                if (!VirtqDescriptor.validSize(num)) {
                    throw new Refusal(DeviceFault.BAD_VRING_NUM, num & 0xFFFF_FFFFL, VirtqDescriptor.MAX_QUEUE_SIZE,
                            ctx);
                }
                stopRing(i);
                vrings[i].num = num;
                vrings[i].started = false;
            }
            case SET_VRING_ADDR -> {
                expect(ctx, size, VhostUserMessageDescriptor.ADDR_SIZE, fds, 0);
                int i = vringIndex(ctx, b.getInt(VhostUserMessageDescriptor.ADDR_INDEX) & 0xFFFF_FFFFL);
                int aflags = b.getInt(VhostUserMessageDescriptor.ADDR_FLAGS);
                if (aflags != 0) {
                    throw new Refusal(DeviceFault.BAD_VALUE, aflags & 0xFFFF_FFFFL, 0, ctx + " flags (no logging offered)");
                }
                stopRing(i);
                Vring v = vrings[i];
                v.descAddr = b.getLong(VhostUserMessageDescriptor.ADDR_DESC);
                v.usedAddr = b.getLong(VhostUserMessageDescriptor.ADDR_USED);
                v.availAddr = b.getLong(VhostUserMessageDescriptor.ADDR_AVAIL);
                v.addrSet = true;
                v.started = false;
            }
            case SET_VRING_BASE -> {
                expect(ctx, size, 8, fds, 0);
                int i = vringIndex(ctx, b.getInt(0) & 0xFFFF_FFFFL);
                long num = b.getInt(4) & 0xFFFF_FFFFL;
                if (num > 0xFFFF) {
                    throw new Refusal(DeviceFault.BAD_VALUE, num, 0xFFFF, ctx + " num (a split ring's avail index)");
                }
                stopRing(i);
                Vring v = vrings[i];
                v.base = (int) num;
                v.usedSeen = -1;
                v.started = false;
                VringState t = takeOver.remove(i);
                if (t != null) {
                    if (t.lastAvailIdx() != num) {
                        LOG.log(Level.INFO, "vhost " + name + ": vring " + i + ": the front-end set base " + num
                                + "; taking over at " + t.lastAvailIdx() + " where the previous device stopped");
                    }
                    v.base = t.lastAvailIdx();
                    v.usedSeen = t.usedIdx();
                    takenOver++;
                }
            }
            case GET_VRING_BASE -> {
                expect(ctx, size, 8, fds, 0);
                int i = vringIndex(ctx, b.getInt(0) & 0xFFFF_FFFFL);
                stopRing(i);
                vrings[i].started = false;
                reply(m, VhostUserMessage.state(i, vrings[i].base));
            }
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> vringFd(r, ctx, b, size, fds);
            case SET_VRING_ENABLE -> {
                expect(ctx, size, 8, fds, 0);
                if ((features & VHOST_USER_F_PROTOCOL_FEATURES) == 0) {
                    throw new Refusal(DeviceFault.UNSUPPORTED_REQUEST, reqId, protocol,
                            ctx + " (VHOST_USER_F_PROTOCOL_FEATURES not negotiated)");
                }
                int i = vringIndex(ctx, b.getInt(0) & 0xFFFF_FFFFL);
                int on = b.getInt(4);
                if (on != 0 && on != 1) {
                    throw new Refusal(DeviceFault.BAD_VALUE, on & 0xFFFF_FFFFL, 1, ctx + " num (0 or 1)");
                }
                if (on == 0) {
                    stopRing(i);
                }
                vrings[i].enabled = on == 1;
                refresh(i);
            }
            case GET_CONFIG -> {
                requireProtocol(ctx, VhostUserProtocolFeature.CONFIG, reqId);
                reply(m, getConfig(ctx, b, size, fds));
            }
            case SET_CONFIG -> {
                requireProtocol(ctx, VhostUserProtocolFeature.CONFIG, reqId);
                configSize(ctx, b, size, fds);
                ok = false; // the virtio-net config space is read-only for the driver
            }
            case SET_BACKEND_REQ_FD -> {
                requireProtocol(ctx, VhostUserProtocolFeature.BACKEND_REQ, reqId);
                expect(ctx, size, 0, fds, 1);
                String target = EventFd.fdTarget(fds[0]);
                if (target == null || !target.startsWith("socket:")) {
                    throw new Refusal(DeviceFault.BAD_FD, fds[0], 0, ctx + " (not a socket: " + target + ")");
                }
                if (backendReq != null) {
                    backendReq.close();
                }
                backendReq = UnixSocket.adopt(name + " backend-req", fds[0]);
                fds[0] = -1;
            }
            default -> throw new Refusal(DeviceFault.UNSUPPORTED_REQUEST, reqId, protocol, ctx);
        }
        if (!r.hasReply() && (flags & VhostUserMessageDescriptor.NEED_REPLY_MASK) != 0) {
            reply(m, VhostUserMessage.u64(ok ? 0 : 1));
        }
    }

    private void requireProtocol(String ctx, VhostUserProtocolFeature f, long reqId) throws Refusal {
        if (!f.in(protocol)) {
            throw new Refusal(DeviceFault.UNSUPPORTED_REQUEST, reqId, protocol, ctx + " (PROTOCOL_F_" + f.name()
                    + " not negotiated)");
        }
    }

    private static void expect(String ctx, int size, int wantSize, int[] fds, int wantFds) throws Refusal {
        if (size != wantSize) {
            throw new Refusal(DeviceFault.BAD_SIZE, size, wantSize, ctx);
        }
        checkFds(ctx, fds, wantFds);
    }

    private static void checkFds(String ctx, int[] fds, int want) throws Refusal {
        if (fds.length < want) {
            throw new Refusal(DeviceFault.MISSING_FD, fds.length, want, ctx);
        }
        if (fds.length > want) {
            throw new Refusal(DeviceFault.EXTRA_FD, fds.length, want, ctx);
        }
    }

    private int vringIndex(String ctx, long i) throws Refusal {
        if (i >= vringCount) {
            throw new Refusal(DeviceFault.BAD_VRING_INDEX, i, vringCount, ctx);
        }
        return (int) i;
    }

    private void vringFd(VhostUserRequest r, String ctx, ByteBuffer b, int size, int[] fds) throws Refusal {
        if (size != 8) {
            throw new Refusal(DeviceFault.BAD_SIZE, size, 8, ctx);
        }
        long u = b.getLong(0);
        if ((u & ~(VhostUserMessageDescriptor.VRING_IDX_MASK | VhostUserMessageDescriptor.VRING_NOFD_MASK)) != 0) {
            throw new Refusal(DeviceFault.BAD_VALUE, u, 0x1FF, ctx + " (reserved bits)");
        }
        int i = vringIndex(ctx, u & VhostUserMessageDescriptor.VRING_IDX_MASK);
        boolean nofd = (u & VhostUserMessageDescriptor.VRING_NOFD_MASK) != 0;
        checkFds(ctx, fds, nofd ? 0 : 1);
        Vring v = vrings[i];
        if (r == VhostUserRequest.SET_VRING_KICK) {
            // this device polls: the kick fd is never read, only its arrival matters ("the ring starts")
            v.started = true;
            v.everStarted = true;
            v.reported = null;
            refresh(i);
            return;
        }
        EventFd e = null;
        if (!nofd) {
            if (!EventFd.isEventFd(fds[0])) {
                throw new Refusal(DeviceFault.BAD_FD, fds[0], i, ctx + " (not an eventfd: " + EventFd.fdTarget(fds[0])
                        + ")");
            }
            e = EventFd.adopt(fds[0]);
            fds[0] = -1;
        }
        if (r == VhostUserRequest.SET_VRING_CALL) {
            boolean wasRunning = slots[i].current() != null;
            stopRing(i);
            EventFd old = v.call;
            v.call = e;
            if (old != null) {
                old.close();
            }
            if (wasRunning) {
                refresh(i);
            }
        } else {
            EventFd old = v.err;
            v.err = e;
            if (old != null) {
                old.close();
            }
        }
    }

    private void setMemTable(String ctx, ByteBuffer b, int size, int[] fds) throws Refusal {
        if (size < VhostUserMessageDescriptor.MEM_REGIONS) {
            throw new Refusal(DeviceFault.BAD_SIZE, size, VhostUserMessageDescriptor.memTableSize(1), ctx);
        }
        long n = b.getInt(VhostUserMessageDescriptor.MEM_NREGIONS) & 0xFFFF_FFFFL;
        if (n < 1 || n > VhostUserMessageDescriptor.MEM_MAX_REGIONS) {
            throw new Refusal(DeviceFault.BAD_VALUE, n, VhostUserMessageDescriptor.MEM_MAX_REGIONS,
                    ctx + " num regions (1 to 8)");
        }
        int nr = (int) n;
        if (size != VhostUserMessageDescriptor.memTableSize(nr)) {
            throw new Refusal(DeviceFault.BAD_SIZE, size, VhostUserMessageDescriptor.memTableSize(nr), ctx);
        }
        checkFds(ctx, fds, nr);
        GuestMemory.Region[] regions = new GuestMemory.Region[nr];
        for (int i = 0; i < nr; i++) {
            int at = VhostUserMessageDescriptor.MEM_REGIONS + i * VhostUserMessageDescriptor.REGION_BYTES;
            regions[i] = new GuestMemory.Region(b.getLong(at + VhostUserMessageDescriptor.REGION_GUEST_ADDR),
                    b.getLong(at + VhostUserMessageDescriptor.REGION_SIZE),
                    b.getLong(at + VhostUserMessageDescriptor.REGION_USER_ADDR),
                    b.getLong(at + VhostUserMessageDescriptor.REGION_MMAP_OFFSET));
        }
        GuestMemory next;
        try {
            next = GuestMemory.map(regions, fds);
        } catch (GuestMemory.BadRegionException e) {
            throw new Refusal(DeviceFault.BAD_REGION, e.region(), 0, ctx + " region " + e.region() + ": "
                    + e.getMessage());
        }
        // retire every running vring before the old table goes; they restart on the new one (vhost-user.rst:
        // the back-end must not access the old memory after it replied to SET_MEM_TABLE)
        List<Integer> wasRunning = new ArrayList<>();
        for (int i = 0; i < vringCount; i++) {
            if (slots[i].current() != null) {
                wasRunning.add(i);
            }
            stopRing(i);
        }
        GuestMemory old = memory;
        memory = next;
        releaseMemory(old);
        for (int i : wasRunning) {
            refresh(i);
        }
        refreshAll();
    }

    private void configSize(String ctx, ByteBuffer b, int size, int[] fds) throws Refusal {
        if (size < VhostUserMessageDescriptor.CONFIG_PAYLOAD) {
            throw new Refusal(DeviceFault.BAD_SIZE, size, VhostUserMessageDescriptor.CONFIG_PAYLOAD, ctx);
        }
        long n = b.getInt(VhostUserMessageDescriptor.CONFIG_SIZE) & 0xFFFF_FFFFL;
        if (n > VhostUserMessageDescriptor.CONFIG_MAX_SIZE || size != VhostUserMessageDescriptor.CONFIG_PAYLOAD + n) {
            throw new Refusal(DeviceFault.BAD_SIZE, size, VhostUserMessageDescriptor.CONFIG_PAYLOAD + Math.min(n,
                    VhostUserMessageDescriptor.CONFIG_MAX_SIZE), ctx);
        }
        checkFds(ctx, fds, 0);
    }

    private byte[] getConfig(String ctx, ByteBuffer b, int size, int[] fds) throws Refusal {
        configSize(ctx, b, size, fds);
        long offset = b.getInt(VhostUserMessageDescriptor.CONFIG_OFFSET) & 0xFFFF_FFFFL;
        int n = size - VhostUserMessageDescriptor.CONFIG_PAYLOAD;
        if (offset + n > VhostUserMessageDescriptor.CONFIG_MAX_SIZE) {
            return new byte[0]; // "in case of error, the back-end must reply with a size of zero"
        }
        byte[] space = configSpace();
        ByteBuffer out = VhostUserMessage.buffer(size);
        out.put(0, configHeader(b), 0, VhostUserMessageDescriptor.CONFIG_PAYLOAD);
        for (int i = 0; i < n; i++) {
            long at = offset + i;
            out.put(VhostUserMessageDescriptor.CONFIG_PAYLOAD + i, at < space.length ? space[(int) at] : 0);
        }
        if (announce && offset <= VirtioNetConfig.STATUS_OFFSET
                && offset + n >= VirtioNetConfig.STATUS_OFFSET + 2) {
            announce = false; // delivered: a front-end has read the status with ANNOUNCE set
        }
        return out.array();
    }

    private static byte[] configHeader(ByteBuffer b) {
        byte[] a = new byte[VhostUserMessageDescriptor.CONFIG_PAYLOAD];
        b.get(0, a);
        return a;
    }

    /** @return struct virtio_net_config: mac, status, max_virtqueue_pairs (little-endian) */
    private byte[] configSpace() {
        byte[] c = new byte[CONFIG_BYTES];
        System.arraycopy(mac.toBytes(), 0, c, VirtioNetConfig.MAC_OFFSET, 6);
        int status = (linkUp ? VirtioNetConfig.VIRTIO_NET_S_LINK_UP : 0)
                | (announce ? VirtioNetConfig.VIRTIO_NET_S_ANNOUNCE : 0);
        c[VirtioNetConfig.STATUS_OFFSET] = (byte) status;
        c[VirtioNetConfig.STATUS_OFFSET + 1] = (byte) (status >>> 8);
        c[VirtioNetConfig.MAX_VIRTQUEUE_PAIRS_OFFSET] = (byte) options.queues();
        c[VirtioNetConfig.MAX_VIRTQUEUE_PAIRS_OFFSET + 1] = (byte) (options.queues() >>> 8);
        return c;
    }

    private void reply(VhostUserMessage m, byte[] payload) {
        VhostUserChannel ch = channel;
        if (ch == null) {
            return;
        }
        try {
            ch.send(new VhostUserMessage(m.request(), VhostUserMessageDescriptor.VERSION
                    | VhostUserMessageDescriptor.REPLY_MASK, payload, null));
        } catch (VhostUserException e) {
            disconnect("reply failed: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ vrings

    private void refreshAll() throws Refusal {
        for (int i = 0; i < vringCount; i++) {
            refresh(i);
        }
    }

    /** Starts vring i on the data path if everything it needs is there. */
    private void refresh(int i) throws Refusal {
        Vring v = vrings[i];
        boolean enabled = v.enabled || (features & VHOST_USER_F_PROTOCOL_FEATURES) == 0;
        if (slots[i].current() != null || !v.started || !enabled || v.num == 0 || !v.addrSet || memory == null
                || !featuresSet) {
            return;
        }
        int num = v.num;
        MemorySegment desc = memory.userRange(v.descAddr, (long) VirtqDescriptor.DESC_SIZE * num);
        MemorySegment avail = memory.userRange(v.availAddr, 6 + 2L * num);
        MemorySegment used = memory.userRange(v.usedAddr, 6 + 8L * num);
        String ctx = "vring " + i;
        if (desc == null || avail == null || used == null) {
            long bad = desc == null ? v.descAddr : avail == null ? v.availAddr : v.usedAddr;
            throw new Refusal(DeviceFault.RING_OUTSIDE_MEMORY, i, bad, ctx + " (desc 0x" + Long.toHexString(v.descAddr)
                    + ", avail 0x" + Long.toHexString(v.availAddr) + ", used 0x" + Long.toHexString(v.usedAddr)
                    + ", size " + num + ")");
        }
        if (desc.address() % 16 != 0 || avail.address() % 2 != 0 || used.address() % 4 != 0) {
            long bad = desc.address() % 16 != 0 ? desc.address() : avail.address() % 2 != 0 ? avail.address()
                    : used.address();
            throw new Refusal(DeviceFault.RING_MISALIGNED, i, bad, ctx);
        }
        boolean rx = i % 2 == 0;
        DeviceRing r = new DeviceRing(i, num, desc, avail, used, memory, v.call, (features & VIRTIO_F_EVENT_IDX) != 0,
                rx && (features & VIRTIO_NET_F_MRG_RXBUF) != 0, v.base);
        if (v.usedSeen >= 0 && v.usedSeen != r.usedIdx()) {
            LOG.log(Level.INFO, "vhost " + name + ": vring " + i + ": used.idx is " + r.usedIdx() + " in guest memory, "
                    + v.usedSeen + " when it stopped; continuing at " + r.usedIdx());
        }
        v.reported = null;
        slots[i].publish(r);
        runningVrings++;
    }

    /** Retires vring i from the data path and keeps where it stopped. */
    private void stopRing(int i) {
        RingSlot s = slots[i];
        DeviceRing r = s.current();
        if (r == null) {
            return;
        }
        reportRingFaults();
        if (!s.retire(GRACE_NANOS)) {
            graceTimeouts++;
            LOG.log(Level.ERROR, "vhost " + name + ": vring " + i + " still in a burst after "
                    + GRACE_NANOS / 1_000_000 + " ms; its memory stays mapped");
            if (memory != null && !leaked.contains(memory)) {
                leaked.add(memory);
            }
        }
        Vring v = vrings[i];
        v.base = r.lastAvail();
        v.usedSeen = r.usedIdx();
        runningVrings--;
    }

    private void resetSession() {
        for (int i = 0; i < vringCount; i++) {
            stopRing(i);
            Vring v = vrings[i];
            if (v.call != null) {
                v.call.close();
            }
            if (v.err != null) {
                v.err.close();
            }
            vrings[i] = new Vring();
        }
        GuestMemory old = memory;
        memory = null;
        releaseMemory(old);
        features = 0;
        featuresSet = false;
        negotiated = 0;
        protocol = 0;
        if (backendReq != null) {
            backendReq.close();
            backendReq = null;
        }
    }

    private void releaseMemory(GuestMemory m) {
        if (m != null && !leaked.contains(m)) {
            m.close();
        }
    }

    private void disconnect(String why) {
        VhostUserChannel ch = channel;
        resetSession();
        channel = null;
        connected = false;
        if (ch != null) {
            ch.close();
            disconnects++;
            LOG.log(Level.INFO, "vhost " + name + ": front-end disconnected (" + why + ")"
                    + (handedOver || closing ? "" : listenSocket != null ? "; waiting for a new one"
                    : "; reconnecting"));
        }
    }

    private static void closeQuietly(int fd) {
        try {
            io.twinport.sys.Libc.close(fd);
        } catch (RuntimeException ignored) {
            // a descriptor the peer sent and we did not keep
        }
    }

    /** Stops the control thread, closes the connection, unmaps the memory, removes the socket (server). */
    @Override
    public void close() {
        closing = true;
        if (Thread.currentThread() != control) {
            LockSupport.unpark(control);
            try {
                control.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            disconnect("closed");
            if (listenSocket != null) {
                listenSocket.close();
                try {
                    UnixSocket.unlink(name);
                } catch (SyscallException e) {
                    LOG.log(Level.WARNING, "vhost " + name + ": " + e.getMessage());
                }
            }
        }
    }

    @Override
    public String toString() {
        return "VhostUserDevice[" + name + (listenSocket == null ? ", client" : ", server") + ", "
                + (connected ? "connected, " + runningVrings + " vrings running" : "not connected") + ", features "
                + VirtioNetFeatureBits.describe(negotiated) + "]";
    }
}

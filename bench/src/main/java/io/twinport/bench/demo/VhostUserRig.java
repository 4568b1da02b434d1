package io.twinport.bench.demo;

import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.VirtioNetFeatureBits;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;
import io.twinport.virtio.device.VhostUserDeviceOptions;
import io.twinport.virtio.device.VhostUserPort;
import io.twinport.virtio.device.VringState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The guest's virtio-net path made of the real pieces, as a guest with {@code virtio-net-pci,failover=on} over
 * vhost-user has it:
 *
 * <pre>
 *   guest: VirtioNetPort vnet0, server mode ─── listens on DIR/vnet0.sock (a fresh temp directory)
 *              ▲ connects (client mode)                         ▲ connects at the hand-over, same socket
 *   source host: VhostUserPort src-virtio           target host: VhostUserPort dst-virtio
 *                failover=on, mac = the guest's                  VhostUserPort.takeOver(..., vring states)
 * </pre>
 *
 * <ul>
 *   <li><b>STANDBY</b>: the devices offer STANDBY and MAC ({@code failover=on}); our driver negotiates STANDBY with
 *       no option of its own and takes the MAC from the config space, so the guest's failover manager pairs it
 *       with a VF of that MAC. The host sees the negotiation in the source device's port features.</li>
 *   <li><b>Hand-over</b> (MIGRATING): the source device's {@link VhostUserPort#handOver()} stops its vrings
 *       (GET_VRING_BASE's state) and disconnects; {@link VhostUserPort#takeOver} opens the target's device, which
 *       connects to the same guest socket; the driver (server mode) accepts it, sets the rings up again and they
 *       resume at the handed-over indices. Meanwhile the guest's TX ring fills and TX is refused (the application
 *       retries), the source takes nothing from the peer (the peer retries), and the driver reports its link down
 *       until the target serves. Nothing is modelled: the pause is whatever that takes.</li>
 *   <li><b>Announce</b> (COMPLETED): the target device's {@link VhostUserPort#requestAnnounce()} sets
 *       VIRTIO_NET_S_ANNOUNCE; the driver acks it and posts ANNOUNCE_REQUESTED, and the guest's failover port
 *       sends its RARP announcements on its active member.</li>
 * </ul>
 */
public final class VhostUserRig implements VirtioRig {
    /** The guest's standby port's name. */
    public static final String GUEST_PORT = "vnet0";
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Path dir;
    private final String socket;
    private final MacAddress mac;
    private final PacketPool hostPool;
    private final HostMigration.EventSink events;
    private final Side source;
    private final Side target;
    private VirtioNetPort guest;

    /**
     * Opens the guest's driver (listening on a socket in a fresh temp directory) and the source host's device
     * (connecting to it), and waits until they negotiated.
     *
     * @param mac           the guest's MAC: the devices' config space
     * @param guestRegistry the guest's registry: the standby appears there
     * @param guestPool     the guest's packet memory (the devices map it)
     * @param hostPool      the hosts' packet memory (what the guest transmits is copied there)
     * @param events        where the hand-over is reported
     * @throws UncheckedIOException if the temp directory cannot be made
     * @throws PortException        if the driver or the device cannot open
     */
    public VhostUserRig(MacAddress mac, PortRegistry guestRegistry, PacketPool guestPool, PacketPool hostPool,
                        HostMigration.EventSink events) {
        this.mac = mac;
        this.hostPool = hostPool;
        this.events = events;
        try {
            this.dir = Files.createTempDirectory("twinport-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temp directory for the vhost-user socket", e);
        }
        this.socket = dir.resolve(GUEST_PORT + ".sock").toString();
        this.source = new Side("src-virtio");
        this.target = new Side("dst-virtio");
        AtomicReference<Object> opened = new AtomicReference<>();
        // server mode: open() returns once a back-end connected and negotiated, so it runs beside the device
        Thread opener = Thread.ofPlatform().name("demo-guest-virtio-open").start(() -> {
            try {
                opened.set(VirtioNetPort.open(GUEST_PORT, VirtioUserOptions.client(socket).withServer(true),
                        guestPool, guestRegistry));
            } catch (Throwable t) {
                opened.set(t);
            }
        });
        try {
            await(() -> Files.exists(Path.of(socket)) || opened.get() != null, "the guest to listen on " + socket);
            if (opened.get() instanceof Throwable t) {
                throw new PortException("guest " + GUEST_PORT + ": the virtio-net driver cannot listen on " + socket
                        + ": " + t.getMessage(), t);
            }
            source.open(VhostUserPort.open(source.path, deviceOptions(), hostPool, null));
            opener.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS) + 1_000);
            Object o = opened.get();
            if (o instanceof Throwable t) {
                throw new PortException("guest " + GUEST_PORT + ": the virtio-net driver did not open on " + socket
                        + ": " + t.getMessage(), t);
            }
            if (o == null) {
                throw new PortException("guest " + GUEST_PORT + ": the virtio-net driver did not open on " + socket
                        + " within " + TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS) + " s");
            }
            guest = (VirtioNetPort) o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new PortException("interrupted while opening the virtio path", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private VhostUserDeviceOptions deviceOptions() {
        return VhostUserDeviceOptions.client(socket).withFailover(true).withMac(mac);
    }

    @Override
    public String guestPortName() {
        return GUEST_PORT;
    }

    @Override
    public VirtioPath source() {
        return source;
    }

    @Override
    public VirtioPath target() {
        return target;
    }

    @Override
    public String describe() {
        return "virtio path: vhost-user (the guest's VirtioNetPort " + GUEST_PORT + " in server mode on " + socket
                + "; each host a VhostUserPort in client mode, failover=on; hand-over of the vring state)";
    }

    /** Closes both devices, then the guest's driver, and removes the socket's directory. */
    @Override
    public void close() {
        source.close();
        target.close();
        if (guest != null) {
            try {
                guest.close();
            } catch (PortException e) {
                // still owned by the guest's failover port: it closes it itself
            }
        }
        try {
            Files.deleteIfExists(Path.of(socket)); // the driver unlinks it on close; this is for a failed open
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind is reported by nobody; the next run makes a fresh one
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("waited " + TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS) + " s for "
                        + what);
            }
            Thread.sleep(1);
        }
    }

    private static String describe(List<VringState> states) {
        return states.stream().map(s -> (s.index() % 2 == 0 ? "rx" : "tx") + s.index() / 2 + "@" + s.lastAvailIdx())
                .collect(Collectors.joining(" "));
    }

    /** One host's device for the guest's standby. */
    private final class Side implements VirtioPath {
        private final String path;
        private final PluggableHostPort<VhostUserPort> hostPort;

        Side(String path) {
            this.path = path;
            this.hostPort = new PluggableHostPort<>(path);
        }

        void open(VhostUserPort p) {
            try {
                p.configure(PortConfig.DEFAULT);
                p.start();
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
            hostPort.plug(p);
        }

        void close() {
            VhostUserPort p = hostPort.unplug();
            if (p != null) {
                p.close();
            }
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public HostPort hostPort() {
            return hostPort;
        }

        @Override
        public boolean serving() {
            VhostUserPort p = hostPort.current();
            return p != null && !p.device().handedOver() && p.device().running();
        }

        @Override
        public boolean standbyNegotiated() {
            VhostUserPort p = hostPort.current();
            return p != null && (p.info().features() & VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY) != 0;
        }

        @Override
        public void handOverTo(VirtioPath to) {
            VhostUserPort p = hostPort.current();
            if (p == null || p.device().handedOver()) {
                throw new IllegalStateException(path + ": does not serve the guest; cannot hand over to "
                        + to.path());
            }
            if (!(to instanceof Side next) || next == this || next.hostPort.current() != null) {
                throw new IllegalArgumentException(path + ": cannot hand over to " + to.path());
            }
            long start = System.nanoTime();
            List<VringState> states = p.handOver();
            long stopped = System.nanoTime();
            next.open(VhostUserPort.takeOver(next.path, deviceOptions(), states, hostPool, null));
            VhostUserPort q = next.hostPort.current();
            try {
                await(() -> q.device().runningVrings() == states.size() && q.linkUp(),
                        next.path + " to run the guest's " + states.size() + " vrings");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the hand-over", e);
            }
            long now = System.nanoTime();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("from", path);
            data.put("to", next.path);
            data.put("vrings", describe(states));
            data.put("stop_ns", stopped - start);
            data.put("downtime_ns", now - start);
            events.onEvent(now, "VIRTIO_HANDED_OVER", data);
        }

        @Override
        public String announce() {
            VhostUserPort p = hostPort.current();
            if (p == null) {
                throw new IllegalStateException(path + ": no device serves the guest here; cannot announce");
            }
            p.requestAnnounce();
            return "VIRTIO_NET_S_ANNOUNCE";
        }

        @Override
        public String toString() {
            return path;
        }
    }
}

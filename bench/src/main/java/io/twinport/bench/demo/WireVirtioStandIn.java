package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.PortState;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A STAND-IN for the virtio path until the vhost-user device (host side) is available: one in-memory
 * {@link WirePair} whose end A is the guest's standby (feature word VERSION_1 | MAC | STATUS | STANDBY, the guest's
 * MAC: what our virtio-net driver reports after negotiating STANDBY with a {@code failover=on} device) and whose
 * end B is the device's ring, which the serving host's {@link VirtioPath#hostPort()} reads and writes.
 *
 * <p>What it models, and how the real pieces will do it:
 * <ul>
 *   <li><b>Hand-over</b>: the source stops serving, nothing serves for {@link #handOverNanos} (the stop-and-copy
 *       downtime), then the target serves the same rings. Meanwhile the guest's TX fills the ring and is then
 *       refused, and the peer's TX to the guest is refused: both retry, nothing is dropped. Frames the guest queued
 *       before or during the pause come out at the target, as unprocessed descriptors do after GET_VRING_BASE /
 *       SET_VRING_BASE. Real: the source device's {@code handOver()}, then the target device connects to the
 *       guest's {@code VirtioNetPort} (server mode) with that ring state.</li>
 *   <li><b>Announce</b>: the target host sends one RARP from the guest's MAC on the guest's behalf (QEMU's
 *       self-announce). Real: the device's {@code requestAnnounce()} (VIRTIO_NET_S_ANNOUNCE), the guest announces.</li>
 *   <li><b>STANDBY negotiated</b>: once the guest started its standby port. Real: the device saw the driver's
 *       features.</li>
 * </ul>
 */
public final class WireVirtioStandIn implements VirtioRig {
    /** The modelled hand-over pause: QEMU's default downtime limit is 300 ms; a small guest moves faster. */
    public static final long DEFAULT_HAND_OVER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int RING_SIZE = 1024;

    private final WirePair pair;
    private final WirePort guestEnd;
    private final WirePort deviceEnd;
    private final PacketPool hostPool;
    private final byte[] rarp;
    private final long handOverNanos;
    private final Side source;
    private final Side target;
    private volatile Side serving; // read by the peer's thread once per burst

    /**
     * @param guestMac      the guest's MAC
     * @param guestRegistry the guest's registry: the standby appears there
     * @param hostPool      the hosts' packet pool (announcements are allocated from it)
     * @param handOverNanos how long neither host serves during the hand-over
     */
    public WireVirtioStandIn(MacAddress guestMac, PortRegistry guestRegistry, PacketPool hostPool,
                             long handOverNanos) {
        this.pair = WirePair.create("vnet", 1, guestMac, MacAddress.parse("02:00:00:00:76:01"),
                VirtioNetFeature.VERSION_1.mask() | VirtioNetFeature.MAC.mask() | VirtioNetFeature.STATUS.mask()
                        | VirtioNetFeature.STANDBY.mask(), null);
        this.guestEnd = pair.a();
        this.deviceEnd = pair.b();
        deviceEnd.configure(PortConfig.DEFAULT.withRingSize(RING_SIZE));
        deviceEnd.start();
        this.hostPool = hostPool;
        this.rarp = DemoFrames.rarp(guestMac);
        this.handOverNanos = handOverNanos;
        this.source = new Side("src-virtio");
        this.target = new Side("dst-virtio");
        this.serving = source;
        guestRegistry.add(guestEnd);
    }

    @Override
    public String guestPortName() {
        return guestEnd.name();
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
        return "virtio path: STAND-IN (wire pair " + guestEnd.name() + " with STANDBY; hand-over pause "
                + TimeUnit.NANOSECONDS.toMillis(handOverNanos) + " ms; the host announces by RARP)";
    }

    @Override
    public void close() {
        serving = null;
        for (WirePort end : new WirePort[] {guestEnd, deviceEnd}) {
            try {
                end.close();
            } catch (PortException e) {
                // still owned by the guest's failover port: it was not closed; the pool check will tell
            }
        }
    }

    /** One host's device for the guest's standby. */
    private final class Side implements VirtioPath {
        private final String path;
        private final AtomicInteger announcements = new AtomicInteger();
        private final HostPort hostPort;

        Side(String path) {
            this.path = path;
            this.hostPort = new HostPort() {
                @Override
                public String path() {
                    return Side.this.path;
                }

                @Override
                public int rxBurst(Packet[] pkts, int offset, int max) {
                    if (serving != Side.this || max <= 0) {
                        return 0;
                    }
                    int n = 0;
                    if (announcements.get() > 0 && announcements.getAndDecrement() > 0) {
                        Packet p = hostPool.alloc();
                        if (p != null) {
                            p.length(rarp.length);
                            p.write(0, rarp, 0, rarp.length);
                            pkts[offset] = p;
                            n = 1;
                        }
                    }
                    return n + deviceEnd.rxBurst(0, pkts, offset + n, max - n);
                }

                @Override
                public int txBurst(Packet[] pkts, int offset, int count) {
                    return serving == Side.this ? deviceEnd.txBurst(0, pkts, offset, count) : 0;
                }
            };
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
            return serving == this;
        }

        @Override
        public boolean standbyNegotiated() {
            return serving == this && guestEnd.state() == PortState.STARTED;
        }

        @Override
        public void handOverTo(VirtioPath to) {
            if (serving != this) {
                throw new IllegalStateException(path + ": does not serve the guest; cannot hand over to "
                        + to.path());
            }
            if (!(to instanceof Side next) || next == this) {
                throw new IllegalArgumentException(path + ": cannot hand over to " + to.path());
            }
            serving = null; // the source stops: neither host serves
            long end = System.nanoTime() + handOverNanos;
            for (long left = handOverNanos; left > 0; left = end - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            serving = next; // the target resumes the same rings
        }

        @Override
        public String announce() {
            announcements.incrementAndGet();
            return "RARP from the guest's MAC on its behalf (stand-in for VIRTIO_NET_S_ANNOUNCE)";
        }

        @Override
        public String toString() {
            return path;
        }
    }
}

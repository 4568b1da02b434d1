package io.twinport.vf;

import io.twinport.fwd.PortContext;
import io.twinport.fwd.PortKind;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.PortSpecException;
import io.twinport.fwd.SpecKey;
import io.twinport.port.Port;
import io.twinport.registry.PortRegistry;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The port kind {@code afpacket}: an {@link AfPacketPort} on a netdev of this network namespace, followed by a
 * {@link NetdevWatcher} (one per registry, shared by the ports the kind opened into it, stopped with the last one)
 * so carrier loss, deletion and renames reach the registry while the tool runs. Spec:
 * {@code afpacket,iface=NAME[,name=PORT][,queues=N][,framesz=2048][,framecnt=4096][,qdisc_bypass=0|1]...}; keys
 * are DPDK {@code net_af_packet}'s where it has one ({@code qpairs} is {@code queues} here, as for every kind).
 */
public final class AfPacketKind implements PortKind {
    /** The kind's name. */
    public static final String NAME = "afpacket";
    /** Key: the netdev. */
    public static final String IFACE_KEY = "iface";
    /** Key: the port's name (default: the netdev's). */
    public static final String NAME_KEY = "name";
    /** Default frames per ring of a port opened from a spec. */
    public static final int FRAME_COUNT_DEFAULT = 4096;
    /** Default queue pairs a port opened from a spec offers. */
    public static final int QUEUES_DEFAULT = 1;

    private static final List<SpecKey> KEYS = List.of(
            SpecKey.name(IFACE_KEY, null, "the netdev (required); the port binds to its ifindex"),
            SpecKey.name(NAME_KEY, null, "the port's name (default: the netdev's name)"),
            SpecKey.integer(AfPacketOptions.QUEUES_KEY, QUEUES_DEFAULT, 1, AfPacketOptions.MAX_QUEUES,
                    "queue pairs the port offers (RX: PACKET_FANOUT sockets; TX: one socket each), the most"
                            + " --queues may use"),
            SpecKey.integer(AfPacketOptions.FRAME_SIZE_KEY, AfPacketOptions.FRAME_SIZE_DEFAULT, 128, 65536,
                    "bytes per ring frame, a multiple of 16"),
            SpecKey.integer(AfPacketOptions.FRAME_COUNT_KEY, FRAME_COUNT_DEFAULT, 1, 1 << 20,
                    "frames per ring (every RX and every TX queue has one)"),
            SpecKey.oneOf(AfPacketOptions.QDISC_BYPASS_KEY, "1", List.of("0", "1"),
                    "1: PACKET_QDISC_BYPASS, transmit straight to the driver"),
            SpecKey.integer(AfPacketOptions.BLOCK_SIZE_KEY, AfPacketOptions.BLOCK_SIZE_DEFAULT, 4096, 1 << 30,
                    "bytes per ring block, a multiple of 4096 and of framesz"),
            SpecKey.integer(AfPacketOptions.BLOCK_TIMEOUT_KEY, AfPacketOptions.BLOCK_TIMEOUT_DEFAULT, 1, 1000,
                    "TPACKET_V3 RX block retire timeout, ms"),
            SpecKey.oneOf(AfPacketOptions.FANOUT_KEY, "hash", List.of("hash", "lb", "cpu", "qm"),
                    "how frames are spread over RX queues"),
            SpecKey.oneOf(AfPacketOptions.RX_VERSION_KEY, "3", List.of("2", "3"),
                    "RX ring TPACKET version: 3 (blocks, throughput) or 2 (per frame, latency)"));

    // one watcher per registry, shared by the ports this kind opened into it
    private static final Map<PortRegistry, Shared> WATCHERS = new IdentityHashMap<>();

    private static final class Shared {
        final NetdevWatcher watcher;
        int users;

        Shared(NetdevWatcher watcher) {
            this.watcher = watcher;
        }
    }

    /** For {@link java.util.ServiceLoader}. */
    public AfPacketKind() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a Linux netdev through AF_PACKET (mmap'ed TPACKET_V3 RX / V2 TX rings, PACKET_FANOUT), with hot-plug"
                + " and carrier events from rtnetlink";
    }

    @Override
    public List<SpecKey> keys() {
        return KEYS;
    }

    @Override
    public void validate(PortSpec spec) {
        String iface = spec.value(IFACE_KEY);
        if (iface == null) {
            throw new PortSpecException("kind " + NAME + " needs iface=NAME, the netdev to open");
        }
        if (iface.length() > 15) {
            throw new PortSpecException("bad value '" + iface + "' for key 'iface' of kind " + NAME
                    + ": a netdev name has at most 15 characters");
        }
        options(spec);
    }

    /**
     * @param spec a spec of this kind
     * @return the port options it describes
     * @throws PortSpecException naming the key and value the options refuse
     */
    static AfPacketOptions options(PortSpec spec) {
        Map<String, String> o = new HashMap<>();
        for (String key : List.of(AfPacketOptions.QUEUES_KEY, AfPacketOptions.FRAME_SIZE_KEY,
                AfPacketOptions.FRAME_COUNT_KEY, AfPacketOptions.QDISC_BYPASS_KEY, AfPacketOptions.BLOCK_SIZE_KEY,
                AfPacketOptions.BLOCK_TIMEOUT_KEY, AfPacketOptions.FANOUT_KEY, AfPacketOptions.RX_VERSION_KEY)) {
            o.put(key, spec.value(key));
        }
        try {
            return AfPacketOptions.parse(o);
        } catch (IllegalArgumentException e) {
            throw new PortSpecException("kind " + NAME + ": " + e.getMessage());
        }
    }

    @Override
    public List<Port> open(PortSpec spec, PortContext context) {
        String iface = spec.value(IFACE_KEY);
        String portName = spec.given(NAME_KEY) ? spec.value(NAME_KEY) : iface;
        if (context.registry().find(portName).isPresent()) {
            throw new IllegalArgumentException(NAME + " " + iface + ": a port named " + portName + " is already open");
        }
        Netdev dev = Kernel.links().getLink(iface);
        if (dev == null) {
            throw new io.twinport.port.PortException("port " + portName + ": no netdev named " + iface
                    + " in this network namespace");
        }
        AfPacketPort port = AfPacketPort.create(portName, dev, Sysfs.SYSTEM.identity(dev.name(), dev.kind()),
                context.pool(), options(spec));
        PortRegistry registry = context.registry();
        registry.add(port);
        NetdevWatcher watcher = acquire(registry, context);
        watcher.attach(port);
        port.onClose(() -> release(registry));
        return List.of(port);
    }

    private static NetdevWatcher acquire(PortRegistry registry, PortContext context) {
        synchronized (WATCHERS) {
            Shared s = WATCHERS.get(registry);
            if (s == null) {
                NetdevWatcher w = new NetdevWatcher(registry, context.pool(), AfPacketOptions.DEFAULT,
                        NetdevSelection.NONE);
                w.startThread("afpacket-watcher");
                s = new Shared(w);
                WATCHERS.put(registry, s);
            }
            s.users++;
            return s.watcher;
        }
    }

    private static void release(PortRegistry registry) {
        NetdevWatcher stop = null;
        synchronized (WATCHERS) {
            Shared s = WATCHERS.get(registry);
            if (s != null && --s.users == 0) {
                WATCHERS.remove(registry);
                stop = s.watcher;
            }
        }
        if (stop != null) {
            stop.closeAsync(); // we may hold the closing port's monitor, which the watcher thread may be waiting for
        }
    }
}

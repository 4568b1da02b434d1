package io.twinport.bench.demo;

import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;
import io.twinport.vf.AfPacketOptions;
import io.twinport.vf.AfPacketPort;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code demo --real}: a VF made of a veth pair in this network namespace, with slave-vf's {@link AfPacketPort} on
 * both ends: end {@code ...g} (the guest's MAC) is plugged into the guest's registry, end {@code ...n} is the host
 * side the peer polls. Each {@link #plug()} creates a new pair; a graceful {@link #unplug} removes the port from the
 * guest's registry and then deletes the pair, a surprise one deletes the pair under the guest's feet first. Every
 * pair's name goes into a shared list at once, so that a shutdown hook (Ctrl-C) deletes it too.
 */
public final class VethVf implements Vf {
    /** Frames in the host side's rings: room for a peer thread that is not scheduled for a while. */
    static final int HOST_RING_SIZE = 4096;

    private final String path;
    private final String base;
    private final MacAddress guestMac;
    private final PortRegistry guestRegistry;
    private final PacketPool guestPool;
    private final PacketPool hostPool;
    private final List<String> created;
    private final List<AfPacketPort> ports = new ArrayList<>();
    private final AfPacketOptions afOptions = AfPacketOptions.parse(Map.of(AfPacketOptions.QUEUES_KEY, "1"));
    private final PluggableHostPort<AfPacketPort> hostPort;
    private AfPacketPort guestEnd;
    private String link;
    private int plugs;

    /**
     * @param path          the path's name ({@code src-vf})
     * @param tag           one to three characters in the netdevs' names ({@code s}: source, {@code d}: target)
     * @param guestMac      the guest's MAC
     * @param guestRegistry the guest's registry
     * @param guestPool     the guest's packet memory (the guest-side port receives into it)
     * @param hostPool      the host side's packet memory
     * @param created       where the names of created pairs go (for cleanup)
     */
    public VethVf(String path, String tag, MacAddress guestMac, PortRegistry guestRegistry, PacketPool guestPool,
                  PacketPool hostPool, List<String> created) {
        if (tag.isEmpty() || tag.length() > 3) {
            throw new IllegalArgumentException("veth tag '" + tag + "': expected 1 to 3 characters");
        }
        this.path = path;
        this.hostPort = new PluggableHostPort<>(path);
        // tp + tag + 6 hex digits + plug number + g/n: at most 15 characters (IFNAMSIZ - 1)
        this.base = "tp" + tag + String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        this.guestMac = guestMac;
        this.guestRegistry = guestRegistry;
        this.guestPool = guestPool;
        this.hostPool = hostPool;
        this.created = created;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String guestPortName() {
        return link == null ? base + "1g" : link; // before the first plug: the name it will have
    }

    @Override
    public HostPort hostPort() {
        return hostPort;
    }

    @Override
    public boolean plugged() {
        return guestEnd != null;
    }

    @Override
    public void plug() {
        if (guestEnd != null) {
            throw new IllegalStateException(path + ": already plugged (" + guestEnd.name() + ")");
        }
        plugs++;
        String g = base + plugs + "g";
        String n = base + plugs + "n";
        synchronized (created) {
            created.add(g);
        }
        Veth.create(g, n, guestMac.toString());
        AfPacketPort host = AfPacketPort.open(n, hostPool, afOptions);
        ports.add(host);
        host.configure(PortConfig.DEFAULT.withRingSize(HOST_RING_SIZE));
        host.start();
        hostPort.plug(host);
        AfPacketPort guest = AfPacketPort.open(g, guestPool, afOptions);
        ports.add(guest);
        link = g;
        guestEnd = guest;
        guestRegistry.add(guest);
    }

    @Override
    public void unplug(RemovalReason reason) {
        AfPacketPort g = guestEnd;
        if (g == null) {
            throw new IllegalStateException(path + ": not plugged");
        }
        guestEnd = null;
        if (reason == RemovalReason.SURPRISE) {
            Veth.delete(link); // gone before anyone in the guest is told
            guestRegistry.remove(g, reason);
        } else {
            guestRegistry.remove(g, reason);
            Veth.delete(link);
        }
    }

    @Override
    public long receiveDrops() {
        long n = 0;
        for (AfPacketPort p : ports) {
            n += p.stats().rxMissed();
        }
        return n;
    }

    @Override
    public void close() {
        if (guestEnd != null) {
            unplug(RemovalReason.CLOSED);
        }
        hostPort.unplug();
        for (AfPacketPort p : ports) {
            try {
                p.close();
            } catch (PortException e) {
                // still owned by the guest's failover port, which closes it itself
            }
        }
        ports.clear();
    }

    @Override
    public String toString() {
        return path + " (veth " + guestPortName() + ")";
    }
}

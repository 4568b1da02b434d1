package io.twinport.bench.demo;

import io.twinport.policy.MacAddress;
import io.twinport.port.PortConfig;
import io.twinport.port.PortException;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.util.ArrayList;
import java.util.List;

/**
 * A VF made of an in-memory {@link WirePair}: end A (MAC = the guest's, feature word MAC | STATUS, no STANDBY) is
 * plugged into the guest's registry, end B is the host side. Each {@link #plug()} makes a new pair (a new device
 * on the bus); {@link #unplug} is {@link WirePair#unplug} of end A. End B stays open until {@link #close()}, so the
 * peer still drains what end A sent before the unplug.
 */
public final class WireVf implements Vf {
    private static final int RING_SIZE = 1024;

    private final String path;
    private final String pairName;
    private final MacAddress guestMac;
    private final MacAddress hostMac;
    private final PortRegistry guestRegistry;
    private final List<WirePort> ends = new ArrayList<>();
    private final PluggableHostPort<WirePort> hostPort;
    private WirePort guestEnd;

    /**
     * @param path          the path's name ({@code src-vf})
     * @param pairName      the wire pair's name: the guest sees {@code pairName + "a"}
     * @param guestMac      the guest's MAC (end A)
     * @param hostMac       end B's MAC
     * @param guestRegistry the guest's registry
     */
    public WireVf(String path, String pairName, MacAddress guestMac, MacAddress hostMac, PortRegistry guestRegistry) {
        this.path = path;
        this.hostPort = new PluggableHostPort<>(path);
        this.pairName = pairName;
        this.guestMac = guestMac;
        this.hostMac = hostMac;
        this.guestRegistry = guestRegistry;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String guestPortName() {
        return pairName + "a";
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
        // no registry: the pair would add end B (the host's side) to the guest's registry too
        WirePair pair = WirePair.create(pairName, 1, guestMac, hostMac,
                VirtioNetFeature.MAC.mask() | VirtioNetFeature.STATUS.mask(), null);
        WirePort b = pair.b();
        ends.add(b);
        ends.add(pair.a());
        b.configure(PortConfig.DEFAULT.withRingSize(RING_SIZE));
        b.start();
        hostPort.plug(b);
        guestEnd = pair.a();
        guestRegistry.add(guestEnd);
    }

    @Override
    public void unplug(RemovalReason reason) {
        WirePort a = guestEnd;
        if (a == null) {
            throw new IllegalStateException(path + ": not plugged");
        }
        guestEnd = null;
        a.pair().unplug(a, reason);
        guestRegistry.remove(a, reason);
    }

    @Override
    public void close() {
        if (guestEnd != null) {
            unplug(RemovalReason.CLOSED);
        }
        hostPort.unplug();
        for (WirePort end : ends) {
            closeQuietly(end); // an unplugged end is closed too: that frees what waits in its RX ring
        }
        ends.clear();
    }

    private static void closeQuietly(WirePort port) {
        try {
            port.close();
        } catch (PortException e) {
            // still owned by the guest's failover port: it closes it itself
        }
    }

    @Override
    public String toString() {
        return path + " (wire pair " + pairName + ")";
    }
}

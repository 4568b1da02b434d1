package io.twinport.wire;

import io.twinport.port.DeviceIdentity;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two ports joined by lock-free SPSC rings, like DPDK's ring PMD: what end A transmits on TX queue {@code q}, end B
 * receives on RX queue {@code q}, and back. Either end can be unplugged (it goes to {@link PortState#REMOVED} and
 * the registry reports REMOVED) and plugged again (a new port object of the same name and MAC, reported NEW), which
 * is how tests play a hot-plugged device.
 *
 * <pre>
 *   end A  tx q ──► [spsc ring q] ──► rx q  end B
 *          rx q ◄── [spsc ring q] ◄── tx q
 * </pre>
 *
 * The link of each end is up while both ends are present and started.
 */
public final class WirePair implements AutoCloseable {
    /** Default maximum queues per end. */
    public static final int DEFAULT_MAX_QUEUES = 8;
    /** Largest ring size an end accepts. */
    public static final int MAX_RING_SIZE = 65536;
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    private final PortRegistry registry;
    private final PortInfo infoA;
    private final PortInfo infoB;
    private volatile WirePort a;
    private volatile WirePort b;

    private WirePair(String name, int maxQueues, MacAddress macA, MacAddress macB, long features,
                     PortRegistry registry) {
        this.name = name;
        this.registry = registry;
        this.infoA = info(name + "a", macA, maxQueues, features);
        this.infoB = info(name + "b", macB, maxQueues, features);
        this.a = new WirePort(this, true, infoA);
        this.b = new WirePort(this, false, infoB);
        if (registry != null) {
            registry.add(a);
            registry.add(b);
        }
    }

    private static PortInfo info(String portName, MacAddress mac, int maxQueues, long features) {
        return new PortInfo(portName, "wire", mac, maxQueues, maxQueues, MAX_RING_SIZE, features, 68, 65535 - 14,
                new DeviceIdentity("wire:" + portName, null, false));
    }

    /**
     * A pair named {@code name} (ends {@code name + "a"} and {@code name + "b"}), with locally administered MACs,
     * {@value #DEFAULT_MAX_QUEUES} queues at most, in no registry.
     *
     * @param name the pair's name
     * @return the pair
     */
    public static WirePair create(String name) {
        return create(name, DEFAULT_MAX_QUEUES, null);
    }

    /**
     * @param name      the pair's name
     * @param maxQueues most queues per end, 1 to 1024
     * @param registry  where the ends are added (and removed on unplug), or null
     * @return the pair, ends with locally administered MACs and the feature word {@code MAC | STATUS}
     */
    public static WirePair create(String name, int maxQueues, PortRegistry registry) {
        int n = NEXT.getAndIncrement() & 0xFFFF;
        long base = 0x02_00_5E_00_00_00L | ((long) n << 8);
        return create(name, maxQueues, MacAddress.fromLong(base | 0xA), MacAddress.fromLong(base | 0xB),
                VirtioNetFeature.MAC.mask() | VirtioNetFeature.STATUS.mask(), registry);
    }

    /**
     * @param name      the pair's name
     * @param maxQueues most queues per end, 1 to 1024
     * @param macA      end A's MAC
     * @param macB      end B's MAC
     * @param features  the feature word both ends report
     * @param registry  where the ends are added (and removed on unplug), or null
     * @return the pair
     */
    public static WirePair create(String name, int maxQueues, MacAddress macA, MacAddress macB, long features,
                                  PortRegistry registry) {
        Objects.requireNonNull(name, "name");
        if (maxQueues < 1 || maxQueues > 1024) {
            throw new IllegalArgumentException("wire pair " + name + ": max queues " + maxQueues
                    + " out of range [1, 1024]");
        }
        return new WirePair(name, maxQueues, Objects.requireNonNull(macA, "macA"), Objects.requireNonNull(macB,
                "macB"), features, registry);
    }

    /** @return the pair's name */
    public String name() {
        return name;
    }

    /** @return end A as it is now (null while unplugged) */
    public WirePort a() {
        return a;
    }

    /** @return end B as it is now (null while unplugged) */
    public WirePort b() {
        return b;
    }

    WirePort peerOf(WirePort end) {
        WirePort other = end.isEndA() ? b : a;
        // an end that was replaced by a re-plug has no peer any more
        WirePort self = end.isEndA() ? a : b;
        return self == end ? other : null;
    }

    /**
     * Sets both ends' links: up while both are present and started.
     *
     * @param changing an end whose state is changing right now (its hooks run before its state moves), or null
     * @param started  whether {@code changing} counts as started
     */
    synchronized void updateLinks(WirePort changing, boolean started) {
        WirePort x = a;
        WirePort y = b;
        boolean up = x != null && y != null && isStarted(x, changing, started) && isStarted(y, changing, started);
        if (x != null) {
            x.link(up);
        }
        if (y != null) {
            y.link(up);
        }
    }

    private static boolean isStarted(WirePort end, WirePort changing, boolean started) {
        return end == changing ? started : end.state() == PortState.STARTED;
    }

    synchronized void closed(WirePort end) {
        if (a == end) {
            a = null;
        } else if (b == end) {
            b = null;
        }
        updateLinks(null, false);
    }

    /**
     * Unplugs an end: it goes to REMOVED (its link and the other end's go down) and leaves the registry with
     * {@code reason}. The port object still has to be closed by whoever holds it, which frees what it holds.
     *
     * @param end    the end to unplug
     * @param reason reported with REMOVED
     */
    public void unplug(WirePort end, RemovalReason reason) {
        synchronized (this) {
            if (a == end) {
                a = null;
            } else if (b == end) {
                b = null;
            } else {
                throw new IllegalArgumentException("wire pair " + name + ": " + end.name() + " is not plugged");
            }
        }
        end.unplugged();
        updateLinks(null, false);
        if (registry != null) {
            registry.remove(end, reason);
        }
    }

    /**
     * Plugs an end back in: a new port object with the same name and MAC, reported NEW.
     *
     * @param endA true for end A, false for end B
     * @return the new end (created, not configured)
     */
    public WirePort replug(boolean endA) {
        WirePort end;
        synchronized (this) {
            if ((endA ? a : b) != null) {
                throw new IllegalStateException("wire pair " + name + ": end " + (endA ? "a" : "b")
                        + " is plugged in");
            }
            end = new WirePort(this, endA, endA ? infoA : infoB);
            if (endA) {
                a = end;
            } else {
                b = end;
            }
        }
        if (registry != null) {
            registry.add(end);
        }
        return end;
    }

    /** Closes both ends that are plugged in. */
    @Override
    public void close() {
        WirePort x = a;
        WirePort y = b;
        if (x != null) {
            x.close();
        }
        if (y != null) {
            y.close();
        }
    }

    @Override
    public String toString() {
        return "WirePair[" + name + ": " + a + " <-> " + b + "]";
    }
}

package io.twinport.port;

import io.twinport.policy.MacAddress;

import java.util.List;
import java.util.Objects;

/**
 * How a port is configured (DPDK's {@code rte_eth_conf} plus the runtime settings a failover port replays onto a
 * new primary). Applied with {@link Port#configure} while the port is stopped; validated against the port's
 * {@link PortInfo} there, with errors naming the port and the value.
 *
 * @param rxQueues     number of RX queues, 1 to {@link PortInfo#maxRxQueues()}
 * @param txQueues     number of TX queues, 1 to {@link PortInfo#maxTxQueues()}
 * @param ringSize     descriptors per queue, a power of two up to {@link PortInfo#maxRingSize()}
 * @param mtu          MTU, within the port's range
 * @param mac          the MAC address to use, or null for the device's own
 * @param promiscuous  receive every unicast frame
 * @param allMulticast receive every multicast frame
 * @param multicast    multicast addresses to receive (each a group address)
 */
public record PortConfig(int rxQueues, int txQueues, int ringSize, int mtu, MacAddress mac, boolean promiscuous,
                         boolean allMulticast, List<MacAddress> multicast) {
    /** Default ring size. */
    public static final int DEFAULT_RING_SIZE = 256;
    /** Default MTU. */
    public static final int DEFAULT_MTU = 1500;
    /** One queue pair, 256 descriptors, MTU 1500, the device's MAC, no promiscuous mode. */
    public static final PortConfig DEFAULT = new PortConfig(1, 1, DEFAULT_RING_SIZE, DEFAULT_MTU, null, false, false,
            List.of());

    /** Copies the list. */
    public PortConfig {
        multicast = List.copyOf(Objects.requireNonNull(multicast, "multicast"));
    }

    /**
     * @param rx RX queues
     * @param tx TX queues
     * @return a copy with these queue counts
     */
    public PortConfig withQueues(int rx, int tx) {
        return new PortConfig(rx, tx, ringSize, mtu, mac, promiscuous, allMulticast, multicast);
    }

    /**
     * @param size descriptors per queue
     * @return a copy with this ring size
     */
    public PortConfig withRingSize(int size) {
        return new PortConfig(rxQueues, txQueues, size, mtu, mac, promiscuous, allMulticast, multicast);
    }

    /**
     * @param newMtu the MTU
     * @return a copy with this MTU
     */
    public PortConfig withMtu(int newMtu) {
        return new PortConfig(rxQueues, txQueues, ringSize, newMtu, mac, promiscuous, allMulticast, multicast);
    }

    /**
     * @param newMac the MAC to use, or null for the device's own
     * @return a copy with this MAC
     */
    public PortConfig withMac(MacAddress newMac) {
        return new PortConfig(rxQueues, txQueues, ringSize, mtu, newMac, promiscuous, allMulticast, multicast);
    }

    /**
     * @param promisc    promiscuous mode
     * @param allMulti   all-multicast mode
     * @return a copy with these receive modes
     */
    public PortConfig withRxModes(boolean promisc, boolean allMulti) {
        return new PortConfig(rxQueues, txQueues, ringSize, mtu, mac, promisc, allMulti, multicast);
    }

    /**
     * @param groups multicast addresses to receive
     * @return a copy with this multicast list
     */
    public PortConfig withMulticast(List<MacAddress> groups) {
        return new PortConfig(rxQueues, txQueues, ringSize, mtu, mac, promiscuous, allMulticast, groups);
    }
}

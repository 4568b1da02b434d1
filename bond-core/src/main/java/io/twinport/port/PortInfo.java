package io.twinport.port;

import io.twinport.policy.MacAddress;

import java.util.Objects;

/**
 * What a port is, as its driver reports it (DPDK's {@code rte_eth_dev_info}).
 *
 * @param name        unique name, e.g. {@code wire0a}, {@code virtio-user0}, {@code eth1}
 * @param driver      the driver kind, e.g. {@code wire}, {@code virtio-user}, {@code afpacket}
 * @param mac         the device's own MAC address
 * @param maxRxQueues most RX queues the device can have, at least 1
 * @param maxTxQueues most TX queues the device can have, at least 1
 * @param maxRingSize largest ring (descriptors per queue), a power of two
 * @param features    the 64-bit virtio-style feature word the device negotiated ({@link VirtioNetFeature})
 * @param minMtu      smallest MTU accepted
 * @param maxMtu      largest MTU accepted
 * @param identity    bus address, host-supplied pair id, VF or not
 */
public record PortInfo(String name, String driver, MacAddress mac, int maxRxQueues, int maxTxQueues,
                       int maxRingSize, long features, int minMtu, int maxMtu, DeviceIdentity identity) {
    /** Checks the fields. */
    public PortInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(identity, "identity");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("port name must not be empty");
        }
        if (maxRxQueues < 1 || maxTxQueues < 1) {
            throw new IllegalArgumentException("port " + name + ": max queues rx " + maxRxQueues + " tx "
                    + maxTxQueues + " must be >= 1");
        }
        if (maxRingSize < 1 || Integer.bitCount(maxRingSize) != 1) {
            throw new IllegalArgumentException("port " + name + ": max ring size " + maxRingSize
                    + " must be a power of two");
        }
        if (minMtu < 68 || maxMtu < minMtu) {
            throw new IllegalArgumentException("port " + name + ": MTU range [" + minMtu + ", " + maxMtu
                    + "] must satisfy 68 <= min <= max");
        }
    }

    /**
     * @param feature a feature
     * @return true if the device negotiated it
     */
    public boolean has(VirtioNetFeature feature) {
        return feature.in(features);
    }

    /**
     * @param newFeatures the feature word a driver settled on after negotiation
     * @return this info with that feature word
     */
    public PortInfo withFeatures(long newFeatures) {
        return new PortInfo(name, driver, mac, maxRxQueues, maxTxQueues, maxRingSize, newFeatures, minMtu, maxMtu,
                identity);
    }
}

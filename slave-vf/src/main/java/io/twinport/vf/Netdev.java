package io.twinport.vf;

import io.twinport.policy.MacAddress;

import java.util.Objects;

/**
 * A Linux network device as rtnetlink reports it ({@code RTM_NEWLINK}): a snapshot, control path only.
 *
 * @param ifindex     the interface index (what twinport binds to; stable across renames)
 * @param name        the interface name now
 * @param mac         its MAC address ({@link MacAddress#ZERO} if it reported none)
 * @param type        the ARPHRD_* hardware type (1 for Ethernet)
 * @param flags       the IFF_* flags
 * @param operstate   the RFC 2863 operational state (6 is UP)
 * @param mtu         the MTU now
 * @param minMtu      the smallest MTU the device accepts (68 if it did not say)
 * @param maxMtu      the largest MTU the device accepts (65535 if it did not say)
 * @param kind        the link kind of a virtual device ({@code veth}, {@code bridge}, ...), or null
 * @param numRxQueues the device's RX queues
 * @param numTxQueues the device's TX queues
 */
public record Netdev(int ifindex, String name, MacAddress mac, int type, int flags, int operstate, int mtu,
                     int minMtu, int maxMtu, String kind, int numRxQueues, int numTxQueues) {
    /** Checks the fields. */
    public Netdev {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mac, "mac");
    }

    /** @return true if administratively up ({@code IFF_UP}) */
    public boolean adminUp() {
        return (flags & NetlinkDescriptor.IFF_UP) != 0;
    }

    /**
     * The link as a port reports it: administratively up and running ({@code IFF_UP} and {@code IFF_RUNNING}; the
     * kernel sets {@code IFF_RUNNING} from the carrier and the RFC 2863 operstate).
     *
     * @return true if the link is up
     */
    public boolean linkUp() {
        return (flags & NetlinkDescriptor.IFF_UP) != 0 && (flags & NetlinkDescriptor.IFF_RUNNING) != 0;
    }

    /** @return true for an Ethernet device that is not loopback */
    public boolean isEthernet() {
        return type == NetlinkDescriptor.ARPHRD_ETHER && (flags & NetlinkDescriptor.IFF_LOOPBACK) == 0;
    }
}

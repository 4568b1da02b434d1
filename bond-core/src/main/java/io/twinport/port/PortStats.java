package io.twinport.port;

/**
 * A snapshot of a port's basic counters (DPDK's {@code rte_eth_stats}). Every counter only grows over the life of
 * the port object: reconfiguring does not reset them, and a failover port keeps the counts of departed members.
 *
 * @param rxPackets  frames received
 * @param rxBytes    bytes received
 * @param rxMissed   frames the device dropped because the RX ring was full
 * @param rxNoBuffer RX refills that found the packet pool empty
 * @param rxErrors   erroneous received frames, plus refused RX calls (bad queue id, bad array)
 * @param txPackets  frames transmitted
 * @param txBytes    bytes transmitted
 * @param txErrors   frames that failed to transmit, plus refused TX calls (bad queue id, bad array)
 */
public record PortStats(long rxPackets, long rxBytes, long rxMissed, long rxNoBuffer, long rxErrors, long txPackets,
                        long txBytes, long txErrors) {
    /** All zero. */
    public static final PortStats ZERO = new PortStats(0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * @param o another snapshot
     * @return the field-wise sum
     */
    public PortStats plus(PortStats o) {
        return new PortStats(rxPackets + o.rxPackets, rxBytes + o.rxBytes, rxMissed + o.rxMissed,
                rxNoBuffer + o.rxNoBuffer, rxErrors + o.rxErrors, txPackets + o.txPackets, txBytes + o.txBytes,
                txErrors + o.txErrors);
    }

    /**
     * @param earlier an earlier snapshot of the same port
     * @return true if no counter here is below the earlier one
     */
    public boolean notBelow(PortStats earlier) {
        return rxPackets >= earlier.rxPackets && rxBytes >= earlier.rxBytes && rxMissed >= earlier.rxMissed
                && rxNoBuffer >= earlier.rxNoBuffer && rxErrors >= earlier.rxErrors
                && txPackets >= earlier.txPackets && txBytes >= earlier.txBytes && txErrors >= earlier.txErrors;
    }
}

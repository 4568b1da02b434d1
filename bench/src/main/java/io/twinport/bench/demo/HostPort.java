package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.port.Port;

/**
 * One host-side end of a path into the guest, as the peer on the "network" sees it: what the guest transmitted on
 * that path comes out of {@link #rxBurst}, and what the peer transmits with {@link #txBurst} goes to the guest. The
 * same contract as a {@link Port}'s queue 0 (bursts over caller-owned arrays, counts returned, TX may take fewer
 * than offered), polled by the peer's one thread.
 */
public interface HostPort {
    /** @return the path's name in the timeline and the report, e.g. {@code src-vf} */
    String path();

    /**
     * @param pkts   where received packets go
     * @param offset first slot
     * @param max    most packets
     * @return how many were received
     */
    int rxBurst(Packet[] pkts, int offset, int max);

    /**
     * @param pkts   the packets
     * @param offset first slot
     * @param count  how many are offered
     * @return how many were taken; the caller keeps the rest
     */
    int txBurst(Packet[] pkts, int offset, int count);

    /**
     * @param path the path's name
     * @param port a started port; queue 0 is used
     * @return the port as a host port
     */
    static HostPort of(String path, Port port) {
        return new HostPort() {
            @Override
            public String path() {
                return path;
            }

            @Override
            public int rxBurst(Packet[] pkts, int offset, int max) {
                return port.rxBurst(0, pkts, offset, max);
            }

            @Override
            public int txBurst(Packet[] pkts, int offset, int count) {
                return port.txBurst(0, pkts, offset, count);
            }

            @Override
            public String toString() {
                return path + " (" + port.name() + ")";
            }
        };
    }
}

package io.twinport.testing;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;

/** What a fixture's peer does when it is itself a port (the other end of a wire, a veth peer): send and collect. */
public final class PeerTraffic {
    private PeerTraffic() {
    }

    /**
     * The peer transmits {@code count} numbered frames to {@code dst} on its TX queue {@code queue}.
     *
     * @param peer   the peer port, started
     * @param pool   where the frames come from
     * @param dst    the port under test's MAC
     * @param queue  the peer's TX queue
     * @param count  frames
     * @param length bytes per frame
     * @return frames the peer took; the rest are freed
     */
    public static int inject(Port peer, PacketPool pool, MacAddress dst, int queue, int count, int length) {
        Packet[] pkts = new Packet[count];
        int n = pool.allocBulk(pkts, 0, count);
        for (int i = 0; i < n; i++) {
            Frames.fill(pkts[i], dst, peer.mac(), i, length);
        }
        int sent = peer.txBurst(queue, pkts, 0, n);
        pool.freeBulk(pkts, sent, n - sent);
        return sent;
    }

    /**
     * Receives and frees everything waiting on the peer's RX queues.
     *
     * @param peer   the peer port, started
     * @param queues how many RX queues it has
     * @return frames received
     */
    public static int collect(Port peer, int queues) {
        Packet[] burst = new Packet[64];
        int got = 0;
        for (int q = 0; q < queues; q++) {
            int n;
            while ((n = peer.rxBurst(q, burst, 0, burst.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    burst[i].free();
                }
                got += n;
            }
        }
        return got;
    }
}

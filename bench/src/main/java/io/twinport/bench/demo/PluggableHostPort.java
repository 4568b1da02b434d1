package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.port.Port;

/**
 * A host port whose port is plugged in and out while the peer polls it (a VF's host end, a virtio device that hands
 * the guest over): an empty path while nothing is plugged.
 *
 * @param <P> the port's type
 */
final class PluggableHostPort<P extends Port> implements HostPort {
    private final String path;
    private volatile P port; // written by the host side; the peer's thread reads it once per burst

    /** @param path the path's name, e.g. {@code src-vf} */
    PluggableHostPort(String path) {
        this.path = path;
    }

    /** @param p a started port; queue 0 is used (volatile write: the peer sees it started) */
    void plug(P p) {
        port = p;
    }

    /** @return the port that was plugged in, or null */
    P unplug() {
        P p = port;
        port = null;
        return p;
    }

    /** @return the port plugged in now, or null */
    P current() {
        return port;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int rxBurst(Packet[] pkts, int offset, int max) {
        P p = port;
        return p == null ? 0 : p.rxBurst(0, pkts, offset, max);
    }

    @Override
    public int txBurst(Packet[] pkts, int offset, int count) {
        P p = port;
        return p == null ? 0 : p.txBurst(0, pkts, offset, count);
    }

    @Override
    public String toString() {
        return path;
    }
}

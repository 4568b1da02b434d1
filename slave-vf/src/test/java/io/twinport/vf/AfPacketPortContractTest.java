package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.testing.PortContractTest;
import io.twinport.testing.PortFixture;

import java.util.concurrent.TimeUnit;

/**
 * The port contract, run against an {@link AfPacketPort} on one end of a veth pair; the peer is a second
 * AfPacketPort on the other end. A {@link NetdevWatcher} thread follows the port, so carrier changes of the peer
 * (its end set down/up with {@code ip}) reach the registry as link events.
 */
class AfPacketPortContractTest extends PortContractTest {
    @Override
    protected PortFixture createFixture(PacketPool pool) {
        Ip.assumeRootAndIp();
        return new VethFixture(pool, options());
    }

    /** @return the options of the port under test and its peer */
    protected AfPacketOptions options() {
        return AfPacketOptions.DEFAULT;
    }

    static final class VethFixture implements PortFixture {
        private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
        private final PacketPool pool;
        private final PortRegistry registry = new PortRegistry();
        private final VethPair veth;
        private final AfPacketPort port;
        private final AfPacketPort peer;
        private final NetdevWatcher watcher;

        VethFixture(PacketPool pool, AfPacketOptions options) {
            this.pool = pool;
            this.veth = VethPair.create();
            AfPacketPort p = null;
            AfPacketPort q = null;
            NetdevWatcher w = null;
            try {
                p = AfPacketPort.open(veth.a, pool, options);
                registry.add(p);
                q = AfPacketPort.open(veth.b, pool, options);
                q.configure(PortConfig.DEFAULT);
                q.start();
                w = new NetdevWatcher(registry, pool, AfPacketOptions.DEFAULT, NetdevSelection.NONE);
                w.attach(p);
                w.attach(q);
                w.startThread("watcher-" + veth.a);
            } catch (RuntimeException e) {
                if (w != null) {
                    w.close();
                }
                if (q != null) {
                    q.close();
                }
                if (p != null) {
                    p.close();
                }
                veth.close();
                throw e;
            }
            this.port = p;
            this.peer = q;
            this.watcher = w;
        }

        @Override
        public Port port() {
            return port;
        }

        @Override
        public PacketPool pool() {
            return pool;
        }

        @Override
        public PortRegistry registry() {
            return registry;
        }

        @Override
        public int injectRx(int queue, int count, int length) {
            Packet[] pkts = new Packet[count];
            int n = pool.allocBulk(pkts, 0, count);
            for (int i = 0; i < n; i++) {
                Frames.fill(pkts[i], port.mac(), peer.mac(), i, length);
            }
            int sent = 0;
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (sent < n && System.nanoTime() < deadline) {
                sent += peer.txBurst(0, pkts, sent, n - sent);
            }
            pool.freeBulk(pkts, sent, n - sent);
            return sent;
        }

        @Override
        public int collectTx(int expected) {
            Packet[] burst = new Packet[64];
            int got = 0;
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (got < expected && System.nanoTime() < deadline) {
                int n = peer.rxBurst(0, burst, 0, burst.length);
                pool.freeBulk(burst, 0, n);
                got += n;
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
            return got;
        }

        @Override
        public void setPeerLink(boolean up) {
            veth.setB(up);
        }

        @Override
        public boolean canSteer() {
            return false; // PACKET_FANOUT hashes flows over the RX sockets: the sender cannot pick the queue
        }

        @Override
        public boolean txCanFill() {
            return false; // veth takes every frame at once; the peer's kernel drops when its ring is full
        }

        @Override
        public void close() {
            try {
                watcher.close();
                port.close();
                peer.close();
                registry.close();
            } finally {
                veth.close();
            }
        }
    }
}

package io.twinport.wire;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.testing.PortContractTest;
import io.twinport.testing.PortFixture;

/** The port contract, run against end A of a wire pair; end B is the peer. */
class WirePortContractTest extends PortContractTest {
    @Override
    protected PortFixture createFixture(PacketPool pool) {
        return new WireFixture(pool);
    }

    static final class WireFixture implements PortFixture {
        private final PacketPool pool;
        private final PortRegistry registry = new PortRegistry();
        private final WirePair pair;
        private final WirePort peer;

        WireFixture(PacketPool pool) {
            this.pool = pool;
            this.pair = WirePair.create("contract", 4, registry);
            this.peer = pair.b();
            peer.configure(PortConfig.DEFAULT.withQueues(4, 4).withRingSize(256));
            peer.start();
        }

        @Override
        public Port port() {
            return pair.a();
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
                Frames.fill(pkts[i], pair.infoMacA(), peer.mac(), i, length);
            }
            int sent = peer.txBurst(queue, pkts, 0, n);
            pool.freeBulk(pkts, sent, n - sent);
            return sent;
        }

        @Override
        public int collectTx(int expected) {
            Packet[] burst = new Packet[64];
            int got = 0;
            for (int q = 0; q < 4; q++) {
                int n;
                while ((n = peer.rxBurst(q, burst, 0, burst.length)) > 0) {
                    pool.freeBulk(burst, 0, n);
                    got += n;
                }
            }
            return got;
        }

        @Override
        public void setPeerLink(boolean up) {
            if (up) {
                peer.start();
            } else {
                peer.stop();
            }
        }

        @Override
        public void close() {
            pair.close();
            peer.close();
            registry.close();
        }
    }
}

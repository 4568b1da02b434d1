package io.twinport.wire;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.PeerTraffic;
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
            return PeerTraffic.inject(peer, pool, pair.a().mac(), queue, count, length);
        }

        @Override
        public int collectTx(int expected) {
            return PeerTraffic.collect(peer, 4);
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

package io.twinport.failover;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import io.twinport.testing.PortContractTest;
import io.twinport.testing.PortFixture;
import io.twinport.wire.WirePair;

/**
 * The failover port passes the same port contract as every driver: the application code does not change when a
 * plain port becomes a failover port. Its standby is end A of a wire pair; end B is the network.
 */
class FailoverPortContractTest extends PortContractTest {
    @Override
    protected PortFixture createFixture(PacketPool pool) {
        return new FailoverFixture(pool);
    }

    private static final class FailoverFixture implements PortFixture {
        private final PacketPool pool;
        private final PortRegistry registry = new PortRegistry();
        private final FailoverManager manager;
        private final WirePair standby;
        private final FailoverPort port;

        FailoverFixture(PacketPool pool) {
            this.pool = pool;
            manager = new FailoverManager(registry, Rig.QUIET, PairingExclusions.NONE, System::nanoTime);
            standby = WirePair.create("fs", 4, Rig.MAC, MacAddress.parse("02:00:00:00:ee:01"),
                    Rig.STANDBY_FEATURES, null);
            standby.b().configure(PortConfig.DEFAULT.withQueues(4, 4).withRingSize(256));
            standby.b().start();
            registry.add(standby.a());
            manager.start();
            registry.doWork();
            port = manager.failoverPorts().getFirst();
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
                Frames.fill(pkts[i], Rig.MAC, standby.b().mac(), i, length);
            }
            int sent = standby.b().txBurst(queue, pkts, 0, n);
            pool.freeBulk(pkts, sent, n - sent);
            return sent;
        }

        @Override
        public int collectTx(int expected) {
            Packet[] burst = new Packet[64];
            int got = 0;
            for (int q = 0; q < 4; q++) {
                int n;
                while ((n = standby.b().rxBurst(q, burst, 0, burst.length)) > 0) {
                    pool.freeBulk(burst, 0, n);
                    got += n;
                }
            }
            return got;
        }

        @Override
        public void setPeerLink(boolean up) {
            if (up) {
                standby.b().start();
            } else {
                standby.b().stop();
            }
        }

        @Override
        public void close() {
            port.close();
            registry.doWork();
            manager.doWork();
            manager.close();
            standby.close();
            registry.close();
        }
    }
}

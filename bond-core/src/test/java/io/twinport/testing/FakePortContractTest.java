package io.twinport.testing;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;

/** The fake member passes the port contract too, so tests built on it rest on a port that behaves like one. */
class FakePortContractTest extends PortContractTest {
    @Override
    protected PortFixture createFixture(PacketPool pool) {
        PortRegistry registry = new PortRegistry();
        FakePort fake = new FakePort("fake0", MacAddress.parse("02:00:00:00:0f:01"), VirtioNetFeature.MAC.mask());
        registry.add(fake);
        return new PortFixture() {
            @Override
            public Port port() {
                return fake;
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
                    Frames.fill(pkts[i], fake.mac(), MacAddress.parse("02:00:00:00:0f:02"), i, length);
                }
                fake.injectRx(queue, java.util.Arrays.copyOf(pkts, n));
                return n;
            }

            @Override
            public int collectTx(int expected) {
                var pkts = fake.takeTx();
                pkts.forEach(Packet::free);
                return pkts.size();
            }

            @Override
            public void setPeerLink(boolean up) {
                fake.setCarrier(up);
            }

            @Override
            public void close() {
                fake.close();
                registry.close();
            }
        };
    }
}

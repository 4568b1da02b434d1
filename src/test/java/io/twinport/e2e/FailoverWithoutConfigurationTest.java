package io.twinport.e2e;

import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.config.TwinportConfig;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole failover loop with real threads and the real clock, on in-process members: the pair forms with no
 * configuration, an application thread transmits numbered frames the whole time, the primary leaves gracefully
 * (nothing lost), comes back (traffic returns to it), then vanishes by surprise (traffic carries on on the
 * standby). The network side of each member is drained by its own thread, as a switch would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailoverWithoutConfigurationTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:ab:cd:ef");

    @Test
    void trafficSurvivesAGracefulUnplugAReplugAndASurpriseRemoval() throws Exception {
        PacketPool pool = PacketPool.create("e2e", 8192);
        PortRegistry registry = new PortRegistry();
        FailoverManager manager = new FailoverManager(registry, FailoverOptions.from(TwinportConfig.defaults()),
                TwinportConfig.defaults().pairingExclusions(), System::nanoTime);
        WirePair standby = member("vnet", VirtioNetFeature.VERSION_1.mask() | VirtioNetFeature.MAC.mask()
                | VirtioNetFeature.STANDBY.mask(), 1);
        WirePair primary = member("vf", VirtioNetFeature.MAC.mask(), 2);
        BitSet seen = new BitSet();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger onPrimary = new AtomicInteger();
        AtomicBoolean stopApp = new AtomicBoolean();
        AtomicBoolean stopNetwork = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger sent = new AtomicInteger();
        Thread app = null;
        Thread network = null;
        try {
            registry.add(standby.a());
            manager.startControlThread("e2e-control");
            await(() -> manager.failoverPorts().size() == 1, "the failover port forms from the standby alone");
            FailoverPort fp = manager.failoverPorts().getFirst();
            assertEquals(MAC, fp.mac());
            fp.configure(PortConfig.DEFAULT.withRingSize(1024));
            fp.start();
            registry.add(primary.a());
            await(() -> fp.active().orElse(null) == primary.a(), "the primary joins and takes over");

            network = Thread.ofPlatform().name("e2e-network").start(() -> {
                Packet[] burst = new Packet[64];
                try {
                    while (!stopNetwork.get()) {
                        drain(primary.b(), burst, seen, duplicates, onPrimary);
                        drain(standby.b(), burst, seen, duplicates, null);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            app = Thread.ofPlatform().name("e2e-app").start(() -> {
                Packet[] burst = new Packet[32];
                int seq = 0;
                try {
                    while (!stopApp.get()) {
                        int n = pool.allocBulk(burst, 0, 32);
                        for (int i = 0; i < n; i++) {
                            frame(burst[i], seq + i);
                        }
                        int took = fp.txBurst(0, burst, 0, n);
                        pool.freeBulk(burst, took, n - took);
                        seq += took;
                        sent.set(seq);
                        fp.rxBurst(0, burst, 0, 32); // nothing comes in; the queue still acknowledges switches
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            await(() -> onPrimary.get() > 10_000, "traffic on the primary");

            CompletableFuture<Void> released = manager.prepareUnplug(primary.a().name());
            released.get(10, TimeUnit.SECONDS);
            WirePort leaving = primary.a();
            primary.unplug(leaving, RemovalReason.GRACEFUL);
            registry.remove(leaving, RemovalReason.GRACEFUL);
            int afterGraceful = sent.get();
            await(() -> sent.get() > afterGraceful + 10_000, "traffic on the standby");
            leaving.close();

            WirePort back = primary.replug(true);
            registry.add(back);
            await(() -> fp.active().orElse(null) == back, "the new primary takes over");
            int onPrimaryBefore = onPrimary.get();
            await(() -> onPrimary.get() > onPrimaryBefore + 10_000, "traffic back on the primary");

            stopApp.set(true);
            app.join(5_000);
            int total = sent.get();
            // the network thread still drains what is on the wires
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.cardinality() + duplicates.get() < total && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertNull(failure.get(), () -> "a data-path thread threw: " + failure.get());
            assertEquals(0, duplicates.get(), "a frame arrived twice");
            assertEquals(total, seen.cardinality(), "every frame the failover port took arrived");
            assertTrue(seen.nextClearBit(0) >= total, "no gap before " + total);

            WirePort vanishing = primary.a();
            primary.unplug(vanishing, RemovalReason.SURPRISE);
            registry.remove(vanishing, RemovalReason.SURPRISE);
            await(() -> fp.active().orElse(null) == standby.a(), "TX moves to the standby after a surprise");
            assertSame(standby.a(), fp.active().orElseThrow());
        } finally {
            stopApp.set(true);
            stopNetwork.set(true);
            if (app != null) {
                app.join(5_000);
            }
            if (network != null) {
                network.join(5_000);
            }
            for (FailoverPort fp : manager.failoverPorts()) {
                fp.close();
            }
            manager.close();
            registry.doWork();
            manager.doWork();
            standby.close();
            primary.close();
            registry.close();
        }
        assertEquals(0, pool.inUse(), "packets not returned to the pool");
        pool.close();
    }

    private static WirePair member(String name, long features, int n) {
        WirePair pair = WirePair.create(name, 1, MAC, MacAddress.fromLong(0x02_00_00_00_ee_00L + n), features, null);
        pair.b().configure(PortConfig.DEFAULT.withRingSize(4096));
        pair.b().start();
        return pair;
    }

    private static void frame(Packet p, int seq) {
        p.length(64);
        p.putByte(12, (byte) 0x88);
        p.putByte(13, (byte) 0xB5);
        p.putByte(14, (byte) (seq >>> 24));
        p.putByte(15, (byte) (seq >>> 16));
        p.putByte(16, (byte) (seq >>> 8));
        p.putByte(17, (byte) seq);
    }

    private static void drain(Port network, Packet[] burst, BitSet seen, AtomicInteger duplicates,
                              AtomicInteger counter) {
        int n = network.rxBurst(0, burst, 0, burst.length);
        for (int i = 0; i < n; i++) {
            Packet p = burst[i];
            if (p.getByte(12) == (byte) 0x88 && p.getByte(13) == (byte) 0xB5) {
                int seq = ((p.getByte(14) & 0xFF) << 24) | ((p.getByte(15) & 0xFF) << 16)
                        | ((p.getByte(16) & 0xFF) << 8) | (p.getByte(17) & 0xFF);
                synchronized (seen) {
                    if (seen.get(seq)) {
                        duplicates.incrementAndGet();
                    }
                    seen.set(seq);
                }
                if (counter != null) {
                    counter.incrementAndGet();
                }
            }
            p.free();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(1);
        }
    }
}

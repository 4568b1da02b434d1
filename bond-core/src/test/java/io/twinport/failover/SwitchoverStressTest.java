package io.twinport.failover;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.AbstractPort;
import io.twinport.port.DeviceIdentity;
import io.twinport.port.PortConfig;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.QueueCounters;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The switchover protocol under fire: two data-path threads poll a failover port (RX, then TX of what they got) at
 * full rate while the control thread plugs a primary in and takes it out again, thousands of times, alternating
 * surprise and graceful removals. Every member checks, inside its own bursts (which spin a random while to widen
 * the windows), that it has not been released: "a member used after its release" is the forbidden outcome.
 */
class SwitchoverStressTest {
    private static final int CYCLES = Integer.getInteger("twinport.stress.cycles", 5_000); // two switches each

    /** A member that counts any burst that runs after its owner released it. */
    static final class CheckedMember extends AbstractPort {
        static final AtomicLong VIOLATIONS = new AtomicLong();
        private final PacketPool pool;
        private volatile boolean released;
        private final SplittableRandom[] random = {new SplittableRandom(1), new SplittableRandom(2)};

        CheckedMember(String name, long features, PacketPool pool) {
            super(new PortInfo(name, "checked", Rig.MAC, 2, 2, 4096, features, 68, 9000, DeviceIdentity.NONE));
            this.pool = pool;
        }

        private void check(int queue) {
            for (int spin = random[queue].nextInt(64); spin > 0; spin--) {
                Thread.onSpinWait();
            }
            if (released) {
                VIOLATIONS.incrementAndGet();
            }
        }

        void die() {
            markRemoved();
        }

        @Override
        protected void doConfigure(PortConfig cfg) {
        }

        @Override
        protected void doStart() {
            setLinkUp(true);
        }

        @Override
        protected void doStop() {
            if (state() != PortState.REMOVED) { // a device that dies is not a release
                released = true;
            }
        }

        @Override
        protected void doClose() {
            released = true;
        }

        @Override
        protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
            check(queue);
            int n = pool.allocBulk(pkts, offset, Math.min(max, 4));
            for (int i = offset; i < offset + n; i++) {
                pkts[i].length(60);
            }
            check(queue);
            return n;
        }

        @Override
        protected int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters) {
            check(queue);
            pool.freeBulk(pkts, offset, count);
            return count;
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void noMemberIsUsedAfterItsRelease() throws Exception {
        CheckedMember.VIOLATIONS.set(0);
        try (PacketPool pool = PacketPool.create("stress", 4096)) {
            PortRegistry registry = new PortRegistry();
            FailoverManager manager = new FailoverManager(registry, Rig.QUIET.withGracefulDrainNanos(0),
                    PairingExclusions.NONE, System::nanoTime);
            CheckedMember standby = new CheckedMember("standby", Rig.STANDBY_FEATURES, pool);
            registry.add(standby);
            manager.start();
            registry.doWork();
            FailoverPort fp = manager.failoverPorts().getFirst();
            fp.configure(PortConfig.DEFAULT.withQueues(2, 2));
            fp.start();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong bursts = new AtomicLong();
            Thread[] data = new Thread[2];
            for (int q = 0; q < 2; q++) {
                int queue = q;
                data[q] = Thread.ofPlatform().name("data-" + q).start(() -> {
                    Packet[] pkts = new Packet[32];
                    long n = 0;
                    try {
                        while (!stop.get()) {
                            int rx = fp.rxBurst(queue, pkts, 0, 32);
                            int tx = fp.txBurst(queue, pkts, 0, rx);
                            pool.freeBulk(pkts, tx, rx - tx);
                            n++;
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    } finally {
                        bursts.addAndGet(n);
                    }
                });
            }
            SplittableRandom random = new SplittableRandom(42);
            try {
                for (int cycle = 0; cycle < CYCLES && failure.get() == null; cycle++) {
                    CheckedMember primary = new CheckedMember("primary" + cycle, Rig.PRIMARY_FEATURES, pool);
                    registry.add(primary);
                    runUntil(registry, manager, () -> fp.active().orElse(null) == primary, "primary active");
                    for (int spin = random.nextInt(200); spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                    if (cycle % 2 == 0) {
                        primary.die();
                        registry.remove(primary, RemovalReason.SURPRISE);
                        runUntil(registry, manager, () -> primary.state() == PortState.CLOSED, "surprise release");
                    } else {
                        CompletableFuture<Void> done = manager.prepareUnplug(primary.name());
                        runUntil(registry, manager, done::isDone, "graceful release");
                        registry.remove(primary, RemovalReason.GRACEFUL);
                        registry.doWork();
                        primary.close();
                    }
                }
            } finally {
                stop.set(true);
                for (Thread t : data) {
                    t.join(10_000);
                }
            }
            assertNull(failure.get(), () -> "data path threw: " + failure.get());
            assertEquals(0, CheckedMember.VIOLATIONS.get(), "bursts on a member after its release");
            assertTrue(bursts.get() > CYCLES, "the data path ran: " + bursts.get() + " bursts");
            assertTrue(fp.xstats().get("failover_switches") >= 2L * CYCLES);
            fp.close();
            standby.close();
            registry.doWork();
            manager.doWork();
            manager.close();
            assertEquals(0, pool.inUse(), "packets not returned to the pool");
        }
    }

    private static void runUntil(PortRegistry registry, FailoverManager manager,
                                 java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (registry.doWork() + manager.doWork() == 0) {
                Thread.yield(); // two cores, two data threads: let the queues run and acknowledge
            }
        }
    }
}

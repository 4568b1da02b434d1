package io.twinport.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import io.twinport.failover.FailoverEventType;
import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channel over a failover port whose primary is unplugged gracefully and plugged back a thousand times while a
 * peer on the other side of the wires sends requests and the channel's handler echoes them. The manager runs on a
 * fake clock driven here: the graceful drain window is modelled as long enough for the frames on their way (the
 * host's warning exists for that), and then every request must be answered, every buffer returned, and the channel
 * never closed.
 */
class TwinportChannelFailoverTest {
    private static final int CYCLES = Integer.getInteger("twinport.netty.cycles", 1_000);
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    private static final long STANDBY = VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask();
    private static final long PRIMARY = VirtioNetFeature.MAC.mask();
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int BURST = 16;

    @BeforeAll
    static void paranoidLeakDetection() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PortRegistry registry = new PortRegistry();
    private final FailoverManager manager = new FailoverManager(registry,
            FailoverOptions.DEFAULT.withAnnounce(new AnnouncementSchedule(0, 0)).withGracefulDrainNanos(DRAIN_NANOS),
            PairingExclusions.NONE, now::get);

    private WirePair member(String name, long features, int n) {
        WirePair pair = WirePair.create(name, 1, MAC, MacAddress.fromLong(0x02_00_00_00_ee_00L + n), features, null);
        pair.b().configure(PortConfig.DEFAULT.withRingSize(1024));
        pair.b().start();
        registry.add(pair.a());
        return pair;
    }

    private void settleUntil(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (registry.doWork() + manager.doWork() == 0) {
                Thread.yield(); // the channel's loop acknowledges the switch on its next burst
            }
        }
    }

    /** The peer: requests go out on one path (the host's routing), replies come back on either. */
    private static final class Peer {
        private final PacketPool pool;
        private final WirePair[] paths;
        final List<Integer> replies = new ArrayList<>();
        int sent;

        Peer(PacketPool pool, WirePair... paths) {
            this.pool = pool;
            this.paths = paths;
        }

        void send(Port path, int n) {
            int goal = sent + n;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sent < goal) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the wire never took request " + sent);
                }
                sent += NettyTesting.send(pool, path, 0, MAC, sent, goal - sent, 60 + sent % 200);
                collect();
            }
        }

        void collect() {
            for (WirePair p : paths) {
                NettyTesting.receive(p.b(), 0, replies, null);
            }
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void noFrameIsLostThroughAThousandGracefulSwitchoversAndTheChannelStaysOpen() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(
                IdleStrategy.backoff(50, 10, 1_000, 50_000)));
        try (PacketPool pool = PacketPool.create("netty-failover", 8192)) {
            WirePair standby = member("fs", STANDBY, 1);
            WirePair primary = member("fp", PRIMARY, 2);
            manager.start();
            settleUntil(() -> !manager.failoverPorts().isEmpty(), "the failover port");
            FailoverPort fp = manager.failoverPorts().getFirst();
            fp.configure(PortConfig.DEFAULT.withRingSize(1024));
            fp.start();
            settleUntil(() -> fp.active().orElse(null) == primary.a(), "the primary active");

            TwinportChannel ch = new TwinportChannel(fp, pool, registry, 0, 1);
            ch.pipeline().addLast(new NettyTesting.Echo());
            group.register(ch).syncUninterruptibly();
            AtomicInteger inactive = new AtomicInteger();
            ch.closeFuture().addListener(f -> inactive.incrementAndGet());

            Peer peer = new Peer(pool, standby, primary);
            List<String> unplugReasons = new ArrayList<>();
            manager.addListener(e -> {
                if (e.type() == FailoverEventType.PRIMARY_UNPLUGGED) {
                    unplugReasons.add(String.valueOf(e.data().get("reason")));
                }
            });
            int unplugged = 0;
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                WirePort vf = primary.a();
                settleUntil(() -> fp.active().orElse(null) == vf, "primary active again, cycle " + cycle);
                peer.send(primary.b(), BURST);
                // graceful: the host moves the traffic to the standby path, then warns before it unplugs the VF
                peer.send(standby.b(), BURST / 2);
                CompletableFuture<Void> done = manager.prepareUnplug(vf.name());
                peer.send(standby.b(), BURST / 2); // traffic goes on during the switchover
                int sentSoFar = peer.sent;
                settleUntil(() -> {
                    peer.collect();
                    return ch.stats().rxFrames() >= sentSoFar;
                }, "the requests on their way, received (cycle " + cycle + ")");
                now.addAndGet(DRAIN_NANOS + 1_000_000L); // the drain window has passed
                settleUntil(() -> {
                    peer.collect();
                    return done.isDone();
                }, "the VF released (cycle " + cycle + ")");
                primary.unplug(vf, RemovalReason.GRACEFUL);
                registry.remove(vf, RemovalReason.GRACEFUL);
                settleUntil(() -> registry.doWork() == 0, "the removal delivered");
                vf.close();
                unplugged++;
                registry.add(primary.replug(true));
                assertTrue(ch.isActive(), "the channel stayed open through switchover " + cycle);
            }
            settleUntil(() -> {
                peer.collect();
                return peer.replies.size() >= peer.sent;
            }, "every reply");
            assertEquals(CYCLES, unplugged);
            assertEquals(peer.sent, peer.replies.size(), "one reply per request");
            Set<Integer> distinct = new HashSet<>(peer.replies);
            assertEquals(peer.sent, distinct.size(), "no request lost, none answered twice");
            assertEquals(2L * CYCLES * BURST, peer.sent);
            assertTrue(manager.failoverPorts().getFirst().xstats().get("failover_switches") >= 2L * CYCLES);
            assertEquals(CYCLES, unplugReasons.size(), "PRIMARY_UNPLUGGED events");
            assertTrue(unplugReasons.stream().allMatch("graceful"::equals), unplugReasons.toString());
            assertTrue(ch.isActive());
            assertNull(ch.closeCause());
            assertEquals(0, inactive.get(), "never closed");
            TwinportChannelStats s = ch.stats();
            assertEquals(peer.sent, s.rxFrames());
            assertEquals(peer.sent, s.txFrames());
            assertEquals(0, s.txDropped());

            ch.close().syncUninterruptibly();
            manager.close(); // stop pairing first, so nothing claims the members again once the port lets go
            registry.doWork();
            fp.close();
            standby.close();
            primary.close();
            registry.close();
            assertEquals(0, pool.inUse(), "packets not returned to the pool");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

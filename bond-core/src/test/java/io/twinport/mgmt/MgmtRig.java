package io.twinport.mgmt;

import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverOptions;
import io.twinport.failover.FailoverPort;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.port.PortConfig;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.port.VirtioNetFeature;
import io.twinport.registry.PortRegistry;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A running process in miniature: a registry and a failover manager on a control thread
 * ({@link FailoverManager#startControlThread}), a failover port formed by itself from two wire-pair members (end A
 * registered: {@code vnet0a} the standby, {@code vf0a} the primary; end B is the network behind it), started, with a
 * data-path thread polling every queue (so switches are acknowledged), and a management server on a socket.
 * The clock is real time plus a skew the test can add to, so override expiry is tested without sleeping.
 */
final class MgmtRig implements AutoCloseable {
    static final long STANDBY_FEATURES = VirtioNetFeature.MAC.mask() | VirtioNetFeature.STANDBY.mask();
    static final long PRIMARY_FEATURES = VirtioNetFeature.MAC.mask();
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    static final int QUEUES = 4;
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final FailoverOptions QUIET = FailoverOptions.DEFAULT.withAnnounce(new AnnouncementSchedule(0, 0));

    final AtomicLong skew = new AtomicLong();
    final PortRegistry registry = new PortRegistry();
    final PacketPool pool = PacketPool.create("mgmt-rig", 4096);
    final FailoverManager manager;
    final WirePair standby;
    final WirePair primary;
    FailoverPort fp;
    MgmtServer server;
    private final List<MgmtClient> clients = new ArrayList<>();
    private Thread poller;
    private volatile boolean stop;

    MgmtRig(MgmtOptions options) throws IOException {
        manager = new FailoverManager(registry, QUIET, PairingExclusions.NONE, this::now);
        standby = member("vnet0", STANDBY_FEATURES, 1);
        primary = member("vf0", PRIMARY_FEATURES, 2);
        try {
            manager.startControlThread("mgmt-rig-control");
            await(() -> !manager.failoverPorts().isEmpty()
                    && manager.failoverPorts().getFirst().primary().isPresent(),
                    "the failover port forms with both members");
            fp = manager.failoverPorts().getFirst();
            onControl(() -> {
                fp.configure(PortConfig.DEFAULT.withQueues(QUEUES, QUEUES));
                fp.start();
                return null;
            });
            poller = Thread.ofPlatform().name("mgmt-rig-datapath").daemon(true).start(this::poll);
            await(() -> fp.active().orElse(null) == primary.a() && !fp.switching(), "the primary becomes active");
            server = MgmtServer.start(options, registry, manager, this::now);
        } catch (IOException | RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    long now() {
        return System.nanoTime() + skew.get();
    }

    private WirePair member(String name, long features, int n) {
        WirePair pair = WirePair.create(name, QUEUES, MAC, MacAddress.parse("02:00:00:00:ee:0" + n), features, null);
        pair.b().configure(PortConfig.DEFAULT.withQueues(QUEUES, QUEUES));
        pair.b().start();
        registry.add(pair.a());
        return pair;
    }

    /** The data path: every queue polled, RX freed, an empty TX burst so TX queues acknowledge too. */
    private void poll() {
        Packet[] burst = new Packet[32];
        while (!stop) {
            for (int q = 0; q < QUEUES; q++) {
                int n = fp.rxBurst(q, burst, 0, burst.length);
                if (n > 0) {
                    pool.freeBulk(burst, 0, n);
                }
                fp.txBurst(q, burst, 0, 0);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /** The network behind {@code pair} sends {@code n} frames to the member. */
    int inject(WirePair pair, int n) {
        Packet[] pkts = new Packet[n];
        int got = pool.allocBulk(pkts, 0, n);
        for (int i = 0; i < got; i++) {
            pkts[i].length(64);
        }
        int sent = pair.b().txBurst(0, pkts, 0, got);
        pool.freeBulk(pkts, sent, got - sent);
        return sent;
    }

    /**
     * Surprise-unplugs the primary (a VF hot-unplug), on the control thread: its LINK_DOWN and REMOVED then reach the
     * manager in one duty cycle, so PRIMARY_UNPLUGGED always comes before the SWITCHED it causes (from the test
     * thread, the manager could switch on the LINK_DOWN alone, and report it, before REMOVED was posted).
     */
    void unplugPrimary() {
        onControl(() -> {
            WirePort end = primary.a();
            primary.unplug(end, RemovalReason.SURPRISE);
            registry.remove(end, RemovalReason.SURPRISE);
            return null;
        });
    }

    <T> T onControl(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        registry.execute(() -> {
            try {
                f.complete(task.call());
            } catch (Exception | Error e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("control-thread task failed or timed out", e);
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    MgmtClient client() throws IOException {
        MgmtClient c = MgmtClient.connect(server.path(), WAIT);
        clients.add(c);
        return c;
    }

    Path path() {
        return server.path();
    }

    @Override
    public void close() {
        for (MgmtClient c : clients) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        if (server != null) {
            server.close();
        }
        stop = true;
        if (poller != null && poller.isAlive()) {
            try {
                poller.join(WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        manager.close();
        for (FailoverPort f : manager.failoverPorts()) {
            f.close();
        }
        for (int i = 0; i < 100 && registry.doWork() + manager.doWork() > 0; i++) {
            // settle: closed failover ports leave the registry, removed members are closed
        }
        for (WirePair p : List.of(standby, primary)) {
            for (WirePort end : new WirePort[] {p.a(), p.b()}) {
                if (end != null && end.owner().isEmpty() && end.state() != PortState.CLOSED) {
                    end.close();
                }
            }
        }
        registry.close();
        assertEquals(0, pool.inUse(), "packets not returned to the pool");
        pool.close();
    }
}

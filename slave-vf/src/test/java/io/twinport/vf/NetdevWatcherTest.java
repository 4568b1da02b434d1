package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot-plug watcher on real netdevs: veth pairs created, deleted, moved between namespaces, set down and up and
 * renamed with {@code ip}. The watcher and the registry are driven by hand ({@code doWork()}), no threads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetdevWatcherTest {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private PacketPool pool;
    private PortRegistry registry;
    private NetdevWatcher watcher;
    private final List<PortEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> cleanup = new ArrayList<>();
    private String base;

    @BeforeEach
    void setUp() {
        Ip.assumeRootAndIp();
        pool = PacketPool.create("watch", 1024);
        registry = new PortRegistry();
        registry.addListener(events::add);
        base = Ip.uniqueName("tpw");
    }

    @AfterEach
    void tearDown() {
        try {
            if (watcher != null) {
                watcher.close();
            }
            for (Port p : registry.ports()) {
                p.close();
            }
            for (PortEvent e : events) {
                e.port().close();
            }
            registry.close();
        } finally {
            for (String c : cleanup) {
                if (c.startsWith("netns:")) {
                    Ip.quiet("netns", "del", c.substring(6));
                } else {
                    Ip.quiet("link", "del", c);
                }
            }
            if (pool != null) {
                assertEquals(0, pool.inUse(), "packets left out of the pool");
                pool.close();
            }
        }
    }

    private void startWatcher(NetdevSelection selection) {
        watcher = new NetdevWatcher(registry, pool, AfPacketOptions.DEFAULT, selection).start();
    }

    private VethPair veth(String name) {
        VethPair v = VethPair.create(name, false);
        cleanup.add(v.a);
        return v;
    }

    /** Runs both duty cycles until an event matches; bounded. */
    private PortEvent await(String what, Predicate<PortEvent> p) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            watcher.doWork();
            registry.doWork();
            for (PortEvent e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no " + what + " within 5 s; events: " + events);
    }

    private static Predicate<PortEvent> is(PortEventType type, String portName) {
        return e -> e.type() == type && e.port().name().equals(portName);
    }

    private PortEvent awaitNext(String what, Predicate<PortEvent> p) {
        int from = events.size();
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            watcher.doWork();
            registry.doWork();
            for (int i = from; i < events.size(); i++) {
                if (p.test(events.get(i))) {
                    return events.get(i);
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no " + what + " within 5 s; events: " + events);
    }

    /** Drives both duty cycles for a while so that anything pending is delivered. */
    private void settle() {
        for (int i = 0; i < 50; i++) {
            watcher.doWork();
            registry.doWork();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Test
    void aNewNetdevIsRegisteredWithItsMacAndIdentityAndItsDeletionRemovesIt() {
        startWatcher(NetdevSelection.named(base + ".*"));
        VethPair v = veth(base);
        PortEvent na = await("NEW " + v.a, is(PortEventType.NEW, v.a));
        await("NEW " + v.b, is(PortEventType.NEW, v.b));
        AfPacketPort a = assertInstanceOf(AfPacketPort.class, na.port());
        Netdev dev = Kernel.links().getLink(v.a);
        assertEquals(dev.mac(), a.info().mac(), "NEW carries the netdev's MAC");
        assertEquals(dev.ifindex(), a.ifindex());
        assertEquals("veth", a.netdevIdentity().driver(), "identity: a veth has no device, its kind is the driver");
        assertNull(a.info().identity().busAddress());
        assertFalse(a.info().identity().virtualFunction());
        assertSame(a, registry.find(v.a).orElseThrow());

        Ip.run("link", "del", v.a);
        PortEvent ra = await("REMOVED " + v.a, is(PortEventType.REMOVED, v.a));
        PortEvent rb = await("REMOVED " + v.b, is(PortEventType.REMOVED, v.b));
        assertEquals(RemovalReason.SURPRISE, ra.reason());
        assertEquals(RemovalReason.SURPRISE, rb.reason());
        assertEquals(PortState.REMOVED, a.state());
        assertTrue(registry.find(v.a).isEmpty());
        assertTrue(events.indexOf(na) < events.indexOf(ra));
    }

    @Test
    void movingToAnotherNamespaceRemovesAndMovingBackAddsAgain() {
        startWatcher(NetdevSelection.named(base + ".*"));
        VethPair v = veth(base);
        String ns = base + "ns";
        Ip.run("netns", "add", ns);
        cleanup.add("netns:" + ns);
        await("NEW " + v.b, is(PortEventType.NEW, v.b));
        Port first = registry.find(v.b).orElseThrow();
        Ip.run("link", "set", "dev", v.b, "netns", ns);
        PortEvent removed = await("REMOVED " + v.b, is(PortEventType.REMOVED, v.b));
        assertSame(first, removed.port());
        await("LINK_DOWN " + v.a + " (its peer left)", is(PortEventType.LINK_DOWN, v.a));
        assertEquals(PortState.REMOVED, first.state());

        Ip.run("-n", ns, "link", "set", "dev", v.b, "netns", String.valueOf(ProcessHandle.current().pid()));
        PortEvent back = awaitNext("NEW " + v.b + " again", is(PortEventType.NEW, v.b));
        assertTrue(back.port() != first, "a new port object for the netdev that came back");
    }

    @Test
    void carrierLossAndReturnAreLinkEvents() {
        startWatcher(NetdevSelection.named(base + ".*"));
        VethPair v = veth(base);
        await("NEW " + v.a, is(PortEventType.NEW, v.a));
        settle();
        Port a = registry.find(v.a).orElseThrow();
        assertTrue(a.linkUp(), "both ends up: carrier");
        int bIndex = Kernel.links().getLink(v.b).ifindex();

        long t0 = System.nanoTime();
        Kernel.links().setLink(bIndex, 0, null, NetlinkDescriptor.IFF_UP, 0); // the peer goes down
        PortEvent down = awaitNext("LINK_DOWN " + v.a, is(PortEventType.LINK_DOWN, v.a));
        assertFalse(a.linkUp());
        System.out.printf("carrier loss seen %.3f ms after the peer was set down%n", (down.nanoTime() - t0) / 1e6);

        Ip.run("link", "set", "dev", v.b, "up");
        awaitNext("LINK_UP " + v.a, is(PortEventType.LINK_UP, v.a));
        assertTrue(a.linkUp());

        Ip.run("link", "set", "dev", v.a, "down");
        awaitNext("LINK_DOWN " + v.a + " (its own admin down)", is(PortEventType.LINK_DOWN, v.a));
        Ip.run("link", "set", "dev", v.a, "up");
        awaitNext("LINK_UP " + v.a, is(PortEventType.LINK_UP, v.a));
    }

    @Test
    void aRenamedNetdevKeepsItsPortWorkingAndTheRenameIsReported() {
        startWatcher(NetdevSelection.named(base + ".*"));
        List<String> renames = new CopyOnWriteArrayList<>();
        watcher.addListener((port, from, to) -> renames.add(port.name() + ":" + from + "->" + to));
        VethPair v = veth(base);
        await("NEW " + v.a, is(PortEventType.NEW, v.a));
        await("NEW " + v.b, is(PortEventType.NEW, v.b));
        AfPacketPort a = (AfPacketPort) registry.find(v.a).orElseThrow();
        AfPacketPort b = (AfPacketPort) registry.find(v.b).orElseThrow();
        a.configure(PortConfig.DEFAULT);
        a.start();
        b.configure(PortConfig.DEFAULT);
        b.start();
        assertEquals(100, send(a, b, 100, 0));

        String renamed = base + "r";
        cleanup.add(renamed);
        Ip.run("link", "set", "dev", v.a, "down");
        // a link event makes the port read the kernel's state when it is handled: handle this one while the netdev
        // is still down (a down-and-up that is over before its events are handled is no flap at all)
        awaitNext("LINK_DOWN before the rename", is(PortEventType.LINK_DOWN, v.a));
        Ip.run("link", "set", "dev", v.a, "name", renamed);
        Ip.run("link", "set", "dev", renamed, "up");
        awaitNext("LINK_UP after the rename", is(PortEventType.LINK_UP, v.a));
        registry.doWork();
        assertEquals(List.of(v.a + ":" + v.a + "->" + renamed), renames, "the rename is reported once");
        assertEquals(renamed, a.ifName());
        assertEquals(v.a, a.name(), "the port keeps its registry name");
        assertSame(a, registry.find(v.a).orElseThrow());
        assertEquals(PortState.STARTED, a.state());
        assertEquals(100, send(a, b, 100, 1000), "the data path works after the rename");
        assertEquals(100, send(b, a, 100, 2000), "both ways");

        // a new netdev that takes the old name while the port still holds it gets a name with its ifindex
        Ip.run("link", "add", v.a, "type", "veth", "peer", "name", base + "y");
        cleanup.add(v.a);
        int newIndex = Kernel.links().getLink(v.a).ifindex();
        await("NEW for the newcomer named " + v.a, is(PortEventType.NEW, v.a + "@" + newIndex));
        assertSame(a, registry.find(v.a).orElseThrow(), "the renamed netdev's port keeps the name");
    }

    private int send(AfPacketPort tx, AfPacketPort rx, int count, int seqBase) {
        Packet[] out = new Packet[count];
        assertEquals(count, pool.allocBulk(out, 0, count));
        for (int i = 0; i < count; i++) {
            Frames.fill(out[i], rx.mac(), tx.mac(), seqBase + i, 100);
        }
        int sent = tx.txBurst(0, out, 0, count);
        pool.freeBulk(out, sent, count - sent);
        Packet[] in = new Packet[64];
        int got = 0;
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (got < sent && System.nanoTime() < deadline) {
            int n = rx.rxBurst(0, in, 0, in.length);
            for (int i = 0; i < n; i++) {
                int seq = Frames.seq(in[i]);
                assertTrue(seq >= seqBase && seq < seqBase + count, "unexpected frame " + seq);
            }
            pool.freeBulk(in, 0, n);
            got += n;
        }
        return got;
    }

    @Test
    void theSelectionDecidesWhichNetdevsBecomePorts() {
        startWatcher(NetdevSelection.named(base + "[ac]"));
        VethPair v = veth(base);
        await("NEW " + v.a, is(PortEventType.NEW, v.a));
        settle();
        assertTrue(registry.find(v.b).isEmpty(), "the name does not match: no port");
        // a rename can make a netdev match
        String renamed = base + "c";
        cleanup.add(renamed);
        Ip.run("link", "set", "dev", v.b, "down");
        Ip.run("link", "set", "dev", v.b, "name", renamed);
        PortEvent late = awaitNext("NEW " + renamed, is(PortEventType.NEW, renamed));
        assertEquals(Kernel.links().getLink(renamed).ifindex(), ((AfPacketPort) late.port()).ifindex());

        NetdevWatcher vfs = new NetdevWatcher(registry, pool, AfPacketOptions.DEFAULT, NetdevSelection.VFS_ONLY)
                .start();
        try {
            vfs.doWork();
            assertTrue(vfs.ports().isEmpty(), "a veth is no VF: " + vfs.ports());
        } finally {
            vfs.close();
        }
    }
}

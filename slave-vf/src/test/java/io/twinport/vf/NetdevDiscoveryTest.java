package io.twinport.vf;

import io.twinport.mem.PacketPool;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortDiscoveries;
import io.twinport.registry.PortDiscovery;
import io.twinport.registry.PortRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code netdev} discovery on real veth pairs: installed as a service, it registers a netdev created after it
 * started and removes it when it goes; after close it reports nothing more. Driven by hand, no threads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetdevDiscoveryTest {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static NetdevDiscovery installed() {
        for (PortDiscovery d : PortDiscoveries.installed().all()) {
            if (d instanceof NetdevDiscovery n) {
                return n;
            }
        }
        throw new AssertionError("netdev discovery not installed: " + PortDiscoveries.installed().namesText());
    }

    @Test
    void isInstalledAndRefusesABadPattern() {
        NetdevDiscovery d = installed();
        assertEquals("netdev", d.name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.validate(Map.of(PortDiscovery.NETDEVS, "eth[")));
        assertTrue(e.getMessage().contains("netdev discovery: bad netdevs pattern 'eth['"), e.getMessage());
        d.validate(Map.of());
    }

    @Test
    void selectionLeavesOutNetdevsOpenAlready() {
        NetdevSelection s = NetdevDiscovery.selection("tp.*", List.of("tpa.b"));
        assertTrue(s.namePattern().matcher("tpx").matches());
        assertFalse(s.namePattern().matcher("tpa.b").matches());
        assertTrue(s.namePattern().matcher("tpa.bc").matches());
        assertFalse(s.namePattern().matcher("eth0").matches());
        assertEquals(NetdevSelection.ALL, NetdevDiscovery.selection(null, List.of()));
    }

    @Test
    void reportsAVethCreatedAfterItStartedAndNothingAfterClose() {
        Ip.assumeRootAndIp();
        String base = Ip.uniqueName("tpd");
        PacketPool pool = PacketPool.create("disc", 1024);
        PortRegistry registry = new PortRegistry();
        List<PortEvent> events = new CopyOnWriteArrayList<>();
        registry.addListener(events::add);
        VethPair first = null;
        VethPair second = null;
        PortDiscovery.Session session = null;
        try {
            session = installed().start(registry, pool, Map.of(PortDiscovery.NETDEVS, base + ".*"));
            assertTrue(session.describe().contains(base), session.describe());
            first = VethPair.create(base + "x", false);
            PortDiscovery.Session s = session;
            PortEvent a = await(s, registry, events, "NEW " + first.a, e -> e.type() == PortEventType.NEW
                    && e.port().name().equals(base + "xa"));
            assertInstanceOf(AfPacketPort.class, a.port());
            await(s, registry, events, "NEW " + first.b, e -> e.type() == PortEventType.NEW
                    && e.port().name().equals(base + "xb"));
            assertEquals(PortState.CREATED, a.port().state(), "discovered, not configured");

            first.close(); // the netdev goes: the port leaves the registry
            await(s, registry, events, "REMOVED " + base + "xa", e -> e.type() == PortEventType.REMOVED
                    && e.port().name().equals(base + "xa"));

            session.close();
            session = null;
            registry.doWork();
            assertTrue(registry.ports().isEmpty(), "every discovered port left: " + registry.ports());
            int before = events.size();
            second = VethPair.create(base + "y", false);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                registry.doWork();
                Thread.onSpinWait();
            }
            assertEquals(before, events.size(), "nothing after close: " + events.subList(before, events.size()));
            for (PortEvent e : events) {
                if (e.type() == PortEventType.REMOVED) {
                    // deleting a veth deletes both ends
                    assertEquals(RemovalReason.SURPRISE, e.reason(), e.toString());
                }
                assertEquals(PortState.CLOSED, e.port().state(), e.port() + " closed by the discovery");
            }
        } finally {
            if (session != null) {
                session.close();
            }
            if (first != null) {
                first.close();
            }
            if (second != null) {
                second.close();
            }
            registry.close();
            assertEquals(0, pool.inUse(), "packets left out of the pool");
            pool.close();
        }
    }

    private static PortEvent await(PortDiscovery.Session session, PortRegistry registry, List<PortEvent> events,
                                   String what, Predicate<PortEvent> p) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            session.doWork();
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
}

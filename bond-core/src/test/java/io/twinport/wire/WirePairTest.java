package io.twinport.wire;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.port.PortEvent;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortRegistry;
import io.twinport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WirePairTest {
    private PacketPool pool;
    private PortRegistry registry;
    private WirePair pair;

    @BeforeEach
    void setUp() {
        pool = PacketPool.create("wiretest", 2048);
        registry = new PortRegistry();
        pair = WirePair.create("w", 2, registry);
        for (WirePort end : List.of(pair.a(), pair.b())) {
            end.configure(PortConfig.DEFAULT.withQueues(2, 2));
            end.start();
        }
    }

    @AfterEach
    void tearDown() {
        pair.close();
        registry.close();
        assertEquals(0, pool.inUse(), "leaked packets");
        pool.close();
    }

    private int send(WirePort from, int queue, int n) {
        Packet[] pkts = new Packet[n];
        assertEquals(n, pool.allocBulk(pkts, 0, n));
        for (int i = 0; i < n; i++) {
            Frames.fill(pkts[i], from.mac(), from.mac(), i, 64);
        }
        int sent = from.txBurst(queue, pkts, 0, n);
        pool.freeBulk(pkts, sent, n - sent);
        return sent;
    }

    @Test
    void namesMacsAndLinks() {
        assertEquals("wa", pair.a().name());
        assertEquals("wb", pair.b().name());
        assertNotSame(pair.a().mac(), pair.b().mac());
        assertFalse(pair.a().mac().equals(pair.b().mac()));
        assertTrue(pair.a().mac().isLocallyAdministered());
        assertTrue(pair.a().linkUp() && pair.b().linkUp());
        assertThrows(IllegalArgumentException.class, () -> WirePair.create("x", 0, null));
    }

    @Test
    void queueQGoesToQueueQZeroCopy() {
        assertEquals(3, send(pair.a(), 1, 3));
        Packet[] got = new Packet[8];
        assertEquals(0, pair.b().rxBurst(0, got, 0, 8));
        assertEquals(3, pair.b().rxBurst(1, got, 0, 8));
        assertEquals(pair.b().id(), got[0].port());
        assertEquals(1, got[0].queue());
        assertEquals(pool, got[0].pool(), "packets cross by reference and keep their pool");
        pool.freeBulk(got, 0, 3);
    }

    @Test
    void txIsRefusedWhileThePeerIsStoppedAndFramesInFlightAreDropped() {
        assertEquals(5, send(pair.a(), 0, 5));
        pair.b().stop();
        assertFalse(pair.a().linkUp());
        assertEquals(0, send(pair.a(), 0, 5), "link down: the caller keeps the packets");
        assertEquals(0, pool.inUse(), "the stopped end dropped the frames it had not read");
        pair.b().start();
        assertTrue(pair.a().linkUp());
        assertEquals(5, send(pair.a(), 0, 5));
    }

    @Test
    void unplugReportsRemovedAndReplugReportsANewPort() {
        List<PortEvent> events = new ArrayList<>();
        registry.addListener(events::add);
        registry.doWork();
        WirePort oldB = pair.b();
        assertEquals(4, send(pair.a(), 0, 4));
        pair.unplug(oldB, RemovalReason.SURPRISE);
        assertEquals(PortState.REMOVED, oldB.state());
        assertNull(pair.b());
        assertTrue(registry.find("wb").isEmpty());
        assertFalse(pair.a().linkUp());
        assertEquals(0, send(pair.a(), 0, 4), "nobody at the other end");
        assertEquals(0, oldB.rxBurst(0, new Packet[4], 0, 4), "a removed port's data path returns 0");
        assertThrows(IllegalArgumentException.class, () -> pair.unplug(oldB, RemovalReason.SURPRISE));

        WirePort newB = pair.replug(false);
        assertNotSame(oldB, newB);
        assertEquals(oldB.name(), newB.name());
        assertEquals(oldB.mac(), newB.mac());
        assertThrows(IllegalStateException.class, () -> pair.replug(false));
        newB.configure(PortConfig.DEFAULT.withQueues(2, 2));
        newB.start();
        assertTrue(pair.a().linkUp());
        assertEquals(4, send(pair.a(), 0, 4));
        oldB.close();
        registry.doWork();
        List<String> names = events.stream().map(PortEvent::toString).toList();
        assertTrue(names.containsAll(List.of("REMOVED(wb, SURPRISE)", "LINK_DOWN(wa)", "LINK_UP(wa)")), names
                .toString());
        assertTrue(names.lastIndexOf("NEW(wb)") > names.indexOf("REMOVED(wb, SURPRISE)"), names.toString());
        assertEquals(2, names.stream().filter(n -> n.equals("NEW(wb)")).count(), names.toString());
    }
}

package io.twinport.registry;

import io.twinport.policy.MacAddress;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.PortConfig;
import io.twinport.port.RemovalReason;
import io.twinport.testing.FakePort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortRegistryTest {
    private static FakePort fake(String name) {
        return new FakePort(name, MacAddress.parse("02:00:00:00:00:0" + name.length()), 0);
    }

    private static List<String> describe(List<PortEvent> events) {
        return events.stream().map(PortEvent::toString).toList();
    }

    @Test
    void addAndRemoveAreVisibleAtOnceAndEventsWaitForTheControlThread() {
        PortRegistry reg = new PortRegistry();
        List<PortEvent> seen = new ArrayList<>();
        reg.addListener(seen::add);
        FakePort a = fake("a");
        reg.add(a);
        assertEquals(a, reg.find("a").orElseThrow());
        assertTrue(seen.isEmpty(), "listeners run only in doWork");
        reg.doWork();
        assertEquals(List.of("NEW(a)"), describe(seen));
        assertTrue(reg.remove(a, RemovalReason.SURPRISE));
        assertFalse(reg.remove(a, RemovalReason.SURPRISE), "second remove is a no-op");
        assertTrue(reg.find("a").isEmpty());
        reg.doWork();
        assertEquals(List.of("NEW(a)", "REMOVED(a, SURPRISE)"), describe(seen));
    }

    @Test
    void aLateListenerHearsAboutExistingPortsFirst() {
        PortRegistry reg = new PortRegistry();
        reg.add(fake("a"));
        reg.add(fake("bb"));
        reg.doWork();
        List<PortEvent> seen = new ArrayList<>();
        reg.addListener(seen::add);
        reg.add(fake("ccc"));
        reg.doWork();
        assertEquals(List.of("NEW(a)", "NEW(bb)", "NEW(ccc)"), describe(seen));
    }

    @Test
    void aListenerAddedBeforeThePendingNewHearsItOnce() {
        PortRegistry reg = new PortRegistry();
        reg.add(fake("a")); // NEW(a) still queued
        List<PortEvent> seen = new ArrayList<>();
        reg.addListener(seen::add);
        reg.doWork();
        assertEquals(List.of("NEW(a)"), describe(seen), "no duplicate from the replay");
    }

    @Test
    void aPortThatCameAndWentBeforeTheListenerIsNotReplayed() {
        PortRegistry reg = new PortRegistry();
        FakePort a = fake("a");
        reg.add(a);
        reg.remove(a, RemovalReason.CLOSED);
        reg.doWork();
        List<PortEvent> seen = new ArrayList<>();
        reg.addListener(seen::add);
        reg.doWork();
        assertTrue(seen.isEmpty(), describe(seen).toString());
    }

    @Test
    void linkEventsOfRegisteredPortsAreDeliveredAndStopAfterRemoval() {
        PortRegistry reg = new PortRegistry();
        List<PortEvent> seen = new ArrayList<>();
        reg.addListener(seen::add);
        FakePort a = fake("a");
        reg.add(a);
        a.configure(PortConfig.DEFAULT);
        a.start();
        a.setCarrier(false);
        reg.remove(a, RemovalReason.GRACEFUL);
        a.setCarrier(true); // after removal: not delivered
        reg.doWork();
        assertEquals(List.of("NEW(a)", "LINK_UP(a)", "LINK_DOWN(a)", "REMOVED(a, GRACEFUL)"), describe(seen));
        a.close();
    }

    @Test
    void duplicateNamesAreRefusedNamingThePort() {
        PortRegistry reg = new PortRegistry();
        reg.add(fake("a"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reg.add(fake("a")));
        assertTrue(e.getMessage().contains("a"), e.getMessage());
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        PortRegistry reg = new PortRegistry();
        List<PortEvent> seen = new ArrayList<>();
        reg.addListener(e -> {
            throw new IllegalStateException("boom");
        });
        reg.addListener(seen::add);
        reg.add(fake("a"));
        reg.doWork();
        assertEquals(1, seen.size());
    }

    @Test
    void removedListenersHearNothingMore() throws Exception {
        PortRegistry reg = new PortRegistry();
        List<PortEvent> seen = new ArrayList<>();
        AutoCloseable handle = reg.addListener(seen::add);
        reg.add(fake("a"));
        reg.doWork();
        handle.close();
        reg.add(fake("bb"));
        reg.doWork();
        assertEquals(List.of("NEW(a)"), describe(seen));
    }

    @Test
    void aFailingTaskDoesNotStopTheWorkBehindIt() {
        PortRegistry reg = new PortRegistry();
        List<String> order = new ArrayList<>();
        reg.execute(() -> {
            throw new IllegalStateException("boom");
        });
        reg.execute(() -> order.add("after"));
        assertEquals(2, reg.doWork());
        assertEquals(List.of("after"), order);
    }

    @Test
    void tasksRunInOrderWithEvents() {
        PortRegistry reg = new PortRegistry();
        List<String> order = new ArrayList<>();
        reg.addListener(e -> order.add(e.toString()));
        reg.add(fake("a"));
        reg.execute(() -> order.add("task"));
        reg.add(fake("bb"));
        assertEquals(4, reg.doWork());
        assertEquals(List.of("NEW(a)", "task", "NEW(bb)"), order);
    }

    @Test
    @Timeout(10)
    void theControlThreadDeliversOnItsOwnThread() throws Exception {
        try (PortRegistry reg = new PortRegistry()) {
            List<Thread> threads = new CopyOnWriteArrayList<>();
            CountDownLatch two = new CountDownLatch(2);
            reg.addListener(e -> {
                threads.add(Thread.currentThread());
                two.countDown();
            });
            Thread control = reg.startControlThread("twinport-control-test");
            reg.add(fake("a"));
            reg.add(fake("bb"));
            assertTrue(two.await(5, TimeUnit.SECONDS), "events delivered");
            for (Thread t : threads) {
                assertEquals(control, t);
                assertNotSame(Thread.currentThread(), t);
            }
            assertThrows(IllegalStateException.class, () -> reg.startControlThread("again"));
        }
    }

    @Test
    void eventsCarryAReasonExactlyForRemoved() {
        FakePort a = fake("a");
        assertThrows(IllegalArgumentException.class,
                () -> new PortEvent(PortEventType.REMOVED, a, null, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PortEvent(PortEventType.NEW, a, RemovalReason.SURPRISE, 0));
    }
}

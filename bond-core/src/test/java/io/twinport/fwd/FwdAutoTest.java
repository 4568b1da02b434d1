package io.twinport.fwd;

import io.twinport.mgmt.Json;
import io.twinport.port.PortState;
import io.twinport.registry.PortDiscoveries;
import io.twinport.wire.WirePortKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fwd --auto} in-process: {@link TestWireDiscovery} (installed as a service in bond-core's tests) offers a
 * standby, a primary with the same MAC and a lone port; the tool forms failover0 from the first two, forwards on it
 * and leaves the lone port alone.
 */
@Timeout(20)
class FwdAutoTest {
    /** What a run printed and returned. */
    record Result(int status, String out, String err) {
        @SuppressWarnings("unchecked") // fwd's summary is a JSON object
        Map<String, Object> port(String name) {
            List<String> lines = out.lines().toList();
            Map<String, Object> summary = (Map<String, Object>) Json.parse(lines.get(lines.size() - 1));
            for (Object p : (List<Object>) summary.get("ports")) {
                Map<String, Object> m = (Map<String, Object>) p;
                if (name.equals(m.get("port"))) {
                    return m;
                }
            }
            throw new AssertionError("no port " + name + " in " + out);
        }
    }

    private static Result fwd(PortDiscoveries discoveries, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Fwd.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), PortKinds.of(new WirePortKind()), discoveries);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text.contains(p), "'" + p + "' missing from: " + text);
        }
    }

    @Test
    void formsAFailoverPortFromDiscoveredPortsAndForwardsOnIt() {
        TestWireDiscovery.last = null;
        // the installed discoveries: the ServiceLoader path fwd takes from the command line
        Result r = fwd(PortDiscoveries.installed(), "--auto", "--auto-wait", "5s", "--mode", "txonly", "--count",
                "5000", "--json", "--stats-period", "0");
        assertEquals(Fwd.EXIT_OK, r.status(), r.out() + r.err());
        assertFalse(r.err().contains("leak"), r.err());
        assertContains(r.err(), "fwd: --auto: failover0 (mac 52:54:00:ab:cd:01): standby twsa", "primary twpa");
        assertEquals(5000L, r.port("failover0").get("tx_packets"), r.out());
        TestWireDiscovery.Session s = TestWireDiscovery.last;
        assertTrue(s != null && s.closed(), "the discovery was closed");
        // every generated frame left through a member (the primary once its link is up, the standby before)
        assertEquals(5000, s.ipv4("tws") + s.ipv4("twp"), "tws " + s.ipv4("tws") + ", twp " + s.ipv4("twp"));
        assertEquals(0, s.ipv4("twx"));
        assertEquals(PortState.CREATED, s.stateAtClose.get("twx"), "the lone port was never configured");
        assertEquals(1, r.out().lines().count(), "only the summary, one port: " + r.out());
    }

    @Test
    void givenPortsThatDidNotPairAreForwardedOnToo() {
        Result r = fwd(PortDiscoveries.of(new TestWireDiscovery(true, true)), "--auto", "--port", "wire",
                "--mode", "txonly", "--count", "1000", "--json", "--stats-period", "0");
        assertEquals(Fwd.EXIT_OK, r.status(), r.out() + r.err());
        assertEquals(1000L, r.port("failover0").get("tx_packets"), r.out());
        assertEquals(1000L, r.port("wire0a").get("rx_packets"), r.out());
        assertEquals(1000L, r.port("wire0b").get("rx_packets"), r.out());
    }

    @Test
    void nothingPairsIsAFailureNamingWhatWasSeen() {
        TestWireDiscovery.last = null;
        long t0 = System.nanoTime();
        Result r = fwd(PortDiscoveries.of(new TestWireDiscovery(false, true)), "--auto", "--auto-wait", "300ms", "--mode", "io", "--duration", "1s");
        assertEquals(Fwd.EXIT_FAILED, r.status(), r.out() + r.err());
        assertEquals("", r.out());
        assertContains(r.err(), "no failover port formed within 300ms", "discoveries: testwire",
                "ports seen: twpa (wire, mac 52:54:00:ab:cd:01, no STANDBY), twxa (wire, mac 52:54:00:ab:cd:99,"
                        + " no STANDBY)",
                "none negotiated STANDBY with a MAC");
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "gave up after --auto-wait");
        TestWireDiscovery.Session s = TestWireDiscovery.last;
        assertTrue(s != null && s.closed(), "the discovery was closed");
        for (var e : s.stateAtClose.entrySet()) {
            assertEquals(PortState.CREATED, e.getValue(), e.getKey() + " was never configured");
        }
    }
}

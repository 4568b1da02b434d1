package io.twinport.fwd;

import io.twinport.registry.PortDiscovery;
import io.twinport.wire.WirePortKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line is refused before anything opens: exit status 2, one line on stderr, nothing on stdout. */
@Timeout(10)
class FwdUsageTest {
    private final TestKinds.CountingKind counting = new TestKinds.CountingKind("counting");
    private final PortKinds kinds = PortKinds.of(new WirePortKind(), counting);

    /** Runs fwd with args that must be refused; returns the one error line. */
    private String refused(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Fwd.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), kinds);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(Fwd.EXIT_USAGE, status, String.join(" ", args) + " -> " + e);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout");
        assertTrue(e.startsWith("fwd: ") && e.endsWith("\n") && e.indexOf('\n') == e.length() - 1,
                "one line: " + e);
        assertEquals(0, counting.opens.get(), "nothing was opened");
        return e.trim();
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text.contains(p), "'" + p + "' missing from: " + text);
        }
    }

    @Test
    void badSpecsNameTheProblemAndWhatIsAccepted() {
        assertContains(refused("--port", "bogus"), "--port 'bogus'", "unknown port kind 'bogus'",
                "known kinds: counting, wire");
        assertContains(refused("--port", "wire,foo=1"), "unknown key 'foo'", "accepted keys: name, queues, ringsize");
        assertContains(refused("--port", "wire,queues=0"), "bad value '0'", "'queues'", "an integer in [1, 1024]");
        assertContains(refused("--port", "wire,ringsize=100"), "bad value '100'", "'ringsize'", "power of two");
        assertContains(refused("--port", "wire,queues"), "'queues'", "no value", "key=value");
        assertContains(refused("--port", ""), "empty port spec", "KIND[,key=value]");
    }

    @Test
    void aBadSpecAfterAGoodOneStillOpensNothing() {
        assertContains(refused("--port", "counting", "--port", "wire,bad=1", "--mode", "io"), "unknown key 'bad'");
    }

    @Test
    void badOptionValuesNameTheOptionAndWhatIsExpected() {
        assertContains(refused("--port", "wire", "--mode", "fast"), "--mode", "'fast'",
                "one of io, macswap, txonly, rxonly");
        assertContains(refused("--port", "wire", "--burst", "0"), "--burst", "'0'", "an integer in [1, 512]");
        assertContains(refused("--port", "wire", "--burst", "x"), "--burst", "'x'", "an integer in [1, 512]");
        assertContains(refused("--port", "wire", "--txpkts", "41"), "--txpkts", "'41'", "[42, 1514]");
        assertContains(refused("--port", "wire", "--queues", "65"), "--queues", "'65'", "[1, 64]");
        assertContains(refused("--port", "wire", "--duration", "10x"), "--duration", "'10x'", "e.g. 250us, 100ms or 2s");
        assertContains(refused("--port", "wire", "--stats-period", "1ms"), "--stats-period", "'1ms'", "at least 10ms");
        assertContains(refused("--port", "wire", "--mode", "txonly", "--count", "-5"), "--count", "'-5'",
                "a positive integer");
        assertContains(refused("--port", "wire", "--total-num-mbufs", "10"), "--total-num-mbufs", "[64, 16777216]");
        assertContains(refused("--port=wire", "--burst=0"), "--burst", "'0'");
    }

    @Test
    void badOptionsAreNamed() {
        assertContains(refused("--port", "wire", "--frobnicate"), "unknown option '--frobnicate'", "--port",
                "--mode", "--tx-first");
        assertContains(refused("--port", "wire", "--burst"), "--burst needs a value", "an integer in [1, 512]");
        assertContains(refused("--port", "wire", "wire"), "unexpected argument 'wire'");
        assertContains(refused("--port", "wire", "--json=yes"), "--json takes no value");
        assertContains(refused("--port", "wire", "--burst", "8", "--burst", "16"), "--burst given twice");
        assertContains(refused("--port", "wire", "--mgmt", "--mgmt-socket", "/tmp/x.sock"), "--mgmt and --mgmt-socket",
                "give one");
        assertContains(refused("--port", "wire", "--mgmt-socket"), "--mgmt-socket needs a value", "a file path");
        assertContains(refused("--port", "wire", "--mgmt-socket="), "--mgmt-socket: bad value ''");
        assertContains(refused("--port", "wire", "--mgmt=yes"), "--mgmt takes no value");
        assertContains(refused("--mode", "io"), "at least one --port SPEC is required", "wire");
        assertContains(refused(), "at least one --port SPEC is required");
        assertContains(refused("--port", "wire", "--mode", "io", "--count", "5"), "--count", "txonly and rxonly");
        assertContains(refused("--port", "wire", "--mode", "txonly", "--tx-first"), "--tx-first", "txonly");
    }

    @Test
    void autoOptionsAreChecked() {
        assertContains(refused("--port", "wire", "--auto-netdevs", "eth.*"), "--auto-netdevs applies to --auto only");
        assertContains(refused("--port", "wire", "--auto-wait", "1s"), "--auto-wait applies to --auto only");
        assertContains(refused("--auto", "--auto-netdevs", "eth[0-"), "--auto-netdevs: bad value 'eth[0-'",
                "a regular expression", "at index");
        assertContains(refused("--auto", "--auto-netdevs"), "--auto-netdevs needs a value", "a regular expression");
        assertContains(refused("--auto", "--auto-wait", "soon"), "--auto-wait: bad value 'soon'",
                "e.g. 250us, 100ms or 2s");
        assertContains(refused("--auto", "--auto-wait", "0"), "--auto-wait: bad value '0'", "not 0");
        assertContains(refused("--auto", "--auto"), "--auto given twice");
        assertContains(refused("--auto=yes"), "--auto takes no value");
        assertContains(refused("--auto", "--port", "wire,foo=1"), "unknown key 'foo'");
        assertContains(refused("--port", "wire", "--auto-vhost-dir", "/tmp"), "--auto-vhost-dir applies to --auto"
                + " only");
        assertContains(refused("--auto", "--auto-vhost-dir", ""), "--auto-vhost-dir: bad value ''",
                "a directory path");
    }

    @Test
    void theVhostDirComesFromTheOptionElseTheEnvironment() {
        Map<String, String> env = Map.of(FwdOptions.VHOST_DIR_ENV, "/run/vhost");
        assertEquals(Map.of(PortDiscovery.VHOST_DIR, "/run/vhost"),
                FwdOptions.parse(new String[] {"--auto"}, kinds, env).discoverySettings());
        assertEquals(Map.of(PortDiscovery.VHOST_DIR, "/srv/vu", PortDiscovery.NETDEVS, "eth.*"),
                FwdOptions.parse(new String[] {"--auto", "--auto-vhost-dir", "/srv/vu", "--auto-netdevs", "eth.*"},
                        kinds, env).discoverySettings());
        assertEquals(Map.of(), FwdOptions.parse(new String[] {"--auto"}, kinds, Map.of()).discoverySettings());
        assertEquals(Map.of(), FwdOptions.parse(new String[] {"--port", "wire"}, kinds, env).discoverySettings(),
                "without --auto nothing is discovered");
    }

    @Test
    void helpListsOptionsModesKindsAndKeys() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Fwd.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err, kinds);
        assertEquals(0, status);
        String help = out.toString(StandardCharsets.UTF_8);
        for (FwdOption o : FwdOption.values()) {
            assertContains(help, o.flag());
        }
        assertContains(help, "macswap", "txonly", "rxonly", "both directions", "wire", "ringsize=", "queues=",
                "one busy-polling forwarding thread per queue");
        // the discoveries installed on the class path (bond-core's tests install testwire)
        assertContains(help, "discoveries (--auto; only ports that pair up", "testwire");
    }
}

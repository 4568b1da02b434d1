package io.twinport.bench.demo;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoOptionsTest {
    private static String refusal(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse(args)).getMessage();
    }

    @Test
    void noOptionsIsTheGracefulInMemoryDemo() {
        DemoOptions o = DemoOptions.parse(new String[0]);
        assertFalse(o.surprise());
        assertFalse(o.real());
        assertNull(o.reportDir());
        assertEquals(DemoOptions.DEFAULT_RATE, o.ratePps());
        assertEquals(DemoOptions.DEFAULT_PHASE_NANOS, o.phaseNanos());
        assertFalse(o.json());
        assertNull(o.app());
        assertFalse(o.help());
    }

    @Test
    void theUdpEchoAppHasItsOwnDefaultRate() {
        DemoOptions o = DemoOptions.parse(new String[] {"--app", "udp-echo"});
        assertEquals(DemoOptions.APP_UDP_ECHO, o.app());
        assertEquals(DemoOptions.DEFAULT_ECHO_RATE, o.ratePps());
        assertEquals(20_000, DemoOptions.parse(new String[] {"--app=udp-echo", "--rate", "20000"}).ratePps());
    }

    @Test
    void everyOptionIsRead() {
        DemoOptions o = DemoOptions.parse(new String[] {"--surprise", "--real", "--report", "/tmp/r", "--rate",
            "50000", "--phase=500ms", "--json"});
        assertTrue(o.surprise());
        assertTrue(o.real());
        assertEquals(Path.of("/tmp/r"), o.reportDir());
        assertEquals(50_000, o.ratePps());
        assertEquals(500_000_000L, o.phaseNanos());
        assertTrue(o.json());
        assertTrue(DemoOptions.parse(new String[] {"--help"}).help());
        assertTrue(DemoOptions.parse(new String[] {"-h"}).help());
        assertEquals(Path.of("out"), DemoOptions.parse(new String[] {"--report=out"}).reportDir());
    }

    @Test
    void refusalsNameTheOptionAndWhatWasExpected() {
        assertEquals("unknown option '--fast'; options: --surprise, --real, --app udp-echo, --report DIR, --rate PPS,"
                + " --phase TIME, --json, --help", refusal("--fast"));
        assertEquals("--app: bad value 'http': expected an application: udp-echo", refusal("--app", "http"));
        assertEquals("--app needs a value: an application: udp-echo", refusal("--app"));
        assertEquals("unexpected argument 'now': the demo takes options only (demo --help)", refusal("now"));
        assertEquals("--rate: bad value '10': expected frames per second each way, an integer in [1000, 2000000]",
                refusal("--rate", "10"));
        assertEquals("--rate: bad value '1e5': expected frames per second each way, an integer in [1000, 2000000]",
                refusal("--rate=1e5"));
        assertEquals("--rate needs a value: frames per second each way, an integer in [1000, 2000000]",
                refusal("--rate"));
        assertEquals("--phase: bad value '2' (no unit): expected a duration in [200ms, 15s]: "
                + io.twinport.policy.config.Durations.FORM, refusal("--phase", "2"));
        assertEquals("--phase: bad value '100ms': expected a duration in [200ms, 15s]: "
                + io.twinport.policy.config.Durations.FORM, refusal("--phase", "100ms"));
        assertEquals("--report: bad value '': expected a directory (created if missing)", refusal("--report="));
        assertEquals("--surprise takes no value, got 'yes'", refusal("--surprise=yes"));
        assertEquals("--json given twice", refusal("--json", "--json"));
    }

    @Test
    void theHelpNamesEveryOption() {
        for (String option : new String[] {"--surprise", "--real", "--report DIR", "--rate PPS", "--phase TIME",
            "--json", "--help"}) {
            assertTrue(DemoOptions.HELP.contains(option), option);
        }
    }
}

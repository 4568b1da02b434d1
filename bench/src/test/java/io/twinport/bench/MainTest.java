package io.twinport.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class MainTest {
    record Result(int status, String out, String err) {
    }

    private static Result main(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEverySubcommand() throws Exception {
        Result r = main("help");
        assertEquals(0, r.status());
        for (String sub : new String[] {"help", "version", "fwd", "bench", "demo", "status", "example"}) {
            assertTrue(r.out().contains("\n  " + sub + " "), sub + " missing from: " + r.out());
        }
        assertTrue(r.out().lines().noneMatch(l -> l.contains("not yet available")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  demo ") && l.contains("migration")));
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  status ") && l.contains("management socket")));
        assertEquals(r.out(), main("--help").out());
    }

    @Test
    void anUnknownSubcommandIsNamedAndTheKnownOnesListed() throws Exception {
        Result r = main("frobnicate", "--x");
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertEquals("twinport: unknown subcommand 'frobnicate'; known subcommands: help, version, fwd, bench, demo,"
                + " status, example\n", r.err());
    }

    @Test
    void noSubcommandIsAUsageError() throws Exception {
        Result r = main();
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("twinport: a subcommand is required"), r.err());
    }

    @Test
    void demoIsDelegatedWithItsArguments() throws Exception {
        Result help = main("demo", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("usage: twinport demo "), help.out());
        Result bad = main("demo", "--rate", "fast");
        assertEquals(2, bad.status());
        assertEquals("twinport demo: --rate: bad value 'fast': expected frames per second each way, an integer in"
                + " [1000, 2000000]\n", bad.err());
    }

    @Test
    void statusIsDelegatedWithItsArguments() throws Exception {
        Result r = main("status", "--socket", "/nonexistent/twinport.sock");
        assertEquals(1, r.status());
        assertEquals("twinport status: nothing listens on /nonexistent/twinport.sock (no such file)\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void benchWithArgumentsGoesToJmhNotToTheDefaultSuite() throws Exception {
        // JMH lists the benchmarks (on System.out) and returns; the default suite would take minutes
        Result r = main("bench", "-l");
        assertEquals(0, r.status());
        assertTrue(r.out().isEmpty(), "the default suite did not start: " + r.out());
    }

    @Test
    void versionNamesTheJavaRuntime() throws Exception {
        Result r = main("version");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("twinport ") && r.out().contains("java " + Runtime.version()), r.out());
    }

    @Test
    void fwdIsDelegatedWithItsArguments() throws Exception {
        Result bad = main("fwd", "--port", "bogus");
        assertEquals(2, bad.status());
        // the kinds are whatever the class path registers (wire from bond-core, afpacket from slave-vf, ...)
        assertTrue(bad.err().contains("unknown port kind 'bogus'; known kinds: ") && bad.err().contains("wire"),
                bad.err());
        Result ok = main("fwd", "--port", "wire", "--mode", "txonly", "--count", "100", "--json");
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().contains("\"tx_packets\":100"), ok.out());
    }
}

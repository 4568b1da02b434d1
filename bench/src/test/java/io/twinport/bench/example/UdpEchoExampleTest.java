package io.twinport.bench.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpEchoExampleTest {
    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = UdpEchoExample.runExample(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void answersEveryRequestThroughGracefulSwitchovers() throws Exception {
        Result r = run("udp-echo", "--switchovers", "10", "--traffic", "10ms");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains(": 10 graceful switchovers in "), r.out());
        assertTrue(r.out().matches("(?s).*replies (\\d+), lost 0, duplicates 0, damaged 0.*"), r.out());
        assertTrue(r.out().contains("open throughout"), r.out());
        assertTrue(r.out().contains("arp: 10.0.0.1 is at 52:54:00:12:34:56"), r.out());
        assertEquals("", r.err());
    }

    @Test
    @Timeout(10)
    void badOptionsAreNamed() throws Exception {
        Result r = run("udp-echo", "--window", "0");
        assertEquals(2, r.status());
        assertEquals("twinport example udp-echo: --window 0 out of range [1, 512]\n", r.err());
        r = run("udp-echo", "--traffic", "soon");
        assertEquals("twinport example udp-echo: --traffic soon: a time such as 20ms or 1s\n", r.err());
        r = run("udp-echo", "--bogus", "1");
        assertEquals("twinport example udp-echo: unknown option --bogus; options: --switchovers, --traffic,"
                + " --drain, --window, --frame-size, --help\n", r.err());
        r = run("tcp-echo");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("twinport example: unknown example 'tcp-echo'; examples: udp-echo\n"),
                r.err());
        r = run("udp-echo", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("usage: twinport example udp-echo"), r.out());
    }
}

package io.twinport.fwd;

import io.twinport.mgmt.Json;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;
import io.twinport.testing.FakePort;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;
import io.twinport.wire.WirePortKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fwd tool run in-process on wire pairs and fake ports. */
@Timeout(10)
class FwdRunTest {
    private static final List<String> PORT_KEYS = List.of("port", "rx_packets", "tx_packets", "rx_missed",
            "rx_errors", "tx_errors", "tx_dropped", "rx_pps", "tx_pps");

    /** What a run printed and returned. */
    record Result(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }

        @SuppressWarnings("unchecked") // fwd's summary is a JSON object
        Map<String, Object> summary() {
            List<String> lines = lines();
            return (Map<String, Object>) Json.parse(lines.get(lines.size() - 1));
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> port(String name) {
            for (Object p : (List<Object>) summary().get("ports")) {
                Map<String, Object> m = (Map<String, Object>) p;
                if (name.equals(m.get("port"))) {
                    return m;
                }
            }
            throw new AssertionError("no port " + name + " in " + out);
        }

        long get(String port, String key) {
            return (Long) port(port).get(key);
        }
    }

    private static Result fwd(PortKinds kinds, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Fwd.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), kinds);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Result fwd(String... args) {
        return fwd(PortKinds.of(new WirePortKind()), args);
    }

    private static void assertOk(Result r) {
        assertEquals(Fwd.EXIT_OK, r.status(), r.out() + r.err());
        assertFalse(r.err().contains("leak"), r.err());
    }

    private static void await(BooleanSupplier condition, String what) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void txonlyCountIsExactOnBothEndsAndTheSummaryHasItsShape() {
        Result r = fwd("--port", "wire", "--mode", "txonly", "--count", "1000", "--json");
        assertOk(r);
        Map<String, Object> summary = r.summary();
        assertEquals(List.of("summary", "ports", "seconds"), List.copyOf(summary.keySet()));
        assertEquals(Boolean.TRUE, summary.get("summary"));
        assertTrue(summary.get("seconds") instanceof Double d && d > 0, summary.toString());
        for (String port : List.of("wire0a", "wire0b")) {
            assertEquals(PORT_KEYS, List.copyOf(r.port(port).keySet()));
            assertEquals(1000, r.get(port, "tx_packets"), r.out());
            assertEquals(1000, r.get(port, "rx_packets"), r.out());
            assertEquals(0, r.get(port, "rx_errors"));
            assertEquals(0, r.get(port, "tx_errors"));
            assertTrue(r.get(port, "tx_pps") > 0);
        }
        for (String line : r.lines()) {
            Json.parse(line); // every line is one JSON object
        }
    }

    @Test
    void txonlyCountIsExactAcrossQueuesWhenRingsOverflow() {
        // small rings: TX is often partial, the untaken frames are freed and counted, the count stays exact
        Result r = fwd("--port", "wire,ringsize=64", "--mode", "txonly", "--queues", "2", "--count", "20001",
                "--burst", "64", "--json", "--stats-period", "0");
        assertOk(r);
        assertEquals(1, r.lines().size(), "only the summary: " + r.out());
        for (String port : List.of("wire0a", "wire0b")) {
            assertEquals(20001, r.get(port, "tx_packets"), r.out());
            assertEquals(20001, r.get(port, "rx_packets"), r.out());
        }
    }

    @Test
    void rxonlyCountIsExact() {
        // --tx-first puts 64 frames in each end's ring; rxonly takes exactly 50 and close frees the rest
        Result r = fwd("--port", "wire", "--mode", "rxonly", "--tx-first", "--burst", "64", "--count", "50",
                "--json");
        assertOk(r);
        for (String port : List.of("wire0a", "wire0b")) {
            assertEquals(50, r.get(port, "rx_packets"), r.out());
            assertEquals(64, r.get(port, "tx_packets"), r.out());
        }
    }

    @Test
    void rxonlyCountIsExactAcrossQueues() {
        Result r = fwd("--port", "wire", "--mode", "rxonly", "--tx-first", "--queues", "2", "--burst", "32",
                "--count", "45", "--json");
        assertOk(r);
        for (String port : List.of("wire0a", "wire0b")) {
            assertEquals(45, r.get(port, "rx_packets"), r.out());
            assertEquals(64, r.get(port, "tx_packets"), r.out());
        }
    }

    @Test
    void ioWithTxFirstMovesPacketsBothWays() {
        Result r = fwd("--port", "wire", "--mode", "io", "--tx-first", "--duration", "300ms", "--stats-period",
                "100ms", "--json");
        assertOk(r);
        List<String> lines = r.lines();
        assertTrue(lines.size() >= 2, "periodic lines, then the summary: " + r.out());
        assertEquals(Boolean.FALSE, ((Map<?, ?>) Json.parse(lines.get(0))).get("summary"));
        for (String port : List.of("wire0a", "wire0b")) {
            assertTrue(r.get(port, "rx_packets") > 1000, r.out());
            assertTrue(r.get(port, "tx_packets") > 1000, r.out());
            assertTrue(r.get(port, "rx_pps") > 0, r.out());
        }
    }

    @Test
    void ioOnTwoQueuesAndTwoPairsInText() {
        Result r = fwd("--port", "wire", "--port", "wire,queues=2", "--queues", "2", "--tx-first", "--duration",
                "200ms", "--stats-period", "100ms");
        assertOk(r);
        assertTrue(r.out().startsWith("fwd: io on 4 ports (wire0a <-> wire0b, wire1a <-> wire1b), 2 queues"),
                r.out());
        assertTrue(r.out().contains("==== summary: io, 4 ports"), r.out());
        assertTrue(r.out().contains("port 3 wire1b"), r.out());
    }

    @Test
    void macswapSwapsTheAddressesOfAFrame() throws Exception {
        TestKinds.ProbeKind probe = new TestKinds.ProbeKind(false);
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> fwd(PortKinds.of(probe), "--port",
                "probe", "--mode", "macswap", "--duration", "1s", "--json"));
        await(() -> probe.pair != null && probe.pair.a().state() == PortState.STARTED, "port probe0a started");
        WirePort b = probe.pair.b();
        PacketPool pool = probe.pool;
        MacAddress dst = MacAddress.parse("02:11:11:11:11:11");
        MacAddress src = MacAddress.parse("02:22:22:22:22:22");
        byte[] frame = Frames.udp(src, dst, 60);
        Packet[] one = new Packet[1];
        assertEquals(1, pool.allocBulk(one, 0, 1));
        Frames.fill(one[0], frame);
        assertEquals(1, b.txBurst(0, one, 0, 1));
        // probe0a is alone, so it forwards to itself: the frame comes back to probe0b, addresses swapped
        await(() -> b.rxBurst(0, one, 0, 1) == 1, "the forwarded frame");
        byte[] got = new byte[60];
        one[0].read(0, got, 0, 60);
        one[0].free();
        byte[] expected = frame.clone();
        System.arraycopy(frame, 6, expected, 0, 6);
        System.arraycopy(frame, 0, expected, 6, 6);
        assertArrayEquals(expected, got, "destination and source swapped, the rest untouched: "
                + Arrays.toString(got));
        Result r = run.get(5, TimeUnit.SECONDS);
        b.close();
        assertOk(r);
        assertEquals(1, r.get("probe0a", "rx_packets"));
        assertEquals(1, r.get("probe0a", "tx_packets"));
    }

    @Test
    void partialTxFreesAndCountsWhatThePortDidNotTake() {
        TestKinds.FakeKind fake = new TestKinds.FakeKind((port, pool) -> {
            port.txMode(FakePort.TxMode.PARTIAL);
            port.txLimit(10);
            Packet[] pkts = new Packet[100];
            assertEquals(100, pool.allocBulk(pkts, 0, 100));
            byte[] frame = Frames.udp(port.mac(), port.mac(), 64);
            for (Packet p : pkts) {
                Frames.fill(p, frame);
            }
            port.injectRx(0, pkts);
        });
        Result r = fwd(PortKinds.of(fake), "--port", "fake", "--mode", "io", "--duration", "200ms", "--json");
        assertOk(r); // includes: every buffer back in the pool after close
        assertEquals(100, r.get("fake0", "rx_packets"));
        // bursts of 32, 32, 32, 4: the port takes 10, 10, 10, 4
        assertEquals(34, r.get("fake0", "tx_packets"));
        assertEquals(66, r.get("fake0", "tx_dropped"));
    }

    @Test
    void aRemovedPortFailsTheRun() {
        TestKinds.ProbeKind probe = new TestKinds.ProbeKind(true);
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> fwd(PortKinds.of(probe), "--port",
                "probe", "--mode", "io", "--tx-first", "--duration", "5s"));
        await(() -> probe.pair != null && probe.pair.b() != null && probe.pair.b().state() == PortState.STARTED,
                "port probe0b started");
        WirePair pair = probe.pair;
        pair.unplug(pair.b(), RemovalReason.SURPRISE);
        Result r = run.join();
        assertEquals(Fwd.EXIT_FAILED, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("port probe0b failed: it is REMOVED (SURPRISE)"), r.err());
        assertFalse(r.err().contains("leak"), r.err());
        assertTrue(r.out().contains("==== summary"), "the summary is printed anyway: " + r.out());
    }

    @Test
    void aPortThatFailsToStartFailsTheRunAndLeaksNothing() {
        TestKinds.FakeKind fake = new TestKinds.FakeKind((port, pool) ->
                port.failNextStart(new IllegalStateException("no carrier")));
        Result r = fwd(PortKinds.of(fake), "--port", "fake", "--mode", "rxonly", "--duration", "5s");
        assertEquals(Fwd.EXIT_FAILED, r.status(), r.err());
        assertTrue(r.err().contains("port fake0: start failed") && r.err().contains("no carrier"), r.err());
        assertEquals(PortState.CLOSED, fake.port.state());
        assertFalse(r.err().contains("leak"), r.err());
    }

    @Test
    void tooManyQueuesForAPortFailsAtConfigure() {
        Result r = fwd("--port", "wire,queues=2", "--queues", "4", "--duration", "5s");
        assertEquals(Fwd.EXIT_FAILED, r.status(), r.err());
        assertTrue(r.err().contains("port wire0a: configure failed") && r.err().contains("rx queues 4"), r.err());
    }

    @Test
    void aLeakedBufferFailsTheRun() {
        Result r = fwd(PortKinds.of(new TestKinds.LeakyKind()), "--port", "leaky", "--mode", "txonly", "--count",
                "10", "--json");
        assertEquals(Fwd.EXIT_FAILED, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("leak: 1 packet buffer still in use after the ports were closed"), r.err());
        assertEquals(10, r.get("leaky0a", "tx_packets"), "the summary comes first");
    }

    @Test
    void explicitNamesAndAClashThatFailsAtOpen() {
        Result r = fwd("--port", "wire,name=left", "--port", "wire", "--mode", "txonly", "--count", "5", "--json");
        assertOk(r);
        assertEquals(5, r.get("lefta", "tx_packets"));
        assertEquals(5, r.get("wire0b", "rx_packets"));
        Result clash = fwd("--port", "wire", "--port", "wire,name=wire0", "--duration", "5s");
        assertEquals(Fwd.EXIT_FAILED, clash.status(), clash.err());
        assertTrue(clash.err().contains("--port 'wire,name=wire0': open failed")
                && clash.err().contains("wire0a is already open"), clash.err());
    }
}

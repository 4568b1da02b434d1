package io.twinport.vf;

import io.twinport.fwd.Fwd;
import io.twinport.fwd.PortKinds;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.PortSpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code afpacket} kind of the fwd tool: found by ServiceLoader, its keys, and fwd running on a veth pair. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AfPacketKindTest {
    @Test
    void theKindIsInstalledAndReadsItsKeys() {
        PortKinds kinds = PortKinds.installed();
        assertNotNull(kinds.find(AfPacketKind.NAME), "META-INF/services lists the afpacket kind");
        PortSpec spec = PortSpec.parse("afpacket,iface=tpvx0a,queues=2,framesz=4096,framecnt=512,qdisc_bypass=0,"
                + "rxversion=2,fanout=lb", kinds);
        AfPacketOptions o = AfPacketKind.options(spec);
        assertEquals(2, o.queues());
        assertEquals(4096, o.frameSize());
        assertEquals(512, o.framesFor(256), "framecnt wins over the ring size");
        assertFalse(o.qdiscBypass());
        assertEquals(2, o.rxVersion());
        assertEquals(AfPacketOptions.Fanout.LB, o.fanout());
        AfPacketOptions d = AfPacketKind.options(PortSpec.parse("afpacket,iface=eth0", kinds));
        assertEquals(AfPacketKind.QUEUES_DEFAULT, d.queues());
        assertEquals(AfPacketKind.FRAME_COUNT_DEFAULT, d.framesFor(256));
        assertEquals(2048, d.frameSize());
        assertTrue(d.qdiscBypass());
    }

    @Test
    void badSpecsAreRefusedInOneLineNamingTheKey() {
        PortKinds kinds = PortKinds.installed();
        refused(kinds, "afpacket", "iface");
        refused(kinds, "afpacket,queues=2", "iface");
        refused(kinds, "afpacket,iface=eth0,framesz=1000", "framesz=1000");
        refused(kinds, "afpacket,iface=eth0,qdisc_bypass=2", "qdisc_bypass");
        refused(kinds, "afpacket,iface=eth0,queues=17", "queues");
        refused(kinds, "afpacket,iface=eth0,blocksz=4096,framesz=8192", "blocksz=4096");
        refused(kinds, "afpacket,iface=averyverylongname0", "15 characters");
        refused(kinds, "afpacket,iface=eth0,qpairs=2", "qpairs");
    }

    private static void refused(PortKinds kinds, String text, String mention) {
        PortSpecException e = assertThrows(PortSpecException.class, () -> PortSpec.parse(text, kinds));
        assertTrue(e.getMessage().contains(mention) && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void fwdTxonlyOnOneEndAndRxonlyOnTheOtherCountExactly() throws Exception {
        Ip.assumeRootAndIp();
        int count = 10_000; // fits the receiver's ring, so even a receiver that is late drops nothing
        try (VethPair veth = VethPair.create()) {
            int rxIndex = Kernel.links().getLink(veth.b).ifindex();
            Run rx = new Run("--port", "afpacket,iface=" + veth.b, "--mode", "rxonly", "--count",
                    String.valueOf(count), "--duration", "60s", "--stats-period", "0");
            Thread receiver = Thread.ofPlatform().name("fwd-rx").start(rx);
            // the receiver's RX socket is bound when /proc/net/packet lists an ETH_P_ALL socket on its ifindex
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!boundOn(rxIndex) && System.nanoTime() < deadline && receiver.isAlive()) {
                Thread.sleep(10);
            }
            assertTrue(boundOn(rxIndex), "fwd rxonly never bound its socket: " + rx.output());
            Run tx = new Run("--port", "afpacket,iface=" + veth.a, "--mode", "txonly", "--count",
                    String.valueOf(count), "--duration", "60s", "--stats-period", "0");
            tx.run();
            receiver.join(TimeUnit.SECONDS.toMillis(60));
            assertEquals(Fwd.EXIT_OK, tx.status.get(), tx.output());
            assertEquals(Fwd.EXIT_OK, rx.status.get(), rx.output());
            assertEquals(count, tx.summary("TX-packets"), tx.output());
            assertEquals(count, rx.summary("RX-packets"), rx.output());
            System.out.println(tx.output());
            System.out.println(rx.output());
        }
    }

    private static boolean boundOn(int ifindex) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/net/packet"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 5 && f[3].equalsIgnoreCase("0003") && f[4].equals(String.valueOf(ifindex))) {
                return true;
            }
        }
        return false;
    }

    /** One fwd run in this JVM, its output kept. */
    private static final class Run implements Runnable {
        final AtomicInteger status = new AtomicInteger(-1);
        private final String[] args;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Run(String... args) {
            this.args = args;
        }

        @Override
        public void run() {
            PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
            status.set(Fwd.run(args, ps, ps));
        }

        String output() {
            return out.toString(StandardCharsets.UTF_8);
        }

        /** @return the summary's value of {@code RX-packets} or {@code TX-packets} for the one port */
        long summary(String field) {
            String text = output();
            int at = text.indexOf("==== summary");
            assertTrue(at >= 0, "no summary: " + text);
            Matcher m = Pattern.compile(field + ":\\s+(\\d+)").matcher(text.substring(at));
            assertTrue(m.find(), field + " in " + text);
            return Long.parseLong(m.group(1));
        }
    }
}

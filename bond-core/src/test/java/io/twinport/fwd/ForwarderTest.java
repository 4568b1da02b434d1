package io.twinport.fwd;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.wire.WirePair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ForwarderTest {
    @Test
    void generatedFramesAreValidUdpOverIpv4() {
        MacAddress src = MacAddress.parse("02:00:00:00:00:0a");
        MacAddress dst = MacAddress.parse("02:00:00:00:00:0b");
        byte[] f = Frames.udp(src, dst, 64);
        assertEquals(64, f.length);
        assertEquals(dst, MacAddress.fromBytes(f, 0));
        assertEquals(src, MacAddress.fromBytes(f, 6));
        assertEquals(0x0800, ((f[12] & 0xFF) << 8) | (f[13] & 0xFF));
        assertEquals(0x45, f[14]);
        assertEquals(50, ((f[16] & 0xFF) << 8) | (f[17] & 0xFF), "IPv4 total length");
        assertEquals(17, f[23], "UDP");
        assertEquals(0, verify(f), "the header checksum verifies");
        assertEquals(30, ((f[38] & 0xFF) << 8) | (f[39] & 0xFF), "UDP length");
    }

    /** @return 0 if the IPv4 header (checksum included) sums to 0xFFFF */
    private static int verify(byte[] f) {
        int sum = 0;
        for (int i = 14; i < 34; i += 2) {
            sum += ((f[i] & 0xFF) << 8) | (f[i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return sum == 0xFFFF ? 0 : sum;
    }

    @Test
    void macswapSwapsOnlyTheAddresses() {
        try (PacketPool pool = PacketPool.create("swap", 4)) {
            Packet p = pool.alloc();
            byte[] frame = Frames.udp(MacAddress.parse("02:aa:aa:aa:aa:aa"), MacAddress.parse("02:bb:bb:bb:bb:bb"),
                    60);
            Frames.fill(p, frame);
            Frames.swapMacs(p);
            assertEquals(MacAddress.parse("02:aa:aa:aa:aa:aa"), mac(p, 0));
            assertEquals(MacAddress.parse("02:bb:bb:bb:bb:bb"), mac(p, 6));
            for (int i = 12; i < 60; i++) {
                assertEquals(frame[i], p.getByte(i));
            }
            p.length(11);
            Frames.swapMacs(p); // too short: left alone
            assertEquals(MacAddress.parse("02:aa:aa:aa:aa:aa"), mac(p, 0));
            p.free();
            assertEquals(0, pool.inUse());
        }
    }

    private static MacAddress mac(Packet p, int offset) {
        byte[] b = new byte[6];
        p.read(offset, b, 0, 6);
        return MacAddress.fromBytes(b);
    }

    /**
     * The data path allocates nothing: rounds of every mode on a wire pair, measured with the thread's allocation
     * counter after a warm-up. One allocation per round would be over 1 MB here.
     */
    @ParameterizedTest
    @EnumSource(FwdMode.class)
    void aRoundAllocatesNothing(FwdMode mode) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
                .getThreadMXBean();
        PacketPool pool = PacketPool.create("alloc", 4096);
        WirePair pair = WirePair.create("alloc");
        try {
            Port[] ports = {pair.a(), pair.b()};
            for (Port p : ports) {
                p.configure(PortConfig.DEFAULT.withRingSize(512));
                p.start();
            }
            byte[][] frames = {Frames.udp(ports[0].mac(), ports[1].mac(), 64),
                    Frames.udp(ports[1].mac(), ports[0].mac(), 64)};
            Forwarder f = new Forwarder(mode, 0, ports, new int[] {1, 0}, pool, 32, frames,
                    mode != FwdMode.TXONLY, null, null, new AtomicBoolean());
            f.sendFirstBurst();
            for (int i = 0; i < 50_000; i++) {
                f.doWork();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            long work = 0;
            for (int i = 0; i < 50_000; i++) {
                work += f.doWork();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 1024, mode + ": " + allocated + " bytes allocated in 50000 rounds");
            if (mode != FwdMode.RXONLY) {
                assertTrue(work > 0, mode + " did no work");
            }
        } finally {
            pair.close();
        }
        assertEquals(0, pool.inUse(), "every buffer back after close");
        pool.close();
    }
}

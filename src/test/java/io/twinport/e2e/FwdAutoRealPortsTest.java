package io.twinport.e2e;

import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.vf.Ip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ./twinport fwd --auto} on real ports, as a guest image would run it: the runnable jar in a process of its
 * own, told only where to look ({@code --auto-vhost-dir}, and {@code --auto-netdevs} to keep it off this machine's
 * other netdevs). In this test's process, the "host": twinport's vhost-user device listening in that directory with
 * {@code failover=on} and a MAC, its host side counting what arrives; and a veth pair whose guest end has the same
 * MAC. fwd must discover both, form a failover port of them by itself, and transmit exactly {@code --count} frames
 * on it: every one of them is counted either at the veth's peer (the VF path, active once the primary is attached)
 * or at the device (the virtio path), and the VF carries traffic. (Peer announcements are turned off through the
 * environment, {@code TWINPORT_ANNOUNCE_COUNT=0}, so that the two counts add up to exactly {@code --count}.)
 *
 * <p>Needs root and {@code ip}; skips with one line naming what is missing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FwdAutoRealPortsTest {
    private static final long COUNT = 20_000;

    @Test
    void fwdAutoPairsAVhostSocketAndAVethByThemselvesAndForwardsOnTheFailoverPort() throws Exception {
        String missing = Ip.missing();
        assumeTrue(missing == null, "skipped: " + missing);
        Path jar = Path.of(System.getProperty("twinport.jar", "../../bench/target/twinport.jar"));
        assertTrue(Files.isRegularFile(jar), "the bench module builds " + jar + " before this module's tests");

        String suffix = String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        String vf = "tfa" + suffix + "a";
        String peer = "tfa" + suffix + "b";
        MacAddress mac = MacAddress.fromLong(0x52_54_00_00_00_00L | ThreadLocalRandom.current().nextInt(1 << 24));
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "twinport-e2e-vhost-dir-");
        Path sock = dir.resolve("vm0.sock");

        PacketPool pool = PacketPool.create("e2e-fwd-auto", 4096);
        DeviceHost host = null;
        try {
            host = new DeviceHost("host-" + suffix, sock, mac, pool);
            Ip.run("link", "add", vf, "address", mac.toString(), "type", "veth", "peer", "name", peer);
            Ip.quietKernel(null, vf); // the kernel sends nothing by itself: the peer counts only fwd's frames
            Ip.quietKernel(null, peer);
            Ip.run("link", "set", "dev", peer, "up");
            Ip.run("link", "set", "dev", vf, "up");

            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-jar", jar.toString(), "fwd", "--auto", "--auto-vhost-dir", dir.toString(),
                    "--auto-netdevs", vf, "--auto-wait", "20s", "--mode", "txonly", "--count", Long.toString(COUNT),
                    "--duration", "60s", "--stats-period", "0", "--json"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            // no peer announcements (tested in bond-core): the counters below then hold fwd's frames only
            pb.environment().put("TWINPORT_ANNOUNCE_COUNT", "0");
            Process p = pb.start();
            String out;
            String err;
            try {
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(90, TimeUnit.SECONDS), "fwd did not exit");
            } finally {
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), "fwd --auto failed:\n" + err);
            String summary = out.lines().reduce((a, b) -> b).orElseThrow();
            assertTrue(summary.startsWith("{\"summary\":true"), out);
            Matcher m = Pattern.compile("\\{\"port\":\"(failover\\d+)\",\"rx_packets\":\\d+,\"tx_packets\":(\\d+)")
                    .matcher(summary);
            assertTrue(m.find(), "fwd forwarded on a failover port: " + summary + "\n" + err);
            assertEquals(COUNT, Long.parseLong(m.group(2)), "the failover port transmitted --count frames: " + summary);
            assertFalse(m.find(), "one failover port: " + summary);

            // every frame is counted on one path or the other, once fwd's last frames have arrived
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rxPackets(peer) + host.received() < COUNT && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long onVf = rxPackets(peer);
            long onVirtio = host.received();
            assertEquals(COUNT, onVf + onVirtio, "frames at the veth's peer (" + onVf + ") and at the device ("
                    + onVirtio + ")");
            assertTrue(onVf > 0, "the VF carried traffic once attached: " + onVf + " at its peer, " + onVirtio
                    + " on virtio\n" + err);
            Throwable thrown = host.failure();
            assertNull(thrown, () -> "the host's data path threw: " + thrown);
            System.out.printf("fwd --auto: %d frames on the failover port: %d via the veth, %d via virtio%n", COUNT,
                    onVf, onVirtio);
        } finally {
            if (host != null) {
                host.close();
            }
            Ip.quiet("link", "del", vf); // deletes the peer with it
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
        assertEquals(0, pool.inUse(), "packets not returned to the pool");
        pool.close();
        assertFalse(Files.exists(Path.of("/sys/class/net", vf)), vf + " left behind");
    }

    private static long rxPackets(String ifname) throws IOException {
        return Long.parseLong(Files.readString(Path.of("/sys/class/net", ifname, "statistics", "rx_packets")).strip());
    }
}

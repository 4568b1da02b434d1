package io.twinport.vf;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2's {@code ip} for the tests, and says why a test must skip: these tests need root (to create veth
 * pairs and namespaces, and to open AF_PACKET sockets) and the {@code ip} program.
 */
public final class Ip {
    private static final String MISSING = findMissing();

    private Ip() {
    }

    private static String findMissing() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String euid = line.split("\\s+")[2];
                    if (!euid.equals("0")) {
                        return "needs root: running as uid " + euid;
                    }
                }
            }
        } catch (IOException e) {
            return "needs root: cannot read /proc/self/status (" + e.getMessage() + ")";
        }
        try {
            Process p = new ProcessBuilder("ip", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "needs iproute2: `ip -V` failed";
            }
        } catch (IOException e) {
            return "needs iproute2: `ip` not found on PATH";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while looking for `ip`";
        }
        return null;
    }

    /** @return null if the tests can run here (root and {@code ip}), else one line naming what is missing */
    public static String missing() {
        return MISSING;
    }

    /** Skips the calling test, in one line naming what is missing, unless it runs as root with {@code ip}. */
    static void assumeRootAndIp() {
        Assumptions.assumeTrue(MISSING == null, MISSING);
    }

    /**
     * @param prefix up to 5 characters
     * @return a name unique enough for parallel runs: prefix + 6 random hex digits (at most 11 characters, leaving
     *         room for a suffix within IFNAMSIZ)
     */
    static String uniqueName(String prefix) {
        return prefix + String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /**
     * Runs {@code ip ARGS} and waits (10 s at most).
     *
     * @param args the arguments
     * @return its standard output
     * @throws IllegalStateException with its output if it fails
     */
    public static String run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    /**
     * Runs several {@code ip} commands in one process ({@code ip -batch -}).
     *
     * @param commands the commands, without the leading {@code ip}
     */
    static void batch(String... commands) {
        try {
            Process p = new ProcessBuilder("ip", "-batch", "-").redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                in.write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("ip -batch " + List.of(commands) + " failed: "
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("ip -batch: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ip -batch: interrupted", e);
        }
    }

    /**
     * Runs {@code ip ARGS}, ignoring failure (cleanup).
     *
     * @param args the arguments
     */
    public static void quiet(String... args) {
        try {
            run(args);
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    static String exec(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": no exit in 10 s");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", cmd) + ": interrupted", e);
        }
    }

    /**
     * Turns IPv6 off on a netdev before it comes up, so the kernel sends nothing on it by itself (no DAD, no router
     * solicitation, no MLD): the tests count every frame.
     *
     * @param netns the namespace, or null for the test's own
     * @param ifname the netdev
     */
    public static void quietKernel(String netns, String ifname) {
        if (netns == null) {
            Path p = Path.of("/proc/sys/net/ipv6/conf", ifname, "disable_ipv6");
            if (Files.exists(p)) {
                try {
                    Files.writeString(p, "1");
                } catch (IOException e) {
                    throw new IllegalStateException("cannot disable IPv6 on " + ifname + ": " + e.getMessage(), e);
                }
            }
        } else {
            run("-n", netns, "link", "set", "dev", ifname, "addrgenmode", "none");
            exec(List.of("ip", "netns", "exec", netns, "sh", "-c",
                    "p=/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6; [ ! -e $p ] || echo 1 > $p"));
        }
    }
}

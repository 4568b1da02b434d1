package io.twinport.bench.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The little of iproute2's {@code ip} that {@code demo --real} needs: create a veth pair with a given MAC on one end
 * (IPv6 off, so the kernel sends nothing on it by itself, both ends up), delete it, and say what is missing when
 * it cannot run (root, {@code ip}).
 */
final class Veth {
    private Veth() {
    }

    /** @return null if veth pairs can be made here, else one line naming what is missing */
    static String missing() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String euid = line.split("\\s+")[2];
                    if (!euid.equals("0")) {
                        return "needs root (to create veth pairs and open AF_PACKET sockets): running as uid " + euid;
                    }
                }
            }
        } catch (IOException e) {
            return "needs root: cannot read /proc/self/status (" + e.getMessage() + ")";
        }
        try {
            run("-V");
        } catch (IllegalStateException e) {
            return "needs iproute2's ip on PATH: " + e.getMessage();
        }
        return null;
    }

    /**
     * Creates a veth pair.
     *
     * @param end  the end that gets {@code mac}
     * @param peer the other end
     * @param mac  {@code end}'s MAC
     */
    static void create(String end, String peer, String mac) {
        run("link", "add", end, "address", mac, "type", "veth", "peer", "name", peer);
        for (String dev : List.of(end, peer)) {
            Path p = Path.of("/proc/sys/net/ipv6/conf", dev, "disable_ipv6");
            if (Files.exists(p)) {
                try {
                    Files.writeString(p, "1");
                } catch (IOException e) {
                    throw new IllegalStateException("cannot disable IPv6 on " + dev + ": " + e.getMessage(), e);
                }
            }
        }
        run("link", "set", "dev", peer, "up");
        run("link", "set", "dev", end, "up");
    }

    /**
     * Deletes a veth pair (by either end), if it exists.
     *
     * @param end an end
     */
    static void delete(String end) {
        if (Files.exists(Path.of("/sys/class/net", end))) {
            try {
                run("link", "del", end);
            } catch (IllegalStateException e) {
                // gone meanwhile
            }
        }
    }

    /**
     * Deletes every pair named (cleanup; also from a shutdown hook).
     *
     * @param ends one end of each
     */
    static void deleteAll(List<String> ends) {
        for (String end : List.copyOf(ends)) {
            delete(end);
        }
    }

    private static void run(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": no exit in 10 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": "
                        + new String(out, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", cmd) + ": interrupted", e);
        }
    }
}

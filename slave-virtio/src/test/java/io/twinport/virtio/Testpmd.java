package io.twinport.virtio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dpdk-testpmd} as a peer, started and stopped by a test: interactive ({@code -i}), so forwarding starts and
 * stops on command and the forward statistics can be read while the vhost-user connection stays up. Every wait is
 * bounded. Runs with {@code --huge-unlink}, so its hugepage files are gone as soon as they are mapped.
 * {@link #close()} stops it ({@code quit}, then SIGINT, then SIGKILL) and removes what it may leave behind: hugepage
 * files ({@code /dev/hugepages/PREFIXmap_*}), its runtime directory ({@code /var/run/dpdk/PREFIX}) and the socket
 * files it was given.
 */
public final class Testpmd implements AutoCloseable {
    static final String BINARY = "dpdk-testpmd";
    /** Free 2 MB pages one testpmd with {@code -m 256} needs. */
    static final int PAGES_NEEDED = 128;
    private static final Pattern STATS_HEADER = Pattern.compile("Forward statistics for port (\\d+)");

    private final String prefix;
    private final List<Path> sockets;
    private final Process process;
    private final PrintWriter stdin;
    private final StringBuilder output = new StringBuilder();
    private final Path log;
    private final Thread reader;
    private int mark;

    /** Forward statistics of one port, from {@code stop} or from the exit report. */
    public record Stats(int port, long rxPackets, long rxDropped, long txPackets, long txDropped) {
    }

    /** NIC statistics of one port, from {@code show port stats}. */
    public record PortStats(int port, long rxPackets, long rxMissed, long rxBytes, long txPackets) {
    }

    /**
     * @return null if testpmd can run here, else one line naming what is missing
     */
    public static String missing() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: -1").split("\\s+")[1];
            if (!uid.equals("0")) {
                return "not root (uid " + uid + "): dpdk-testpmd needs root for hugepages";
            }
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, BINARY))) {
                    found = true;
                }
            }
            if (!found) {
                return "no " + BINARY + " on PATH (Debian package dpdk-dev)";
            }
            boolean mounted = Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .anyMatch(l -> l.contains(" /dev/hugepages hugetlbfs "));
            if (!mounted) {
                return "no hugetlbfs mounted at /dev/hugepages";
            }
            long free = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("HugePages_Free:")).mapToLong(l -> Long.parseLong(l.split("\\s+")[1]))
                    .findFirst().orElse(0);
            if (free < PAGES_NEEDED) {
                return "only " + free + " free hugepages, " + PAGES_NEEDED
                        + " needed (echo 512 > /proc/sys/vm/nr_hugepages)";
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot check for dpdk-testpmd: " + e;
        }
    }

    private Testpmd(String prefix, List<Path> sockets, Process process, Path log) {
        this.prefix = prefix;
        this.sockets = sockets;
        this.process = process;
        this.log = log;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.reader = Thread.ofPlatform().daemon(true).name("testpmd-" + prefix).start(this::read);
    }

    /**
     * Starts testpmd interactively on CPU 0 with 256 MB of hugepages and waits for its prompt.
     *
     * @param prefix  a file prefix of its own (hugepage files, runtime dir)
     * @param vdevs   {@code --vdev} values
     * @param sockets socket files to remove afterwards
     * @param args    application arguments after {@code --} (besides -i)
     * @return testpmd at its prompt
     */
    public static Testpmd start(String prefix, List<String> vdevs, List<Path> sockets, List<String> args)
            throws IOException {
        return start(prefix, List.of(), vdevs, sockets, args);
    }

    /**
     * Starts testpmd interactively, as {@link #start(String, List, List, List)}, with more EAL options (e.g.
     * {@code --in-memory --single-file-segments}, which a {@code net_virtio_user} front-end needs so that its memory fits the
     * eight regions of SET_MEM_TABLE).
     *
     * @param prefix  a file prefix of its own
     * @param eal     extra EAL options
     * @param vdevs   {@code --vdev} values
     * @param sockets socket files to remove afterwards
     * @param args    application arguments after {@code --} (besides -i)
     * @return testpmd at its prompt
     */
    public static Testpmd start(String prefix, List<String> eal, List<String> vdevs, List<Path> sockets,
                                List<String> args) throws IOException {
        for (Path s : sockets) {
            Files.deleteIfExists(s);
        }
        cleanFiles(prefix);
        // stdbuf: testpmd's printf output must not sit in a pipe buffer while cmdline writes the next prompt
        List<String> cmd = new ArrayList<>(List.of("stdbuf", "-o0", "-e0", BINARY, "--lcores", "0@0,1@0", "--no-pci", "--file-prefix=" + prefix,
                "-m", "256", "--huge-unlink", "--log-level", "lib.eal:error"));
        cmd.addAll(eal);
        for (String v : vdevs) {
            cmd.add("--vdev");
            cmd.add(v);
        }
        cmd.add("--");
        cmd.add("-i");
        cmd.add("--nb-cores=1");
        cmd.add("--total-num-mbufs=16384");
        cmd.addAll(args);
        Path log = Path.of("target", "testpmd-" + prefix + ".log");
        Files.createDirectories(log.getParent());
        for (int attempt = 1; ; attempt++) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Testpmd t = new Testpmd(prefix, sockets, p, log);
            try {
                t.await("testpmd> ", 20_000);
                return t;
            } catch (RuntimeException | Error e) {
                t.close();
                // another DPDK process on the machine may be taking or releasing hugepages right now
                if (attempt < 3 && t.output().contains("Cannot get hugepage information")) {
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                    continue;
                }
                throw e;
            }
        }
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)); OutputStream out = Files.newOutputStream(log)) {
            char[] buf = new char[4096];
            int n;
            while ((n = r.read(buf)) > 0) {
                synchronized (output) {
                    output.append(buf, 0, n);
                    output.notifyAll();
                }
                out.write(new String(buf, 0, n).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /**
     * Waits for text in the output after the current mark, then moves the mark past it.
     *
     * @return the output from the mark up to and including the text
     */
    String await(String text, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (output) {
            while (true) {
                int at = output.indexOf(text, mark);
                if (at >= 0) {
                    String got = output.substring(mark, at + text.length());
                    mark = at + text.length();
                    return got;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !process.isAlive() && output.indexOf(text, mark) < 0) {
                    throw new AssertionError("testpmd " + prefix + ": no '" + text.strip() + "' within "
                            + timeoutMillis + " ms" + (process.isAlive() ? "" : " (it exited)") + "; output:\n"
                            + output.substring(Math.max(0, output.length() - 3000)));
                }
                try {
                    output.wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /**
     * Runs one interactive command and waits for text that only its output contains. Prompts and the echo of the
     * line are not relied on: the vhost-user thread's log lines interleave with them at any point.
     *
     * @param line     the command
     * @param finished text that marks the end of its output
     * @return its output (with whatever else testpmd printed meanwhile)
     */
    String command(String line, String finished) {
        synchronized (output) {
            mark = output.length();
        }
        stdin.println(line);
        return await(finished, 15_000);
    }

    /** Starts forwarding. */
    public void startForwarding() {
        command("start", "packet forwarding - ports=");
    }

    /** @return the forward statistics {@code stop} prints, per port */
    public List<Stats> stopForwarding() {
        return parseStats(command("stop", "Done."));
    }

    /**
     * @param port a port
     * @return its NIC statistics
     */
    public PortStats portStats(int port) {
        String out = command("show port stats " + port, "Tx-bps:");
        int at = out.lastIndexOf("NIC statistics for port " + port);
        if (at < 0) {
            throw new AssertionError("testpmd " + prefix + ": no port stats in:\n" + out);
        }
        String s = out.substring(at);
        return new PortStats(port, field(s, "RX-packets: +(\\d+)"), field(s, "RX-missed: +(\\d+)"),
                field(s, "RX-bytes: +(\\d+)"), field(s, "TX-packets: +(\\d+)"));
    }

    private static long field(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        if (!m.find()) {
            throw new AssertionError("no " + regex + " in:\n" + s);
        }
        return Long.parseLong(m.group(1));
    }

    static List<Stats> parseStats(String out) {
        List<Stats> stats = new ArrayList<>();
        Matcher m = STATS_HEADER.matcher(out);
        while (m.find()) {
            String s = out.substring(m.end());
            stats.add(new Stats(Integer.parseInt(m.group(1)), field(s, "RX-packets: +(\\d+)"),
                    field(s, "RX-dropped: +(\\d+)"), field(s, "TX-packets: +(\\d+)"), field(s, "TX-dropped: +(\\d+)")));
        }
        return stats;
    }

    /** @return the whole output so far */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** @return the process id */
    long pid() {
        return process.pid();
    }

    /** @return true while running */
    boolean alive() {
        return process.isAlive();
    }

    /**
     * Stops testpmd: {@code quit} then SIGINT, waits at most 10 s, then SIGKILL; removes its files. Idempotent.
     */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                stdin.println("quit");
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(2,
                            TimeUnit.SECONDS);
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                reader.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cleanFiles(prefix);
            for (Path s : sockets) {
                try {
                    Files.deleteIfExists(s);
                } catch (IOException ignored) {
                    // best effort; checked by the tests that care
                }
            }
        }
    }

    /** Removes a prefix's hugepage files and runtime directory. */
    static void cleanFiles(String prefix) {
        try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/dev/hugepages"), prefix + "map_*")) {
            for (Path p : d) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // no hugetlbfs: nothing to clean
        }
        Path run = Path.of("/var/run/dpdk", prefix);
        if (Files.isDirectory(run)) {
            try (DirectoryStream<Path> d = Files.newDirectoryStream(run)) {
                for (Path p : d) {
                    Files.deleteIfExists(p);
                }
                Files.deleteIfExists(run);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** @return true if the prefix left no hugepage file and no runtime directory */
    public static boolean leftNothing(String prefix) {
        try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/dev/hugepages"), prefix + "map_*")) {
            if (d.iterator().hasNext()) {
                return false;
            }
        } catch (IOException ignored) {
            // no hugetlbfs
        }
        return !Files.exists(Path.of("/var/run/dpdk", prefix));
    }
}

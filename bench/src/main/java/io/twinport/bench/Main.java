package io.twinport.bench;

import io.twinport.bench.demo.Demo;
import io.twinport.bench.example.UdpEchoExample;
import io.twinport.fwd.Fwd;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The entry point of {@code ./twinport} (the runnable jar {@code bench/target/twinport.jar}): dispatches to a
 * subcommand.
 *
 * <table>
 *   <caption>subcommands</caption>
 *   <tr><td>help</td><td>lists the subcommands</td></tr>
 *   <tr><td>version</td><td>twinport's version (the jar manifest's Implementation-Version) and Java's</td></tr>
 *   <tr><td>fwd</td><td>the packet forwarder ({@link Fwd})</td></tr>
 *   <tr><td>bench</td><td>the JMH suite: with no argument, the whole suite with {@link BenchSuite}'s defaults and a
 *   JSON result file; with arguments, {@code org.openjdk.jmh.Main} with those arguments</td></tr>
 *   <tr><td>status</td><td>failover ports, ports and counters from a management socket ({@code Status})</td></tr>
 *   <tr><td>demo</td><td>the live-migration demo ({@code io.twinport.bench.demo.Demo}; demo --help)</td></tr>
 *   <tr><td>example</td><td>example Netty applications on a failover port ({@code UdpEchoExample})</td></tr>
 * </table>
 *
 * Exit status 2 for an unknown subcommand, naming it and listing the known ones.
 */
public final class Main {
    /** Exit status: the command line was refused. */
    public static final int EXIT_USAGE = 2;

    /** A subcommand and its line in the help. */
    private record Subcommand(String name, String summary) {
    }

    private static final List<Subcommand> SUBCOMMANDS = List.of(
            new Subcommand("help", "list the subcommands"),
            new Subcommand("version", "print twinport's version and the Java runtime's"),
            new Subcommand("fwd", "forward packets between ports, in the manner of DPDK testpmd (fwd --help)"),
            new Subcommand("bench", "run the JMH suite with sensible defaults and a JSON result file; with arguments,"
                    + " they all go to JMH (bench -h, bench -l)"),
            new Subcommand("demo", "a live migration of a guest on a failover port, every frame counted (demo --help)"),
            new Subcommand("status", "failover ports, ports and counters from a running twinport's management socket"
                    + " (status --help)"),
            new Subcommand("example", "example Netty applications on a failover port (example udp-echo --help)"));

    private Main() {
    }

    /**
     * Runs a subcommand and exits with its status.
     *
     * @param args the subcommand and its arguments
     * @throws Exception whatever JMH throws out of {@code bench}
     */
    public static void main(String[] args) throws Exception {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * Runs a subcommand.
     *
     * @param args the subcommand and its arguments
     * @param out  standard output
     * @param err  standard error
     * @return the exit status
     * @throws Exception whatever JMH throws out of {@code bench}
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            err.println("twinport: a subcommand is required; known subcommands: " + names());
            err.print(help());
            return EXIT_USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "help", "--help", "-h" -> {
                out.print(help());
                return 0;
            }
            case "version", "--version" -> {
                out.println(version());
                return 0;
            }
            case "fwd" -> {
                return Fwd.run(rest, out, err);
            }
            case "bench" -> {
                if (rest.length == 0) {
                    return BenchSuite.runDefaults(out, err);
                }
                org.openjdk.jmh.Main.main(rest); // exits the JVM itself on errors
                return 0;
            }
            case "status" -> {
                return Status.run(rest, out, err);
            }
            case "example" -> {
                return UdpEchoExample.runExample(rest, out, err);
            }
            case "demo" -> {
                return Demo.run(rest, out, err);
            }
            default -> {
                err.println("twinport: unknown subcommand '" + args[0] + "'; known subcommands: " + names());
                return EXIT_USAGE;
            }
        }
    }

    /** @return the help text: one line per subcommand */
    public static String help() {
        StringBuilder sb = new StringBuilder("usage: twinport SUBCOMMAND [ARGS...]\n\nsubcommands:\n");
        for (Subcommand s : SUBCOMMANDS) {
            sb.append(String.format("  %-9s %s%n", s.name(), s.summary()));
        }
        return sb.toString();
    }

    /** @return twinport's version and the Java runtime's, on one line */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "twinport " + (v == null ? "(unknown: not run from twinport.jar)" : v) + ", java "
                + Runtime.version() + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.home")
                + ")";
    }

    private static String names() {
        StringBuilder sb = new StringBuilder();
        for (Subcommand s : SUBCOMMANDS) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(s.name());
        }
        return sb.toString();
    }
}

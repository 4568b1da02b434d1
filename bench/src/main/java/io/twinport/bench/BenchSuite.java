package io.twinport.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code ./twinport bench} with no argument: every benchmark of {@code io.twinport.bench.jmh} with the suite's
 * defaults ({@link #DEFAULT_ARGS}), the results written as JMH JSON to a file named after the time in the current
 * directory, and that file's path printed at the start and at the end.
 */
public final class BenchSuite {
    /** The benchmarks the suite runs: all of twinport's. */
    public static final String INCLUDE = "io.twinport.bench.jmh.*";
    /**
     * JMH arguments of a default run: 3 forks, 3 warm-up and 5 measured iterations of 1 s each, and the GC profiler
     * (allocation per op, the 0 B/op bar).
     */
    public static final List<String> DEFAULT_ARGS = List.of("-f", "3", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s",
            "-prof", "gc");

    private BenchSuite() {
    }

    /**
     * The JMH command line of a default run.
     *
     * @param resultFile where JMH writes its JSON
     * @return the arguments, in JMH's syntax
     */
    public static String[] defaultArgs(Path resultFile) {
        List<String> args = new ArrayList<>();
        args.add(INCLUDE);
        args.addAll(DEFAULT_ARGS);
        args.addAll(List.of("-rf", "json", "-rff", resultFile.toString()));
        return args.toArray(new String[0]);
    }

    /**
     * @param now the time
     * @return the default result file: {@code twinport-bench-YYYYMMDD-HHMMSS.json} in the current directory
     */
    public static Path defaultResultFile(LocalDateTime now) {
        return Path.of("twinport-bench-" + now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json")
                .toAbsolutePath();
    }

    /**
     * Runs the whole suite with the defaults.
     *
     * @param out standard output: where the results went
     * @param err standard error: a refused option or a failed run
     * @return 0 if every benchmark ran, 1 if JMH failed or a benchmark produced no result
     */
    public static int runDefaults(PrintStream out, PrintStream err) {
        Path file = defaultResultFile(LocalDateTime.now());
        String[] args = defaultArgs(file);
        out.println("twinport bench: running the suite: jmh " + String.join(" ", args));
        out.println("twinport bench: results (JMH JSON) go to " + file);
        out.println("twinport bench: AfPacketBurstBenchmark needs root (AF_PACKET, veth); the full suite takes"
                + " about 20 minutes. With arguments, bench hands them all to JMH (bench -h).");
        out.flush();
        Collection<RunResult> results;
        try {
            results = new Runner(new CommandLineOptions(args)).run();
        } catch (CommandLineOptionException | RunnerException e) {
            err.println("twinport bench: " + e.getMessage());
            return 1;
        }
        out.println("twinport bench: " + results.size() + " benchmark results written to " + file);
        return results.isEmpty() ? 1 : 0;
    }
}

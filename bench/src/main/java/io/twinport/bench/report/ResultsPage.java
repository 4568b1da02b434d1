package io.twinport.bench.report;

import io.twinport.bench.chart.SvgChart;
import io.twinport.bench.chart.SvgChart.Bar;
import io.twinport.bench.chart.SvgChart.Marker;
import io.twinport.bench.chart.SvgChart.Point;
import io.twinport.bench.chart.SvgChart.Series;
import io.twinport.mgmt.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Generates {@code bench/RESULTS.md} and its SVG charts from what {@code bench/scripts/results.sh} collected: the
 * JMH suite's JSON, the side-by-side scripts' result lines of every run, and a description of the machine. Nothing
 * on the page is typed by hand: every number comes from those files.
 *
 * <p>Input, in the data directory:
 * <ul>
 *   <li>{@code jmh.json}: JMH's JSON result of the suite (its forks give the spread);</li>
 *   <li>{@code runN/SCRIPT.tsv}: the result lines of run N of {@code bench/scripts/SCRIPT.sh}, one per line:
 *       {@code NAME<TAB>VALUE<TAB>UNIT<TAB>NOTE} (see {@code bench/scripts/lib/common.sh});</li>
 *   <li>{@code runN/SCRIPT.out}: that run's output (a script that writes no result line is still listed);</li>
 *   <li>{@code machine.txt}: {@code key: value} lines (CPU, kernel, JDK, DPDK, the command, the date);</li>
 *   <li>{@code load.txt}: {@code PHASE<TAB>LOADAVG} lines, the load average before and after each part.</li>
 * </ul>
 * usage: {@code java -cp twinport.jar io.twinport.bench.report.ResultsPage DATA_DIR CHART_DIR RESULTS_MD}
 */
public final class ResultsPage {
    private static final String PREFIX = "io.twinport.bench.jmh.";

    private ResultsPage() {
    }

    /** Median, smallest and largest of some values. */
    record Stat(double median, double min, double max, int n) {
        static Stat of(List<Double> values) {
            if (values.isEmpty()) {
                throw new IllegalArgumentException("no values");
            }
            List<Double> v = new ArrayList<>(values);
            v.sort(Comparator.naturalOrder());
            int n = v.size();
            double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
            return new Stat(median, v.getFirst(), v.getLast(), n);
        }

        Bar bar(String label) {
            return new Bar(label, median, min, max);
        }
    }

    /** One JMH result: a benchmark with its parameters. */
    record JmhResult(String benchmark, Map<String, String> params, String mode, String unit, double score,
                     List<List<Double>> forkIterations, List<List<double[]>> forkHistograms,
                     Map<String, Double> percentiles, Double allocPerOp) {
        String param(String name) {
            return params.getOrDefault(name, "");
        }

        String paramText() {
            StringBuilder sb = new StringBuilder();
            params.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(v));
            return sb.toString();
        }

        /** @return each fork's median: of its iterations' scores, or of its samples for SampleTime */
        List<Double> forkMedians() {
            List<Double> out = new ArrayList<>();
            if (!forkIterations.isEmpty()) {
                for (List<Double> f : forkIterations) {
                    out.add(Stat.of(f).median());
                }
            } else {
                for (List<double[]> f : forkHistograms) {
                    out.add(weightedMedian(f));
                }
            }
            return out;
        }

        /** @return every iteration's score, in run order (fork by fork) */
        List<Double> iterations() {
            List<Double> out = new ArrayList<>();
            forkIterations.forEach(out::addAll);
            return out;
        }
    }

    /** A result line of a script run. */
    record ScriptResult(int run, String script, String name, double value, String unit, String note) {
    }

    /**
     * Generates the page.
     *
     * @param args data directory, chart directory, RESULTS.md path
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Generates the page.
     *
     * @param args data directory, chart directory, RESULTS.md path
     * @param out  where the files written are listed
     * @param err  usage errors
     * @return 0, or 2 for a usage error
     * @throws IOException if a file cannot be read or written
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length != 3) {
            err.println("usage: ResultsPage DATA_DIR CHART_DIR RESULTS_MD (got " + args.length + " arguments)");
            return 2;
        }
        Path data = Path.of(args[0]);
        Path charts = Path.of(args[1]);
        Path page = Path.of(args[2]);
        if (!Files.isDirectory(data)) {
            err.println("ResultsPage: data directory " + data + " does not exist");
            return 2;
        }
        Path jmhFile = data.resolve("jmh.json");
        List<JmhResult> jmh = Files.exists(jmhFile) ? readJmh(Files.readString(jmhFile)) : List.of();
        List<ScriptResult> scripts = readScriptResults(data);
        Map<String, String> machine = readMachine(data.resolve("machine.txt"));
        List<String> load = Files.exists(data.resolve("load.txt"))
                ? Files.readAllLines(data.resolve("load.txt")) : List.of();
        List<String> scriptNames = scriptNames(data);
        Path rel = page.toAbsolutePath().getParent().relativize(charts.toAbsolutePath());
        String md = render(jmh, scripts, scriptNames, machine, load, charts, rel.toString().replace('\\', '/'),
                data);
        Files.writeString(page, md, StandardCharsets.UTF_8);
        out.println("ResultsPage: wrote " + page + " and the charts in " + charts);
        return 0;
    }

    // ================================================================== reading

    @SuppressWarnings("unchecked")
    static List<JmhResult> readJmh(String json) {
        List<JmhResult> out = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(json)) {
            Map<String, Object> r = (Map<String, Object>) o;
            String name = (String) r.get("benchmark");
            if (name.startsWith(PREFIX)) {
                name = name.substring(PREFIX.length());
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (r.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            Map<String, Object> pm = (Map<String, Object>) r.get("primaryMetric");
            List<List<Double>> iterations = new ArrayList<>();
            if (pm.get("rawData") instanceof List<?> raw) {
                for (Object fork : raw) {
                    List<Double> it = new ArrayList<>();
                    for (Object v : (List<Object>) fork) {
                        it.add(((Number) v).doubleValue());
                    }
                    iterations.add(it);
                }
            }
            List<List<double[]>> histograms = new ArrayList<>();
            if (pm.get("rawDataHistogram") instanceof List<?> raw) {
                for (Object fork : raw) {
                    List<double[]> h = new ArrayList<>();
                    for (Object iteration : (List<Object>) fork) {
                        for (Object pair : (List<Object>) iteration) {
                            List<Object> vc = (List<Object>) pair;
                            h.add(new double[] {((Number) vc.get(0)).doubleValue(),
                                ((Number) vc.get(1)).doubleValue()});
                        }
                    }
                    histograms.add(h);
                }
            }
            Map<String, Double> percentiles = new TreeMap<>();
            if (pm.get("scorePercentiles") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> percentiles.put(String.valueOf(k), ((Number) v).doubleValue()));
            }
            Double alloc = null;
            if (r.get("secondaryMetrics") instanceof Map<?, ?> sec
                    && sec.get("gc.alloc.rate.norm") instanceof Map<?, ?> norm) {
                alloc = ((Number) norm.get("score")).doubleValue();
            }
            out.add(new JmhResult(name, params, (String) r.get("mode"), (String) pm.get("scoreUnit"),
                    ((Number) pm.get("score")).doubleValue(), iterations, histograms, percentiles, alloc));
        }
        return out;
    }

    static double weightedMedian(List<double[]> valueCounts) {
        List<double[]> v = new ArrayList<>(valueCounts);
        v.sort(Comparator.comparingDouble(a -> a[0]));
        double total = 0;
        for (double[] a : v) {
            total += a[1];
        }
        double seen = 0;
        for (double[] a : v) {
            seen += a[1];
            if (seen >= total / 2) {
                return a[0];
            }
        }
        return Double.NaN;
    }

    static List<ScriptResult> readScriptResults(Path data) throws IOException {
        List<ScriptResult> out = new ArrayList<>();
        for (Path runDir : runDirs(data)) {
            int run = Integer.parseInt(runDir.getFileName().toString().substring(3));
            try (Stream<Path> files = Files.list(runDir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".tsv")).sorted().toList()) {
                    String script = f.getFileName().toString().replaceFirst("\\.tsv$", "");
                    int lineNo = 0;
                    for (String line : Files.readAllLines(f)) {
                        lineNo++;
                        if (line.isBlank()) {
                            continue;
                        }
                        String[] c = line.split("\t", -1);
                        if (c.length < 3) {
                            throw new IllegalArgumentException(f + ":" + lineNo + ": expected NAME<TAB>VALUE<TAB>UNIT"
                                    + "[<TAB>NOTE], got: " + line);
                        }
                        double value;
                        try {
                            value = Double.parseDouble(c[1]);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(f + ":" + lineNo + ": value '" + c[1]
                                    + "' is not a number", e);
                        }
                        out.add(new ScriptResult(run, script, c[0], value, c[2], c.length > 3 ? c[3] : ""));
                    }
                }
            }
        }
        return out;
    }

    private static List<Path> runDirs(Path data) throws IOException {
        try (Stream<Path> dirs = Files.list(data)) {
            return dirs.filter(p -> Files.isDirectory(p) && p.getFileName().toString().matches("run\\d+"))
                    .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(3))))
                    .toList();
        }
    }

    /** @return every script that ran (has an .out file in some run), sorted */
    private static List<String> scriptNames(Path data) throws IOException {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Path runDir : runDirs(data)) {
            try (Stream<Path> files = Files.list(runDir)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".out"))
                        .forEach(n -> names.add(n.substring(0, n.length() - 4)));
            }
        }
        return new ArrayList<>(names);
    }

    /** @return "run N: SCRIPT.sh exited with S: LAST LINE" for each run whose output ends with a non-zero status */
    static List<String> failedRuns(Path data) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path runDir : runDirs(data)) {
            try (Stream<Path> files = Files.list(runDir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".out")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f);
                    String status = null;
                    String before = "";
                    for (int i = lines.size() - 1; i >= 0; i--) {
                        if (lines.get(i).startsWith("exit status: ")) {
                            status = lines.get(i).substring("exit status: ".length()).trim();
                            before = i > 0 ? lines.get(i - 1) : "";
                            break;
                        }
                    }
                    if (status != null && !status.equals("0")) {
                        String name = f.getFileName().toString().replaceFirst("\\.out$", "");
                        out.add(runDir.getFileName() + ": `" + name + ".sh` exited with " + status + "; its last line: `"
                                + before.replace("`", "'") + "` (output: `bench/results/data/" + runDir.getFileName()
                                + "/" + name + ".out`)");
                    }
                }
            }
        }
        return out;
    }

    static Map<String, String> readMachine(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return m;
        }
        for (String line : Files.readAllLines(file)) {
            int i = line.indexOf(':');
            if (i > 0) {
                m.put(line.substring(0, i).trim(), line.substring(i + 1).trim());
            }
        }
        return m;
    }

    // ================================================================== rendering

    static String render(List<JmhResult> jmh, List<ScriptResult> scripts, List<String> scriptNames,
                         Map<String, String> machine, List<String> load, Path charts, String chartLink, Path data)
            throws IOException {
        StringBuilder md = new StringBuilder();
        String command = machine.getOrDefault("command", "bench/scripts/results.sh");
        md.append("# twinport benchmark results\n\n");
        md.append("**Every number on this page was produced by one command, run as root from the repository root:**\n\n");
        md.append("```\n").append(command).append("\n```\n\n");
        md.append("It runs the JMH suite and every `bench/scripts/*-vs-dpdk.sh` script several times and generates this"
                + " page and its charts (`io.twinport.bench.report.ResultsPage`); nothing here is typed by hand. The raw"
                + " data is in `bench/results/data/`.\n\n");

        // ---- noise
        md.append("## The machine, and how noisy it was\n\n");
        md.append("| | |\n|---|---|\n");
        for (Map.Entry<String, String> e : machine.entrySet()) {
            if (!e.getKey().equals("command")) {
                md.append("| ").append(e.getKey()).append(" | ").append(cell(e.getValue())).append(" |\n");
            }
        }
        md.append('\n');
        if (!load.isEmpty()) {
            double maxLoad = 0;
            for (String l : load) {
                String[] c = l.split("\t", 2);
                if (c.length == 2 && !c[1].isBlank()) {
                    try {
                        maxLoad = Math.max(maxLoad, Double.parseDouble(c[1].trim().split("\\s+")[0]));
                    } catch (NumberFormatException ignored) {
                        // not a load average: shown as it is
                    }
                }
            }
            java.util.regex.Matcher cpus = java.util.regex.Pattern.compile("(\\d+) CPUs")
                    .matcher(machine.getOrDefault("CPU", ""));
            int cpuCount = cpus.find() ? Integer.parseInt(cpus.group(1)) : Runtime.getRuntime().availableProcessors();
            md.append("Load average (1, 5, 15 min) around each part of the run. ");
            if (maxLoad > cpuCount) {
                md.append("**The machine was busy:** the 1-minute load reached ").append(fmt(maxLoad))
                        .append(" on ").append(cpuCount).append(" CPUs, so other work was competing for the cores"
                        + " while this ran, and every number below is slowed and spread by it by an unknown amount."
                        + " Treat them as rough, and re-run the command on a quiet machine:\n\n");
            } else {
                md.append("The 1-minute load stayed at or below the CPU count (").append(fmt(maxLoad)).append(" on ")
                        .append(cpuCount).append(" CPUs), which is as quiet as this machine gets:\n\n");
            }
            md.append("| when | load average |\n|---|---|\n");
            for (String l : load) {
                String[] c = l.split("\t", 2);
                if (c.length == 2) {
                    md.append("| ").append(cell(c[0])).append(" | ").append(cell(c[1])).append(" |\n");
                }
            }
            md.append('\n');
        }
        md.append("Ratios measured side by side in one run are the headline, because both sides suffer the same"
                + " machine; absolute rates are shown but mean little on a shared machine. \"spread\" is the smallest"
                + " and largest value over the runs (scripts) or over the JMH forks.\n\n");

        // ---- headline
        md.append("## Headline: ratios\n\n");
        List<Bar> dpdkBars = new ArrayList<>();
        md.append("### twinport against DPDK (twinport / DPDK, above 1: twinport is faster)\n\n");
        md.append("| comparison | median | spread | runs | what |\n|---|---|---|---|---|\n");
        Map<String, List<ScriptResult>> byName = groupByName(scripts);
        for (Map.Entry<String, List<ScriptResult>> e : byName.entrySet()) {
            List<ScriptResult> rs = e.getValue();
            if (!rs.getFirst().unit().equals("ratio") || !e.getKey().endsWith("twinport_over_dpdk")) {
                continue;
            }
            Stat s = Stat.of(rs.stream().map(ScriptResult::value).toList());
            String label = e.getKey().replace(".twinport_over_dpdk", "");
            md.append(row(label, s, rs.getFirst().note()));
            dpdkBars.add(s.bar(label));
        }
        md.append('\n');
        if (!dpdkBars.isEmpty()) {
            chart(md, charts, chartLink, "ratios-vs-dpdk.svg", SvgChart.barChart(
                    "twinport / DPDK, packets per second (median, whiskers: spread over runs)", "twinport / DPDK",
                    dpdkBars, 1.0), "twinport / DPDK per comparison");
        }

        md.append("### Each bond against its own member (bond throughput / member throughput, 1: the bond costs"
                + " nothing)\n\n");
        md.append("| bond | median | spread | runs | what |\n|---|---|---|---|---|\n");
        List<Bar> bondBars = new ArrayList<>();
        for (String burst : List.of("1", "8", "32", "64")) {
            List<Double> ratios = failoverRatios(jmh, burst);
            if (!ratios.isEmpty()) {
                Stat s = Stat.of(ratios);
                String label = "twinport JMH burst " + burst;
                md.append(row(label, s, "FailoverBenchmark.txEchoRx: member ns/op / failover ns/op, per fork"
                        + " (forks counted as runs)"));
                bondBars.add(s.bar(label));
            }
        }
        for (Map.Entry<String, List<ScriptResult>> e : byName.entrySet()) {
            if (e.getKey().startsWith("failover.overhead.")) {
                Stat s = Stat.of(e.getValue().stream().map(ScriptResult::value).toList());
                String who = e.getKey().substring("failover.overhead.".length());
                String label = (who.equals("twinport") ? "twinport" : "DPDK " + who) + " (script)";
                md.append(row(label, s, e.getValue().getFirst().note()));
                bondBars.add(s.bar(label));
            }
        }
        md.append('\n');
        if (!bondBars.isEmpty()) {
            chart(md, charts, chartLink, "bond-overhead.svg", SvgChart.barChart(
                    "Bond throughput / its member's (median, whiskers: spread)", "bond / member", bondBars, 1.0),
                    "each bond against its own member");
        }

        // ---- switchover
        md.append("## Switch time after the active member goes away\n\n");
        List<JmhResult> sw = jmh.stream().filter(r -> r.benchmark().startsWith("SwitchoverBenchmark")).toList();
        if (!sw.isEmpty()) {
            md.append("twinport, JMH `SwitchoverBenchmark` (SampleTime: every switch is one sample), from the event to"
                    + " every queue having acknowledged the standby. `inline`: the benchmark thread is the"
                    + " application (polls every queue between duty cycles) and the control thread; `thread`: a"
                    + " separate data-path thread polls the queues. Fork medians show the spread between JVMs.\n\n");
            md.append("| trigger | datapath | queues | median µs | p99 µs | max µs | fork medians µs | samples |\n");
            md.append("|---|---|---|---|---|---|---|---|\n");
            List<Bar> swBars = new ArrayList<>();
            List<JmhResult> sorted = new ArrayList<>(sw);
            sorted.sort(Comparator.comparing((JmhResult r) -> r.param("trigger"))
                    .thenComparing(r -> r.param("datapath"))
                    .thenComparingInt(r -> Integer.parseInt(r.param("queues"))));
            for (JmhResult r : sorted) {
                double p50 = r.percentiles().getOrDefault("50.0", Double.NaN);
                double p99 = r.percentiles().getOrDefault("99.0", Double.NaN);
                double max = r.percentiles().getOrDefault("100.0", Double.NaN);
                long samples = 0;
                for (List<double[]> f : r.forkHistograms()) {
                    for (double[] vc : f) {
                        samples += (long) vc[1];
                    }
                }
                md.append("| ").append(r.param("trigger")).append(" | ").append(r.param("datapath")).append(" | ")
                        .append(r.param("queues")).append(" | ").append(fmt(p50)).append(" | ").append(fmt(p99))
                        .append(" | ").append(fmt(max)).append(" | ").append(list(r.forkMedians())).append(" | ")
                        .append(samples).append(" |\n");
                List<Double> forks = r.forkMedians();
                if ("inline".equals(r.param("datapath")) && !forks.isEmpty()) {
                    swBars.add(Stat.of(forks).bar(r.param("trigger") + " " + r.param("queues") + "q"));
                }
            }
            md.append('\n');
            if (!swBars.isEmpty()) {
                chart(md, charts, chartLink, "switchover.svg", SvgChart.barChart(
                        "twinport switchover, datapath=inline (median of fork medians, whiskers: their spread)", "µs",
                        swBars,
                        Double.NaN), "switchover time per trigger and queue count");
            }
        }
        List<Map.Entry<String, List<ScriptResult>>> dpdkSwitch = byName.entrySet().stream()
                .filter(e -> e.getKey().startsWith("failover.switch.")).toList();
        if (!dpdkSwitch.isEmpty()) {
            md.append("From `failover-vs-dpdk.sh` (twinport: the same benchmark, 1 queue, inline, shorter; DPDK:"
                    + " `net_bonding` mode 1 in an interactive testpmd, the switch bounded by two `show port stats`"
                    + " samples of the other member's TX counter):\n\n");
            md.append("| measure | median | spread | runs | unit | event |\n|---|---|---|---|---|---|\n");
            for (Map.Entry<String, List<ScriptResult>> e : dpdkSwitch) {
                Stat s = Stat.of(e.getValue().stream().map(ScriptResult::value).toList());
                md.append("| ").append(e.getKey().substring("failover.switch.".length())).append(" | ")
                        .append(fmt(s.median())).append(" | ").append(fmt(s.min())).append(" to ").append(fmt(s.max()))
                        .append(" | ").append(s.n()).append(" | ").append(e.getValue().getFirst().unit()).append(" | ")
                        .append(cell(e.getValue().getFirst().note())).append(" |\n");
            }
            md.append('\n');
        }
        md.append("""
                What can and cannot be compared here:
                - DPDK `net_bonding`'s `remove bonding slave` and `set bonding primary` change the active member inside \
                the control call; the data path reads the new one on its next burst and nothing waits for it, so the \
                bound measured is essentially the command line's round trip. twinport's time also includes every \
                queue acknowledging the switch, after which the old member is guaranteed unused; DPDK gives no such \
                point.
                - `linkdown.switched = 0` means: with `net_tap` members, after `set link-down port 0` the other member \
                sent nothing for the whole 3 s observed: `net_bonding` did not switch. `linkdown.member0_link_down = 1` \
                means testpmd reported member 0's link down afterwards, so the link-down itself took effect.
                - DPDK `net_failsafe`'s switch time is **not measured**: it switches when a sub-device raises a removal \
                (RMV) event; the virtual devices available here (`net_null`, `net_tap`) never raise one, and testpmd \
                has no command to remove a sub-device. Faking it (for example by stopping the whole port) would not \
                measure failsafe's switch.

                """);

        // ---- JMH table
        md.append("## The JMH suite\n\n");
        md.append("The suite runs unpinned (`SwitchoverBenchmark` with `datapath=thread` needs both cores); the"
                + " side-by-side scripts pin one process per core.\n\n");
        md.append("Average time per op (or per sample, for SampleTime) and allocation per op (`-prof gc`; JMH 1.37"
                + " counts every JVM thread's allocation, so a background of fractions of a byte per op is JMH's own,"
                + " one object per op would read 16 B/op or more). For `SwitchoverBenchmark` the score is JMH's mean,"
                + " dominated by the outliers (see the percentiles above), and B/op is the control plane's allocation"
                + " per switch"
                + " (events, routing tables, the untimed re-plug of the member between switches), not the data"
                + " path's.\n\n");
        md.append("| benchmark | params | score | unit | fork medians | B/op |\n|---|---|---|---|---|---|\n");
        for (JmhResult r : jmh) {
            md.append("| ").append(r.benchmark()).append(" | ").append(cell(r.paramText())).append(" | ")
                    .append(fmt(r.score())).append(" | ").append(r.unit()).append(" | ")
                    .append(list(r.forkMedians())).append(" | ")
                    .append(r.allocPerOp() == null ? "" : String.format(Locale.ROOT, "%.3f", r.allocPerOp()))
                    .append(" |\n");
        }
        md.append('\n');
        timeline(md, jmh, charts, chartLink);

        // ---- scripts
        md.append("## The side-by-side scripts, every measure\n\n");
        md.append("Median over the runs and the spread (smallest to largest).\n\n");
        md.append("| measure | median | spread | runs | unit | note |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<ScriptResult>> e : byName.entrySet()) {
            Stat s = Stat.of(e.getValue().stream().map(ScriptResult::value).toList());
            md.append("| ").append(e.getKey()).append(" | ").append(fmt(s.median())).append(" | ")
                    .append(fmt(s.min())).append(" to ").append(fmt(s.max())).append(" | ").append(s.n()).append(" | ")
                    .append(e.getValue().getFirst().unit()).append(" | ").append(cell(e.getValue().getFirst().note()))
                    .append(" |\n");
        }
        md.append('\n');
        List<String> silent = new ArrayList<>();
        for (String name : scriptNames) {
            if (scripts.stream().noneMatch(r -> r.script().equals(name))) {
                silent.add(name);
            }
        }
        List<String> failed = failedRuns(data);
        if (!failed.isEmpty()) {
            md.append("Script runs that failed (their numbers are missing from the medians above; the runs column"
                    + " says how many counted):\n\n");
            for (String f : failed) {
                md.append("- ").append(f).append('\n');
            }
            md.append('\n');
        }
        if (!silent.isEmpty()) {
            md.append("These scripts ran but wrote no result line (they do not use `TWINPORT_RESULTS` yet, or they"
                    + " failed); their output is in `bench/results/data/run*/`: ")
                    .append(String.join(", ", silent.stream().map(n -> "`" + n + ".sh`").toList())).append(".\n\n");
        }

        // ---- closing note
        md.append("## Where twinport is slower than DPDK, and what limits it\n\n");
        List<String> slower = new ArrayList<>();
        List<String> faster = new ArrayList<>();
        for (Map.Entry<String, List<ScriptResult>> e : byName.entrySet()) {
            if (e.getKey().endsWith("twinport_over_dpdk")) {
                Stat s = Stat.of(e.getValue().stream().map(ScriptResult::value).toList());
                String item = "`" + e.getKey().replace(".twinport_over_dpdk", "") + "` " + fmt(s.median())
                        + " (spread " + fmt(s.min()) + " to " + fmt(s.max()) + ")";
                (s.median() < 1 ? slower : faster).add(item);
            }
        }
        md.append("In this run twinport was slower than DPDK (twinport / DPDK below 1) in: ")
                .append(slower.isEmpty() ? "none of the comparisons" : String.join(", ", slower)).append(".\n");
        md.append("It was as fast or faster in: ").append(faster.isEmpty() ? "none" : String.join(", ", faster))
                .append(".\n");
        List<ScriptResult> ours = byName.getOrDefault("failover.overhead.twinport", List.of());
        List<ScriptResult> bonding = byName.getOrDefault("failover.overhead.bonding", List.of());
        if (!ours.isEmpty() && !bonding.isEmpty()) {
            double o = Stat.of(ours.stream().map(ScriptResult::value).toList()).median();
            double b = Stat.of(bonding.stream().map(ScriptResult::value).toList()).median();
            md.append("The failover port kept ").append(fmt(o)).append(" of its member's throughput, `net_bonding`"
                    + " mode 1 kept ").append(fmt(b)).append(" of its member's (medians of the script's runs): the"
                    + " failover port's overhead is ").append(o < b ? "larger" : "not larger")
                    .append(" than bonding's here.\n");
        }
        md.append('\n');
        md.append("""
                What limits twinport where it is slower (from what the code does, not from a profile of this run):
                - **virtio-user driver** (`virtio.*`): per packet, twinport's TX writes a 12-byte virtio-net header in \
                the buffer's headroom and fills one descriptor through the FFM API (every `MemorySegment` access is \
                bounds-checked unless the JIT proves it safe), and its packet pool does one CAS per packet to detect \
                double frees; DPDK's `net_virtio_user` is C, without those checks, and recycles mbufs through a \
                per-core cache. The JVM's JIT also needs warm-up that the first seconds of each run include.
                - **vhost-user device** (`vhost`): per frame the guest sends, the device checks the descriptor chain \
                (index range, length, loops), translates each guest address through the region table, and copies \
                the frame into a host pool buffer through the FFM API; DPDK's `net_vhost` does the same copy in C \
                without the per-access bounds checks.
                - **failover port** (`bond-overhead`): RX asks the standby too whenever the primary returned less than \
                a full burst (so frames in flight on either path are delivered), and it counts packets and bytes and \
                stamps its port id on every received packet; `net_bonding` mode 1 polls only its primary. At burst 1 \
                these costs are per burst and show most; from burst 8 up they are within this machine's noise.
                - **noise**: on a 2-core machine shared with other builds, a single run can be slowed by several \
                times; the whiskers show how much. Re-run the command on a quiet, pinned machine before reading small \
                differences.

                """);
        return md.toString();
    }

    /** The FailoverBenchmark ratio member / failover for one burst, one value per fork. */
    static List<Double> failoverRatios(List<JmhResult> jmh, String burst) {
        JmhResult fo = null;
        JmhResult me = null;
        for (JmhResult r : jmh) {
            if (r.benchmark().equals("FailoverBenchmark.txEchoRx") && r.param("burst").equals(burst)) {
                if (r.param("path").equals("failover")) {
                    fo = r;
                } else if (r.param("path").equals("member")) {
                    me = r;
                }
            }
        }
        List<Double> out = new ArrayList<>();
        if (fo == null || me == null) {
            return out;
        }
        List<Double> f = fo.forkMedians();
        List<Double> m = me.forkMedians();
        for (int i = 0; i < Math.min(f.size(), m.size()); i++) {
            out.add(m.get(i) / f.get(i));
        }
        return out;
    }

    /** A line chart of FailoverBenchmark burst 32's iterations in run order, fork starts marked: the noise. */
    private static void timeline(StringBuilder md, List<JmhResult> jmh, Path charts, String chartLink)
            throws IOException {
        List<Series> series = new ArrayList<>();
        List<Marker> markers = new ArrayList<>();
        for (JmhResult r : jmh) {
            if (r.benchmark().equals("FailoverBenchmark.txEchoRx") && r.param("burst").equals("32")
                    && !r.forkIterations().isEmpty()) {
                List<Point> pts = new ArrayList<>();
                int t = 1;
                for (List<Double> fork : r.forkIterations()) {
                    for (double v : fork) {
                        pts.add(new Point(t++, v));
                    }
                }
                series.add(new Series(r.param("path"), pts));
                if (markers.isEmpty()) {
                    int start = 1;
                    for (int f = 0; f < r.forkIterations().size(); f++) {
                        markers.add(new Marker(start, "fork " + (f + 1)));
                        start += r.forkIterations().get(f).size();
                    }
                }
            }
        }
        if (!series.isEmpty()) {
            md.append("Every measured iteration of `FailoverBenchmark` at burst 32, in the order they ran (a new JVM"
                    + " at each fork): how much one iteration moves on this machine.\n\n");
            chart(md, charts, chartLink, "failover-iterations.svg", SvgChart.lineChart(
                    "FailoverBenchmark burst 32: each iteration, in run order", "iteration", "ns/op", series,
                    markers), "FailoverBenchmark iterations in run order");
        }
    }

    private static Map<String, List<ScriptResult>> groupByName(List<ScriptResult> scripts) {
        Map<String, List<ScriptResult>> m = new TreeMap<>();
        for (ScriptResult r : scripts) {
            m.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    private static void chart(StringBuilder md, Path charts, String link, String file, String svg, String alt) {
        try {
            SvgChart.write(charts.resolve(file), svg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + charts.resolve(file), e);
        }
        md.append("![").append(alt).append("](").append(link).append('/').append(file).append(")\n\n");
    }

    private static String row(String label, Stat s, String note) {
        return "| " + cell(label) + " | **" + fmt(s.median()) + "** | " + fmt(s.min()) + " to " + fmt(s.max()) + " | "
                + s.n() + " | " + cell(note) + " |\n";
    }

    private static String list(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.isEmpty() ? "" : " / ").append(fmt(v));
        }
        return sb.toString();
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}

package io.twinport.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsPageTest {
    /** Two forks of FailoverBenchmark burst 32 (AverageTime), one SwitchoverBenchmark (SampleTime), as JMH writes. */
    private static final String JMH = """
            [
              {"benchmark": "io.twinport.bench.jmh.FailoverBenchmark.txEchoRx", "mode": "avgt",
               "params": {"burst": "32", "path": "failover"},
               "primaryMetric": {"score": 110.0, "scoreUnit": "ns/op",
                 "rawData": [[100.0, 110.0, 120.0], [200.0, 210.0, 220.0]]},
               "secondaryMetrics": {"gc.alloc.rate.norm": {"score": 0.004, "scoreUnit": "B/op"}}},
              {"benchmark": "io.twinport.bench.jmh.FailoverBenchmark.txEchoRx", "mode": "avgt",
               "params": {"burst": "32", "path": "member"},
               "primaryMetric": {"score": 100.0, "scoreUnit": "ns/op",
                 "rawData": [[90.0, 99.0, 99.0], [150.0, 150.0, 160.0]]},
               "secondaryMetrics": {}},
              {"benchmark": "io.twinport.bench.jmh.SwitchoverBenchmark.switchover", "mode": "sample",
               "params": {"datapath": "inline", "queues": "4", "trigger": "surprise"},
               "primaryMetric": {"score": 50.0, "scoreUnit": "us/op",
                 "scorePercentiles": {"0.0": 10.0, "50.0": 40.0, "99.0": 300.0, "100.0": 900.0},
                 "rawDataHistogram": [[[[10.0, 1], [40.0, 5]], [[41.0, 3], [900.0, 1]]], [[[30.0, 4], [60.0, 1]]]]},
               "secondaryMetrics": {}}
            ]
            """;

    private static Path data(Path dir) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("run1"));
        Files.createDirectories(data.resolve("run2"));
        Files.createDirectories(data.resolve("run3"));
        Files.writeString(data.resolve("jmh.json"), JMH);
        Files.writeString(data.resolve("machine.txt"), "command: sudo bench/scripts/results.sh\nCPU: a test CPU, 2 CPUs\n");
        Files.writeString(data.resolve("load.txt"), "before the JMH suite\t7.50 3.10 2.00\n");
        double[] ratios = {0.5, 0.7, 0.6};
        for (int r = 1; r <= 3; r++) {
            Files.writeString(data.resolve("run" + r + "/virtio-vs-dpdk.tsv"),
                    "virtio.tx.twinport_over_dpdk\t" + ratios[r - 1] + "\tratio\tdriver TX\n"
                            + "virtio.tx.twinport_pps\t" + (1_000_000 * r) + "\tpps\t\n");
            Files.writeString(data.resolve("run" + r + "/virtio-vs-dpdk.out"), "output\n");
            Files.writeString(data.resolve("run" + r + "/vhost-vs-dpdk.out"), "a script without result lines\n"
                    + "exit status: 0\n");
        }
        Files.writeString(data.resolve("run2/afpacket-vs-dpdk.out"), "veth ...\nafpacket-vs-dpdk: fwd failed\n"
                + "exit status: 1\n");
        return data;
    }

    @Test
    void thePageShowsMediansAndSpreadsComputedFromTheDataAndTheChartsAreWellFormed(@TempDir Path dir)
            throws Exception {
        Path data = data(dir);
        Path page = dir.resolve("RESULTS.md");
        Path charts = dir.resolve("results");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = ResultsPage.run(new String[] {data.toString(), charts.toString(), page.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status);
        String md = Files.readString(page);
        assertTrue(md.contains("```\nsudo bench/scripts/results.sh\n```"), "the command is at the top");
        assertTrue(md.contains("| CPU | a test CPU, 2 CPUs |"), md);
        assertTrue(md.contains("**The machine was busy:** the 1-minute load reached 7.500 on 2 CPUs"), md);
        assertTrue(md.contains("| before the JMH suite | 7.50 3.10 2.00 |"), md);
        // the virtio ratio: median of 0.5, 0.7, 0.6 over three runs
        assertTrue(md.contains("| virtio.tx | **0.600** | 0.500 to 0.700 | 3 | driver TX |"), md);
        // failover/member per fork: fork medians failover 110, 210; member 99, 150 -> 0.9, 0.714...
        assertTrue(md.contains("| twinport JMH burst 32 | **0.807** | 0.714 to 0.900 | 2 |"), md);
        // SampleTime: percentiles from JMH, fork medians weighted by counts (fork 1: 40, fork 2: 30)
        assertTrue(md.contains("| surprise | inline | 4 | 40.0 | 300 | 900 | 40.0 / 30.0 | 15 |"), md);
        assertTrue(md.contains("`virtio.tx` 0.600 (spread 0.500 to 0.700)"), "the closing note names it: " + md);
        assertTrue(md.contains("`vhost-vs-dpdk.sh`"), "a script without result lines is listed");
        assertTrue(md.contains("- run2: `afpacket-vs-dpdk.sh` exited with 1; its last line: `afpacket-vs-dpdk: fwd"
                + " failed`"), "a failed run is listed: " + md);
        assertFalse(md.contains("vhost-vs-dpdk.sh` exited"), "runs that exited 0 are not listed");
        for (String chart : List.of("ratios-vs-dpdk.svg", "bond-overhead.svg", "switchover.svg",
                "failover-iterations.svg")) {
            assertTrue(md.contains("](results/" + chart + ")"), chart + " linked relative to the page");
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            assertEquals("svg", f.newDocumentBuilder().parse(charts.resolve(chart).toFile()).getDocumentElement()
                    .getLocalName());
        }
        assertFalse(md.contains("NaN"), md);
    }

    @Test
    void aMalformedResultLineIsRefusedNamingTheFileAndLine(@TempDir Path dir) throws Exception {
        Path data = data(dir);
        Files.writeString(data.resolve("run2/virtio-vs-dpdk.tsv"), "virtio.tx.twinport_pps\tfast\tpps\t\n");
        var e = assertThrows(IllegalArgumentException.class, () -> ResultsPage.readScriptResults(data));
        assertTrue(e.getMessage().contains("run2/virtio-vs-dpdk.tsv:1: value 'fast' is not a number"),
                e.getMessage());
    }

    @Test
    void usageErrorsSayWhatWasExpected(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, ResultsPage.run(new String[] {"a"}, System.out, e));
        assertEquals(2, ResultsPage.run(new String[] {dir.resolve("none").toString(), "c", "p"}, System.out, e));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("usage: ResultsPage DATA_DIR CHART_DIR RESULTS_MD (got 1 arguments)"), text);
        assertTrue(text.contains("does not exist"), text);
    }
}

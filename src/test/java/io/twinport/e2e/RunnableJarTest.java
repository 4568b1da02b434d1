package io.twinport.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable jar the launcher runs, as a separate process: its manifest (main class, Enable-Native-Access),
 * the shading (every port kind's ServiceLoader entry merged) and the fwd tool working end to end.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunnableJarTest {
    private static Path jar;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("twinport.jar", "../../bench/target/twinport.jar"));
        assertTrue(Files.isRegularFile(jar), "the bench module builds " + jar + " before this module's tests");
    }

    record Run(int status, String out, String err) {
    }

    /** Runs the jar without --enable-native-access on the command line: the manifest entry must be enough. */
    private static Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the jar did not exit");
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void helpAndVersionRunWithoutANativeAccessWarning() throws Exception {
        Run help = run("help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().contains("fwd"), help.out());
        Run version = run("version");
        assertEquals(0, version.status(), version.err());
        assertTrue(version.out().startsWith("twinport "), version.out());
        assertFalse(version.err().contains("restricted method"), "Enable-Native-Access missing: " + version.err());
    }

    @Test
    void fwdTxonlyOverAWirePairCountsExactlyAndLeaksNothing() throws Exception {
        Run r = run("fwd", "--port", "wire", "--mode", "txonly", "--count", "5000", "--duration", "30s", "--json",
                "--stats-period", "0");
        assertEquals(0, r.status(), r.err());
        assertFalse(r.err().contains("restricted method"), r.err());
        String summary = r.out().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(summary.startsWith("{\"summary\":true"), summary);
        Matcher tx = Pattern.compile("\"tx_packets\":(\\d+)").matcher(summary);
        Matcher rx = Pattern.compile("\"rx_packets\":(\\d+)").matcher(summary);
        int ports = 0;
        while (tx.find() && rx.find()) {
            assertEquals(5000, Long.parseLong(tx.group(1)), summary);
            assertEquals(5000, Long.parseLong(rx.group(1)), summary);
            ports++;
        }
        assertEquals(2, ports, "both ends of the wire pair: " + summary);
    }

    @Test
    void aBadPortSpecIsRefusedBeforeAnythingStarts() throws Exception {
        Run r = run("fwd", "--port", "wire,bogus=1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bogus") && r.err().contains("queues"), r.err());
    }
}

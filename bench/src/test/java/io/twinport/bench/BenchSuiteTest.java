package io.twinport.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchSuiteTest {
    @Test
    void theDefaultsAreValidJmhOptionsWithGcProfilingAndAJsonFile() throws Exception {
        Path file = Path.of("/tmp/x/twinport-bench.json");
        CommandLineOptions o = new CommandLineOptions(BenchSuite.defaultArgs(file));
        assertEquals(List.of(BenchSuite.INCLUDE), o.getIncludes());
        assertEquals(3, o.getForkCount().get());
        assertEquals(3, o.getWarmupIterations().get());
        assertEquals(5, o.getMeasurementIterations().get());
        assertEquals(1, o.getMeasurementTime().get().convertTo(TimeUnit.SECONDS));
        assertTrue(o.getProfilers().stream().anyMatch(p -> p.getKlass().equals("gc")), "-prof gc");
        assertEquals(ResultFormatType.JSON, o.getResultFormat().get());
        assertEquals(file.toString(), o.getResult().get());
    }

    @Test
    void theResultFileIsNamedAfterTheTimeInTheCurrentDirectory() {
        Path p = BenchSuite.defaultResultFile(LocalDateTime.of(2026, 11, 26, 3, 4, 5));
        assertEquals("twinport-bench-20261126-030405.json", p.getFileName().toString());
        assertEquals(Path.of("").toAbsolutePath(), p.getParent());
    }
}

package io.twinport.policy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0", "0ms, 0", "7ns, 7", "250us, 250000", "100ms, 100000000", "2s, 2000000000", "3m, 180000000000",
        "1h, 3600000000000", "0010ms, 10000000",
    })
    void parsesTheDocumentedForms(String text, long nanos) {
        assertEquals(nanos, Durations.parseNanos(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5ms", "100", "1.5s", "100 ms", "100MS", "10sec", "ms", "", " 1s", "+1s", "1s ",
        "99999999999999999999ns", "9223372036854775807s"})
    void rejectsEverythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parseNanos(text));
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1ns", "1500000, 1500us", "100000000, 100ms", "2000000000, 2s", "120000000000, 2m",
        "7200000000000, 2h", "3601000000000, 3601s"})
    void formatsInTheLargestExactUnit(long nanos, String text) {
        assertEquals(text, Durations.format(nanos));
    }

    @Test
    void formatThenParseIsTheIdentity() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long nanos = switch (i % 3) {
                case 0 -> random.nextLong(0, Long.MAX_VALUE);
                case 1 -> random.nextLong(0, 10_000) * 1_000_000L;
                default -> random.nextLong(0, 100) * 1_000_000_000L;
            };
            assertEquals(nanos, Durations.parseNanos(Durations.format(nanos)));
        }
        assertThrows(IllegalArgumentException.class, () -> Durations.format(-1));
    }
}

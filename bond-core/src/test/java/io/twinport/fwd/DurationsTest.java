package io.twinport.fwd;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {
    @Test
    void parsesTheUsualForms() {
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(1), Durations.parse("1m"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofNanos(250_000), Durations.parse("250us"));
        assertEquals(Duration.ofNanos(7), Durations.parse("7ns"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2"), "a bare number is seconds, as testpmd's");
        assertEquals(Duration.ZERO, Durations.parse("0"));
    }

    @Test
    void refusesWithTheExpectedForm() {
        for (String bad : new String[] {"", "abc", "-1s", "10x", "1.s", "s", "1 s 2", "10sec"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad),
                    bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("such as 10s"),
                    e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse("999999999999h"))
                .getMessage().contains("too long"));
    }

    @Test
    void formatsBackToWhatItParses() {
        for (String s : new String[] {"0s", "10s", "500ms", "1m", "2h", "250us", "7ns", "1500ms"}) {
            assertEquals(s, Durations.format(Durations.parse(s)));
        }
    }
}

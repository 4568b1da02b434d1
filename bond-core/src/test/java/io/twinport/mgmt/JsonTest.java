package io.twinport.mgmt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one JSON place: the writer and the strict reader. */
@Timeout(10)
class JsonTest {

    private static void refused(String text, String message) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text), text);
        assertEquals(message, e.getMessage(), text);
    }

    @Test
    void readsEveryKindOfValue() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "a\"b\\c/d\b\f\n\r\t");
        expected.put("i", -42L);
        expected.put("z", 0L);
        expected.put("d", 1.5e3);
        expected.put("f", -0.25);
        expected.put("t", true);
        expected.put("n", null);
        expected.put("a", Arrays.asList(1L, "two", false, null, List.of(), Map.of()));
        expected.put("o", Map.of("k", Map.of("deep", 3L)));
        Object v = Json.parse(" {\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"i\":-42,\"z\":0,\"d\":1.5E+3,\"f\":-25e-2,"
                + "\"t\":true,\"n\":null,\"a\":[1,\"two\",false,null,[],{}],\r\n\t\"o\":{\"k\":{\"deep\":3}}} ");
        assertEquals(expected, v);
        assertEquals(List.of("s", "i", "z", "d", "f", "t", "n", "a", "o"),
                new ArrayList<>(((Map<?, ?>) v).keySet()), "keys keep their order");
    }

    @Test
    void readsUnicodeEscapesAndSurrogatePairs() {
        assertEquals("é\u0001😀", Json.parse("\"\\u00e9\\u0001\\ud83d\\ude00\""));
        assertEquals("é😀", Json.parse("\"é😀\""), "raw non-ASCII text");
        assertEquals("\u00C9", Json.parse("\"\\u00C9\""), "upper-case hex");
    }

    @Test
    void numbersAreLongsWhenTheyFitElseDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
        assertEquals(-0L, Json.parse("-0"));
        assertEquals(1.0, Json.parse("1.0"));
        refused("1e999", "number 1e999 out of range at offset 0");
    }

    @Test
    void refusesWhatIsNotJsonNamingTheOffset() {
        refused("", "unexpected end of input, expected a value at offset 0");
        refused("   ", "unexpected end of input, expected a value at offset 3");
        refused("hello", "unexpected 'h', expected a value at offset 0");
        refused("tru", "unexpected 't', expected a value at offset 0");
        refused("{\"a\":1,}", "unexpected '}', expected a string (an object key) at offset 7");
        refused("{a:1}", "unexpected 'a', expected a string (an object key) at offset 1");
        refused("{\"a\" 1}", "unexpected '1', expected ':' after an object key at offset 5");
        refused("{\"a\":1", "unexpected end of input, expected ',' or '}' in an object at offset 6");
        refused("[1 2]", "unexpected '2', expected ',' or ']' in an array at offset 3");
        refused("[1,]", "unexpected ']', expected a value at offset 3");
        refused("\"abc", "unterminated string at offset 0");
        refused("\"a\\", "unterminated string at offset 0");
        refused("\"a\\x\"", "bad escape \\x at offset 2");
        refused("\"\\u12G4\"", "bad \\u escape (four hex digits expected) at offset 1");
        refused("\"a\nb\"", "unescaped control character U+000A in a string at offset 2");
        refused("01", "unexpected '1' after the value at offset 1");
        refused("-", "bad number: a digit must follow '-' at offset 1");
        refused("1.", "bad number: a digit must follow '.' at offset 2");
        refused(".5", "unexpected '.', expected a value at offset 0");
        refused("1e", "bad number: a digit must follow the exponent at offset 2");
        refused("+1", "unexpected '+', expected a value at offset 0");
        refused("{} {}", "unexpected '{' after the value at offset 3");
        refused("{\"a\":1,\"a\":2}", "duplicate key \"a\" at offset 7");
        refused("NaN", "unexpected 'N', expected a value at offset 0");
        refused("\u0000", "unexpected character U+0000, expected a value at offset 0");
    }

    @Test
    void nestingIsBounded() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertTrue(Json.parse(ok) instanceof List<?>);
        refused("[".repeat(Json.MAX_DEPTH + 1), "nesting deeper than 32 at offset 32");
        refused("{\"a\":".repeat(100_000), "nesting deeper than 32 at offset 160");
    }

    @Test
    void writesWhatItReads() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "tab\there \"quoted\" \\ \u0007 é");
        m.put("n", 12L);
        m.put("x", 0.5);
        m.put("ok", true);
        m.put("none", null);
        m.put("list", List.of(1, "a", Map.of()));
        String text = Json.write(m);
        assertEquals("{\"name\":\"tab\\there \\\"quoted\\\" \\\\ \\u0007 é\",\"n\":12,\"x\":0.5,\"ok\":true,"
                + "\"none\":null,\"list\":[1,\"a\",{}]}", text);
        Map<String, Object> back = new LinkedHashMap<>(m);
        back.put("list", List.of(1L, "a", Map.of()));
        assertEquals(back, Json.parse(text));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Float.POSITIVE_INFINITY));
        assertEquals("\"MONDAY\"", Json.write(java.time.DayOfWeek.MONDAY), "other objects as strings");
        assertNull(Json.parse("null"));
    }
}

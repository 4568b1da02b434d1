package io.twinport.mgmt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * twinport's one JSON place (RFC 8259): a writer for the fwd tool's lines and the management socket's replies and
 * events, and a small strict reader for the management socket's commands. No dependency.
 *
 * <p>Values map to Java as: object: {@code Map<String, Object>} (insertion-ordered), array: {@code List<Object>},
 * string: {@code String}, number: {@code Long} when it is an integer that fits, else {@code Double}, true/false:
 * {@code Boolean}, null: {@code null}.
 */
public final class Json {
    /** The deepest nesting of arrays and objects {@link #parse} accepts (so a hostile line cannot overflow the stack). */
    public static final int MAX_DEPTH = 32;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    // ================================================================== writing

    /**
     * Appends {@code s} as a JSON string, quotes included (section 7: quote, backslash and control characters are
     * escaped).
     *
     * @param sb where to append
     * @param s  the text
     * @return {@code sb}
     */
    public static StringBuilder string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /**
     * Appends a value: a {@code Map} (its keys as strings), an {@code Iterable}, a {@code CharSequence}, a
     * {@code Number} (integers as they are; a {@code Double} or {@code Float} must be finite), a {@code Boolean}, or
     * null. Anything else is written as its {@code toString()}, as a string.
     *
     * @param sb    where to append
     * @param value the value
     * @return {@code sb}
     * @throws IllegalArgumentException for a NaN or infinite number (JSON has none)
     */
    public static StringBuilder value(StringBuilder sb, Object value) {
        switch (value) {
            case null -> sb.append("null");
            case CharSequence s -> string(sb, s.toString());
            case Boolean b -> sb.append(b.booleanValue());
            case Double d -> sb.append(finite(d));
            case Float f -> sb.append(finite(f.doubleValue()));
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    string(sb, String.valueOf(e.getKey())).append(':');
                    value(sb, e.getValue());
                }
                sb.append('}');
            }
            case Iterable<?> it -> {
                sb.append('[');
                boolean first = true;
                for (Object o : it) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    value(sb, o);
                }
                sb.append(']');
            }
            default -> string(sb, value.toString());
        }
        return sb;
    }

    /**
     * @param value a value as {@link #value} takes it
     * @return its JSON text, on one line
     */
    public static String write(Object value) {
        return value(new StringBuilder(128), value).toString();
    }

    private static double finite(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no number " + d);
        }
        return d;
    }

    // ================================================================== reading

    /**
     * Parses one JSON value, the whole text (whitespace around it allowed).
     *
     * @param text the text
     * @return the value (see the class comment for the Java types)
     * @throws JsonException naming the offset and what was wrong: not JSON, trailing text, a duplicate key,
     *                       nesting deeper than {@link #MAX_DEPTH}
     */
    public static Object parse(String text) {
        Reader r = new Reader(text);
        r.skipSpace();
        Object v = r.value(0);
        r.skipSpace();
        if (r.pos < text.length()) {
            throw r.error("unexpected " + r.describe() + " after the value");
        }
        return v;
    }

    /** A recursive-descent reader over one string. */
    private static final class Reader {
        private final String s;
        private int pos;

        Reader(String s) {
            this.s = s;
        }

        JsonException error(String what) {
            return new JsonException(what + " at offset " + pos, pos);
        }

        /** @return the character at {@code pos}, for a message */
        String describe() {
            if (pos >= s.length()) {
                return "end of input";
            }
            char c = s.charAt(pos);
            return c < 0x20 || c == 0x7F ? String.format("character U+%04X", (int) c) : "'" + c + "'";
        }

        void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        Object value(int depth) {
            if (pos >= s.length()) {
                throw error("unexpected end of input, expected a value");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected " + describe() + ", expected a value");
                }
            };
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected " + describe() + ", expected a value");
            }
            pos += word.length();
            return v;
        }

        private Map<String, Object> object(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            pos++; // '{'
            Map<String, Object> m = new LinkedHashMap<>();
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipSpace();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("unexpected " + describe() + ", expected a string (an object key)");
                }
                int keyAt = pos;
                String key = string();
                skipSpace();
                expect(':', "':' after an object key");
                skipSpace();
                Object v = value(depth);
                if (m.containsKey(key)) {
                    pos = keyAt;
                    throw error("duplicate key \"" + key + "\"");
                }
                m.put(key, v);
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}', "',' or '}' in an object");
                return m;
            }
        }

        private List<Object> array(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            pos++; // '['
            List<Object> l = new ArrayList<>();
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return l;
            }
            while (true) {
                skipSpace();
                l.add(value(depth));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']', "',' or ']' in an array");
                return l;
            }
        }

        private void expect(char c, String what) {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("unexpected " + describe() + ", expected " + what);
            }
            pos++;
        }

        private String string() {
            int start = pos;
            pos++; // '"'
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    pos = start;
                    throw error("unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("unescaped control " + describe() + " in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    pos++;
                    continue;
                }
                pos++;
                if (pos >= s.length()) {
                    pos = start;
                    throw error("unterminated string");
                }
                char e = s.charAt(pos);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        int code = 0;
                        for (int k = 1; k <= 4; k++) {
                            int d = pos + k < s.length() ? Character.digit(s.charAt(pos + k), 16) : -1;
                            if (d < 0) {
                                pos--;
                                throw error("bad \\u escape (four hex digits expected)");
                            }
                            code = code << 4 | d;
                        }
                        sb.append((char) code); // surrogate pairs arrive as two escapes and join in the String
                        pos += 4;
                    }
                    default -> {
                        pos--;
                        throw error("bad escape \\" + (e < 0x20 ? String.format("U+%04X", (int) e) : e));
                    }
                }
                pos++;
            }
        }

        private Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            if (pos < s.length() && s.charAt(pos) == '0') {
                pos++;
            } else if (!digits()) {
                throw error("bad number: a digit must follow '-'");
            }
            boolean integer = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integer = false;
                pos++;
                if (!digits()) {
                    throw error("bad number: a digit must follow '.'");
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integer = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                if (!digits()) {
                    throw error("bad number: a digit must follow the exponent");
                }
            }
            String text = s.substring(start, pos);
            if (integer) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException tooLarge) {
                    // beyond a long: fall through to a double, as most JSON readers do
                }
            }
            double d = Double.parseDouble(text);
            if (!Double.isFinite(d)) {
                pos = start;
                throw error("number " + text + " out of range");
            }
            return d;
        }

        private boolean digits() {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            return pos > start;
        }
    }
}

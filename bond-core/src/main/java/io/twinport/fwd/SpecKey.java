package io.twinport.fwd;

import io.twinport.policy.MacAddress;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One key a {@link PortKind} accepts in its spec ({@code KIND,key=value,...}): its name, its default, a one-line
 * description, and the check its values must pass. Checks run once, when the spec is parsed, before anything opens.
 */
public final class SpecKey {
    private final String name;
    private final String defaultValue;
    private final String expected;
    private final String description;
    private final ValueCheck check;

    /** Whether a value is acceptable. */
    @FunctionalInterface
    public interface ValueCheck {
        /**
         * @param value the value as given
         * @return true if it is acceptable
         */
        boolean accepts(String value);
    }

    /**
     * @param name         the key
     * @param defaultValue the value used when the key is not given, or null if the kind chooses one at open time
     * @param expected     what an acceptable value looks like, e.g. {@code "an integer in [1, 8]"}
     * @param description  one line for the help text
     * @param check        the check
     */
    public SpecKey(String name, String defaultValue, String expected, String description, ValueCheck check) {
        this.name = Objects.requireNonNull(name, "name");
        this.defaultValue = defaultValue;
        this.expected = Objects.requireNonNull(expected, "expected");
        this.description = Objects.requireNonNull(description, "description");
        this.check = Objects.requireNonNull(check, "check");
        if (defaultValue != null && !check.accepts(defaultValue)) {
            throw new IllegalArgumentException("key " + name + ": default '" + defaultValue + "' is not " + expected);
        }
    }

    /**
     * An integer key.
     *
     * @param name        the key
     * @param def         the default
     * @param min         smallest value
     * @param max         largest value
     * @param description one line for the help text
     * @return the key
     */
    public static SpecKey integer(String name, int def, int min, int max, String description) {
        return new SpecKey(name, Integer.toString(def), "an integer in [" + min + ", " + max + "]", description,
                v -> {
                    Integer n = parseInt(v);
                    return n != null && n >= min && n <= max;
                });
    }

    /**
     * A power-of-two integer key (ring sizes).
     *
     * @param name        the key
     * @param def         the default
     * @param min         smallest value
     * @param max         largest value
     * @param description one line for the help text
     * @return the key
     */
    public static SpecKey powerOfTwo(String name, int def, int min, int max, String description) {
        return new SpecKey(name, Integer.toString(def), "a power of two in [" + min + ", " + max + "]", description,
                v -> {
                    Integer n = parseInt(v);
                    return n != null && n >= min && n <= max && Integer.bitCount(n) == 1;
                });
    }

    /**
     * A name key: 1 to 31 characters out of letters, digits, {@code _ . -}.
     *
     * @param name        the key
     * @param def         the default, or null if the kind picks one when it opens
     * @param description one line for the help text
     * @return the key
     */
    public static SpecKey name(String name, String def, String description) {
        Pattern form = Pattern.compile("[A-Za-z0-9_.-]{1,31}");
        return new SpecKey(name, def, "1 to 31 letters, digits, '_', '.' or '-'", description,
                v -> form.matcher(v).matches());
    }

    /**
     * A key with a fixed set of values.
     *
     * @param name        the key
     * @param def         the default
     * @param values      the accepted values
     * @param description one line for the help text
     * @return the key
     */
    public static SpecKey oneOf(String name, String def, List<String> values, String description) {
        List<String> accepted = List.copyOf(values);
        return new SpecKey(name, def, "one of " + String.join(", ", accepted), description, accepted::contains);
    }

    /**
     * A key whose value is a Unix socket path (1 to 107 bytes: {@code sun_path} holds 108 with the NUL).
     *
     * @param name        the key
     * @param description one line for the help text
     * @return the key, without a default
     */
    public static SpecKey socketPath(String name, String description) {
        return new SpecKey(name, null, "a socket path of 1 to 107 bytes", description, v -> {
            int n = v.getBytes(StandardCharsets.UTF_8).length;
            return n >= 1 && n <= 107;
        });
    }

    /**
     * A key whose value is a unicast, non-zero MAC address.
     *
     * @param name        the key
     * @param description one line for the help text
     * @return the key, without a default
     */
    public static SpecKey unicastMac(String name, String description) {
        return new SpecKey(name, null, "a unicast MAC address such as 02:00:00:00:00:01", description, v -> {
            try {
                MacAddress m = MacAddress.parse(v);
                return !m.isMulticast() && !m.isZero();
            } catch (IllegalArgumentException e) {
                return false;
            }
        });
    }

    private static Integer parseInt(String v) {
        try {
            return Integer.valueOf(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** @return the key */
    public String name() {
        return name;
    }

    /** @return the default value, or null if the kind chooses one when it opens */
    public String defaultValue() {
        return defaultValue;
    }

    /** @return what an acceptable value looks like */
    public String expected() {
        return expected;
    }

    /** @return one line for the help text */
    public String description() {
        return description;
    }

    /**
     * @param kind  the kind, for the message
     * @param value a value given for this key
     * @throws PortSpecException naming the key, the value and what is expected, if the value is refused
     */
    public void check(String kind, String value) {
        if (!check.accepts(value)) {
            throw new PortSpecException("bad value '" + value + "' for key '" + name + "' of kind " + kind
                    + ": expected " + expected);
        }
    }

    @Override
    public String toString() {
        return name + (defaultValue == null ? "" : "=" + defaultValue);
    }
}

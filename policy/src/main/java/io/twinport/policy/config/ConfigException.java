package io.twinport.policy.config;

import java.io.Serial;

/**
 * A configuration value that cannot be used, found at load time. The message names the key, the value, where it
 * came from, what is wrong and what was expected, e.g.
 * {@code twinport.failover.up-delay = "-5ms" (environment variable TWINPORT_FAILOVER_UP_DELAY): negative; expected
 * a duration from 0 to 1h ...}.
 */
public final class ConfigException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The key (property name) at fault. */
    private final String key;
    /** The value as given. */
    private final String value;

    /**
     * A bad value.
     *
     * @param key the property name
     * @param value the value as given
     * @param origin where it came from, e.g. {@code system property twinport.failover.mode}
     * @param problem what is wrong with it
     * @param expected what was expected
     * @param cause the underlying failure, or null
     */
    public ConfigException(String key, String value, String origin, String problem, String expected,
                           Throwable cause) {
        super(key + " = \"" + value + "\" (" + origin + "): " + problem + "; expected " + expected, cause);
        this.key = key;
        this.value = value;
    }

    /**
     * The key at fault.
     *
     * @return its property name, e.g. {@code twinport.failover.up-delay}
     */
    public String key() {
        return key;
    }

    /**
     * The value at fault.
     *
     * @return the value as given
     */
    public String value() {
        return value;
    }
}

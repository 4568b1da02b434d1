package io.twinport.policy.config;

import io.twinport.policy.selection.FailBack;

import java.util.Locale;
import java.util.Optional;

/**
 * Every configuration key of twinport's policy, with its default and a one-line description: the one place where
 * keys are defined (in the manner of Aeron's {@code Configuration}). Defaults are the configuration-free behaviour;
 * no key is required.
 *
 * <p>A key has a property name ({@code twinport.failover.up-delay}), used in system properties and the properties
 * file, and an environment name derived from it by upper-casing and turning {@code '.'} and {@code '-'} into
 * {@code '_'} ({@code TWINPORT_FAILOVER_UP_DELAY}).
 */
public enum ConfigKey {

    /** The optional properties file. */
    CONFIG_FILE("twinport.config.file", Kind.PATH, "",
            "Properties file read after the defaults; settable only as a system property or environment variable."),
    /** Up-delay of both members. */
    FAILOVER_UP_DELAY("twinport.failover.up-delay", Kind.DURATION, "0",
            "How long a member's link must stay up before it counts as up (Linux bonding's updelay)."),
    /** Down-delay of both members. */
    FAILOVER_DOWN_DELAY("twinport.failover.down-delay", Kind.DURATION, "0",
            "How long a member's link must stay down before it counts as down (Linux bonding's downdelay)."),
    /** Fail-back policy. */
    FAILOVER_FAIL_BACK("twinport.failover.fail-back", Kind.FAIL_BACK, "always",
            "When to return to a healthy primary: always; failure (stay on the standby until it fails); never "
                    + "(the active member changes only when it fails)."),
    /** Initial selection mode. */
    FAILOVER_MODE("twinport.failover.mode", Kind.MODE, "auto",
            "auto (prefer the primary) or standby-only (pin the standby active, as during a migration)."),
    /** Peer announcements per switchover. */
    ANNOUNCE_COUNT("twinport.announce.count", Kind.COUNT, "3",
            "Peer announcements (gratuitous ARP/RARP) sent on the newly active path after a switchover; 0 for none."),
    /** Interval between peer announcements. */
    ANNOUNCE_INTERVAL("twinport.announce.interval", Kind.DURATION, "100ms",
            "Time between two peer announcements; the first goes out at the switchover."),
    /** Port names that pairing leaves alone. */
    PAIRING_EXCLUDE_NAMES("twinport.pairing.exclude-names", Kind.NAME_LIST, "",
            "Comma-separated port names that pairing never pairs."),
    /** MAC addresses that pairing leaves alone. */
    PAIRING_EXCLUDE_MACS("twinport.pairing.exclude-macs", Kind.MAC_LIST, "",
            "Comma-separated MAC addresses whose ports pairing never pairs.");

    /** The shape of a key's value, with what a valid value looks like. */
    public enum Kind {
        /** A duration, see {@link Durations}. */
        DURATION("a duration from 0 to 1h: " + Durations.FORM),
        /** A fail-back word. */
        FAIL_BACK(FailBack.words()),
        /** A selection-mode word. */
        MODE("auto or standby-only"),
        /** A small count. */
        COUNT("a whole number from 0 to 255"),
        /** A list of port names. */
        NAME_LIST("a comma-separated list of port names, e.g. eth1,vf0"),
        /** A list of MAC addresses. */
        MAC_LIST("a comma-separated list of MAC addresses, e.g. 52:54:00:12:34:56,52:54:00:12:34:57"),
        /** A file path. */
        PATH("the path of a readable properties file, or nothing for none");

        private final String expected;

        Kind(String expected) {
            this.expected = expected;
        }

        /**
         * What a valid value looks like, for messages.
         *
         * @return a short phrase, e.g. {@code always, failure or never}
         */
        public String expected() {
            return expected;
        }
    }

    private final String propertyName;
    private final String environmentName;
    private final Kind kind;
    private final String defaultValue;
    private final String description;

    ConfigKey(String propertyName, Kind kind, String defaultValue, String description) {
        this.propertyName = propertyName;
        this.environmentName = environmentNameOf(propertyName);
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /**
     * The name in system properties and the properties file.
     *
     * @return e.g. {@code twinport.failover.up-delay}
     */
    public String propertyName() {
        return propertyName;
    }

    /**
     * The name in the environment.
     *
     * @return e.g. {@code TWINPORT_FAILOVER_UP_DELAY}
     */
    public String environmentName() {
        return environmentName;
    }

    /**
     * The shape of the value.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The default, in the text form a source would use.
     *
     * @return e.g. {@code 100ms}; empty for an empty list or no file
     */
    public String defaultValue() {
        return defaultValue;
    }

    /**
     * One line saying what the key does.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /**
     * The namespace this key belongs to: its property name up to and including the last dot. An unknown key in one
     * of these namespaces is rejected at load time (a typo, not another module's key).
     *
     * @return e.g. {@code twinport.failover.}
     */
    public String namespace() {
        return propertyName.substring(0, propertyName.lastIndexOf('.') + 1);
    }

    /** The environment form of a property name (or namespace): upper case, {@code '.'} and {@code '-'} to {@code '_'}. */
    static String environmentNameOf(String propertyName) {
        return propertyName.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The key with a property name.
     *
     * @param propertyName e.g. {@code twinport.failover.up-delay}
     * @return the key, or empty if none has that name
     */
    public static Optional<ConfigKey> byPropertyName(String propertyName) {
        for (ConfigKey key : values()) {
            if (key.propertyName.equals(propertyName)) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /**
     * The key with an environment name.
     *
     * @param environmentName e.g. {@code TWINPORT_FAILOVER_UP_DELAY}
     * @return the key, or empty if none has that name
     */
    public static Optional<ConfigKey> byEnvironmentName(String environmentName) {
        for (ConfigKey key : values()) {
            if (key.environmentName.equals(environmentName)) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /**
     * The configuration table in Markdown, one row per key in declaration order: key, environment variable,
     * default, meaning. The module README carries exactly this table (a test checks it).
     *
     * @return the table, header included, each line ending with a newline
     */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder()
                .append("| key | environment | default | meaning |\n")
                .append("|---|---|---|---|\n");
        for (ConfigKey key : values()) {
            table.append("| `").append(key.propertyName).append("` | `").append(key.environmentName).append("` | ")
                    .append(key.defaultValue.isEmpty() ? "(empty)" : "`" + key.defaultValue + "`").append(" | ")
                    .append(key.description).append(" |\n");
        }
        return table.toString();
    }
}

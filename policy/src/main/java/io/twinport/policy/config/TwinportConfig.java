package io.twinport.policy.config;

import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.policy.selection.FailBack;
import io.twinport.policy.selection.SelectionMode;
import io.twinport.policy.selection.SelectionOptions;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The validated configuration of twinport's policy: one typed value per {@link ConfigKey}.
 *
 * <p>{@link #load(Map, Map)} reads, for every key, the first of: the system property, the environment variable,
 * the properties file, the default. So the precedence is, lowest first:
 * <ol>
 *   <li>defaults ({@link ConfigKey#defaultValue()}): the configuration-free behaviour, nothing is required;</li>
 *   <li>the properties file named by {@code twinport.config.file} (system property, else environment variable
 *       {@code TWINPORT_CONFIG_FILE}); if it is named it must exist;</li>
 *   <li>environment variables ({@code TWINPORT_FAILOVER_UP_DELAY} for {@code twinport.failover.up-delay});</li>
 *   <li>system properties ({@code -Dtwinport.failover.up-delay=50ms}), the most specific: set for one JVM.</li>
 * </ol>
 * Surrounding whitespace of a value is ignored. In lists, empty entries (a trailing comma) are skipped. Every value
 * is checked at load time: a bad one (a negative delay, an unknown fail-back word, a malformed MAC, a key that does
 * not exist in one of the namespaces {@code twinport.config.}, {@code twinport.failover.},
 * {@code twinport.announce.}, {@code twinport.pairing.}) is a {@link ConfigException} naming the key, the value,
 * its source and what was expected. Keys of other namespaces are left to their own modules.
 *
 * @param upDelayNanos {@code twinport.failover.up-delay}
 * @param downDelayNanos {@code twinport.failover.down-delay}
 * @param failBack {@code twinport.failover.fail-back}
 * @param mode {@code twinport.failover.mode}
 * @param announceCount {@code twinport.announce.count}
 * @param announceIntervalNanos {@code twinport.announce.interval}
 * @param excludedNames {@code twinport.pairing.exclude-names}
 * @param excludedMacs {@code twinport.pairing.exclude-macs}
 */
public record TwinportConfig(long upDelayNanos, long downDelayNanos, FailBack failBack, SelectionMode mode,
                             int announceCount, long announceIntervalNanos, Set<String> excludedNames,
                             Set<MacAddress> excludedMacs) {

    /**
     * Checks the components (with the same rules as {@link SelectionOptions} and {@link AnnouncementSchedule}) and
     * copies the sets.
     *
     * @throws IllegalArgumentException if a value is out of range or a name is blank or contains a comma
     * @throws NullPointerException if a component or an element is null
     */
    public TwinportConfig {
        new SelectionOptions(upDelayNanos, downDelayNanos, failBack);
        Objects.requireNonNull(mode, "mode");
        new AnnouncementSchedule(announceCount, announceIntervalNanos);
        excludedNames = Set.copyOf(excludedNames);
        excludedMacs = Set.copyOf(excludedMacs);
        for (String name : excludedNames) {
            if (name.isBlank() || name.contains(",") || !name.equals(name.strip())) {
                throw new IllegalArgumentException("excluded port name \"" + name
                        + "\" must be non-blank, without commas or surrounding whitespace");
            }
        }
    }

    /**
     * The configuration-free behaviour: every key at its default.
     *
     * @return the defaults
     */
    public static TwinportConfig defaults() {
        return load(Map.of(), Map.of());
    }

    /**
     * Loads from this JVM's system properties and environment (and the file they may name).
     *
     * @return the configuration
     * @throws ConfigException if a value is bad or the named file cannot be read
     */
    public static TwinportConfig fromSystem() {
        Properties properties = System.getProperties();
        Map<String, String> systemProperties = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            systemProperties.put(name, properties.getProperty(name));
        }
        return load(systemProperties, System.getenv());
    }

    /**
     * Loads from the given system properties and environment (and the file they may name), see the class
     * description for the precedence.
     *
     * @param systemProperties system properties by property name, e.g. a copy of {@link System#getProperties()}
     * @param environment environment variables by name, e.g. {@link System#getenv()}
     * @return the configuration
     * @throws ConfigException if a value is bad or the named file cannot be read
     */
    public static TwinportConfig load(Map<String, String> systemProperties, Map<String, String> environment) {
        Map<String, String> system = Map.copyOf(systemProperties);
        Map<String, String> env = Map.copyOf(environment);
        rejectUnknown(system, ConfigKey::byPropertyName, ConfigKey::namespace, "system property");
        rejectUnknown(env, ConfigKey::byEnvironmentName, k -> ConfigKey.environmentNameOf(k.namespace()),
                "environment variable");
        Map<String, String> file = Map.of();
        String fileOrigin = "";
        Value fileName = lookup(ConfigKey.CONFIG_FILE, system, env, Map.of(), "");
        if (!fileName.text().isEmpty()) {
            fileOrigin = "file " + fileName.text();
            file = readProperties(fileName);
            rejectUnknown(file, ConfigKey::byPropertyName, ConfigKey::namespace, fileOrigin);
            if (file.containsKey(ConfigKey.CONFIG_FILE.propertyName())) {
                Value nested = new Value(ConfigKey.CONFIG_FILE, file.get(ConfigKey.CONFIG_FILE.propertyName()).strip(),
                        fileOrigin);
                throw nested.bad("the file cannot name another file", "no " + ConfigKey.CONFIG_FILE.propertyName()
                        + " in the file itself (set it as a system property or environment variable)", null);
            }
        }
        Map<ConfigKey, Value> values = new LinkedHashMap<>();
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, lookup(key, system, env, file, fileOrigin));
        }
        long upDelay = values.get(ConfigKey.FAILOVER_UP_DELAY).duration(SelectionOptions.MAX_DELAY_NANOS);
        long downDelay = values.get(ConfigKey.FAILOVER_DOWN_DELAY).duration(SelectionOptions.MAX_DELAY_NANOS);
        FailBack failBack = values.get(ConfigKey.FAILOVER_FAIL_BACK).word(FailBack::fromWord);
        SelectionMode mode = values.get(ConfigKey.FAILOVER_MODE).word(SelectionMode::fromWord);
        int count = values.get(ConfigKey.ANNOUNCE_COUNT).count(AnnouncementSchedule.MAX_COUNT);
        long interval = values.get(ConfigKey.ANNOUNCE_INTERVAL).duration(AnnouncementSchedule.MAX_INTERVAL_NANOS);
        Set<String> names = Set.copyOf(values.get(ConfigKey.PAIRING_EXCLUDE_NAMES).list(Function.identity()));
        Set<MacAddress> macs = Set.copyOf(values.get(ConfigKey.PAIRING_EXCLUDE_MACS).list(MacAddress::parse));
        return new TwinportConfig(upDelay, downDelay, failBack, mode, count, interval, names, macs);
    }

    /**
     * The selection options these values give.
     *
     * @return up-delay, down-delay and fail-back
     */
    public SelectionOptions selectionOptions() {
        return new SelectionOptions(upDelayNanos, downDelayNanos, failBack);
    }

    /**
     * The peer announcement schedule these values give.
     *
     * @return count and interval
     */
    public AnnouncementSchedule announcementSchedule() {
        return new AnnouncementSchedule(announceCount, announceIntervalNanos);
    }

    /**
     * The pairing exclusions these values give.
     *
     * @return names and MACs
     */
    public PairingExclusions pairingExclusions() {
        return new PairingExclusions(excludedNames, excludedMacs);
    }

    /**
     * One value in its text form, as a source would give it; loading it back gives the same value.
     *
     * @param key a key other than {@link ConfigKey#CONFIG_FILE}
     * @return e.g. {@code 100ms}; lists sorted
     * @throws IllegalArgumentException for {@link ConfigKey#CONFIG_FILE}, which is not a value of the configuration
     */
    public String text(ConfigKey key) {
        return switch (key) {
            case CONFIG_FILE -> throw new IllegalArgumentException(key.propertyName() + " only locates a source");
            case FAILOVER_UP_DELAY -> Durations.format(upDelayNanos);
            case FAILOVER_DOWN_DELAY -> Durations.format(downDelayNanos);
            case FAILOVER_FAIL_BACK -> failBack.word();
            case FAILOVER_MODE -> mode.word();
            case ANNOUNCE_COUNT -> Integer.toString(announceCount);
            case ANNOUNCE_INTERVAL -> Durations.format(announceIntervalNanos);
            case PAIRING_EXCLUDE_NAMES -> excludedNames.stream().sorted().collect(Collectors.joining(","));
            case PAIRING_EXCLUDE_MACS -> excludedMacs.stream().sorted().map(MacAddress::toString)
                    .collect(Collectors.joining(","));
        };
    }

    /**
     * Every value in its text form, by property name, in key order ({@link ConfigKey#CONFIG_FILE} left out). Fed
     * back to {@link #load} as system properties it gives an equal configuration.
     *
     * @return the values
     */
    public Map<String, String> toProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        for (ConfigKey key : ConfigKey.values()) {
            if (key != ConfigKey.CONFIG_FILE) {
                properties.put(key.propertyName(), text(key));
            }
        }
        return properties;
    }

    /**
     * The values for people, one {@code key = value} per line, for logs and status output.
     *
     * @return the lines
     */
    public String describe() {
        return toProperties().entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n"));
    }

    // ---- loading ----

    /** One raw value with where it came from. */
    private record Value(ConfigKey key, String text, String origin) {

        ConfigException bad(String problem, String expected, Throwable cause) {
            return new ConfigException(key.propertyName(), text, origin, problem, expected, cause);
        }

        ConfigException bad(String problem, Throwable cause) {
            return bad(problem, key.kind().expected(), cause);
        }

        long duration(long max) {
            long nanos;
            try {
                nanos = Durations.parseNanos(text);
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage(), e);
            }
            if (nanos > max) {
                throw bad("longer than " + Durations.format(max), null);
            }
            return nanos;
        }

        <T> T word(Function<String, T> parser) {
            try {
                return parser.apply(text);
            } catch (IllegalArgumentException e) {
                throw bad("unknown word", e);
            }
        }

        int count(int max) {
            int count;
            try {
                count = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw bad("not a whole number", e);
            }
            if (count < 0 || count > max) {
                throw bad("out of range", null);
            }
            return count;
        }

        <T> List<T> list(Function<String, T> parser) {
            List<T> items = new ArrayList<>();
            for (String entry : text.split(",", -1)) {
                String item = entry.strip();
                if (item.isEmpty()) {
                    continue;
                }
                try {
                    items.add(parser.apply(item));
                } catch (IllegalArgumentException e) {
                    throw bad("entry \"" + item + "\" is malformed (" + e.getMessage() + ")", e);
                }
            }
            return items;
        }
    }

    private static Value lookup(ConfigKey key, Map<String, String> system, Map<String, String> env,
                                Map<String, String> file, String fileOrigin) {
        String fromSystem = system.get(key.propertyName());
        if (fromSystem != null) {
            return new Value(key, fromSystem.strip(), "system property " + key.propertyName());
        }
        String fromEnv = env.get(key.environmentName());
        if (fromEnv != null) {
            return new Value(key, fromEnv.strip(), "environment variable " + key.environmentName());
        }
        String fromFile = file.get(key.propertyName());
        if (fromFile != null) {
            return new Value(key, fromFile.strip(), fileOrigin);
        }
        return new Value(key, key.defaultValue(), "default");
    }

    private static Map<String, String> readProperties(Value fileName) {
        Path path;
        try {
            path = Path.of(fileName.text());
        } catch (InvalidPathException e) {
            throw fileName.bad("not a valid path", e);
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw fileName.bad("no such file", e);
        } catch (IOException | IllegalArgumentException e) {
            throw fileName.bad("cannot read it as UTF-8 properties (" + e + ")", e);
        }
        Map<String, String> map = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return map;
    }

    /** Rejects names in one of our namespaces that are no key: a typo must not be ignored silently. */
    private static void rejectUnknown(Map<String, String> source, Function<String, Optional<ConfigKey>> lookup,
                                      Function<ConfigKey, String> namespaceOf, String origin) {
        Set<String> namespaces = new LinkedHashSet<>();
        for (ConfigKey key : ConfigKey.values()) {
            namespaces.add(namespaceOf.apply(key));
        }
        Optional<String> unknown = source.keySet().stream()
                .filter(name -> namespaces.stream().anyMatch(name::startsWith))
                .filter(name -> lookup.apply(name).isEmpty())
                .min(Comparator.naturalOrder());
        if (unknown.isPresent()) {
            String name = unknown.get();
            boolean env = origin.startsWith("environment");
            String known = Arrays.stream(ConfigKey.values())
                    .map(k -> env ? k.environmentName() : k.propertyName())
                    .collect(Collectors.joining(", "));
            String where = origin.startsWith("file") ? origin : origin + " " + name;
            throw new ConfigException(name, source.get(name), where, "no such key", "one of " + known, null);
        }
    }
}

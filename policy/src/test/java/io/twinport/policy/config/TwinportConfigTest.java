package io.twinport.policy.config;

import io.twinport.policy.MacAddress;
import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.pairing.PairingExclusions;
import io.twinport.policy.selection.FailBack;
import io.twinport.policy.selection.SelectionMode;
import io.twinport.policy.selection.SelectionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TwinportConfigTest {

    static final long MS = 1_000_000L;
    /** Test files live under the module's target directory, never elsewhere. */
    static final Path FILES = Path.of("target", "config-test-files");

    static Path write(String name, String content) throws IOException {
        Files.createDirectories(FILES);
        Path file = FILES.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    static ConfigException rejected(Executable load, String... mentions) {
        ConfigException e = assertThrows(ConfigException.class, load);
        for (String mention : mentions) {
            assertTrue(e.getMessage().contains(mention), "\"" + mention + "\" missing from: " + e.getMessage());
        }
        return e;
    }

    @Test
    void nothingIsRequiredAndTheDefaultsAreTheConfigFreeBehaviour() {
        TwinportConfig config = TwinportConfig.load(Map.of(), Map.of());
        assertEquals(TwinportConfig.defaults(), config);
        assertEquals(SelectionOptions.DEFAULT, config.selectionOptions());
        assertEquals(AnnouncementSchedule.DEFAULT, config.announcementSchedule());
        assertEquals(PairingExclusions.NONE, config.pairingExclusions());
        assertEquals(SelectionMode.AUTO, config.mode());
    }

    @Test
    void everyKeyCanBeSetFromEachSource() throws IOException {
        Map<String, String> values = Map.of(
                "twinport.failover.up-delay", "50ms",
                "twinport.failover.down-delay", "2s",
                "twinport.failover.fail-back", "never",
                "twinport.failover.mode", "standby-only",
                "twinport.announce.count", "5",
                "twinport.announce.interval", "250us",
                "twinport.pairing.exclude-names", "eth9, vu9,",
                "twinport.pairing.exclude-macs", "52:54:00:00:00:09,52:54:00:00:00:0A");
        TwinportConfig expected = new TwinportConfig(50 * MS, 2_000 * MS, FailBack.NEVER, SelectionMode.STANDBY_ONLY,
                5, 250_000, Set.of("eth9", "vu9"),
                Set.of(MacAddress.parse("52:54:00:00:00:09"), MacAddress.parse("52:54:00:00:00:0a")));

        assertEquals(expected, TwinportConfig.load(values, Map.of()), "system properties");

        Map<String, String> env = new HashMap<>();
        values.forEach((k, v) -> env.put(ConfigKey.byPropertyName(k).orElseThrow().environmentName(), v));
        assertEquals(expected, TwinportConfig.load(Map.of(), env), "environment");

        StringBuilder properties = new StringBuilder("# a twinport configuration\n");
        values.forEach((k, v) -> properties.append(k).append(" = ").append(v).append('\n'));
        Path file = write("all-keys.properties", properties.toString());
        assertEquals(expected, TwinportConfig.load(Map.of("twinport.config.file", file.toString()), Map.of()),
                "file named by a system property");
        assertEquals(expected, TwinportConfig.load(Map.of(), Map.of("TWINPORT_CONFIG_FILE", file.toString())),
                "file named by the environment");
    }

    @Test
    void precedenceIsDefaultThenFileThenEnvironmentThenSystemProperty() throws IOException {
        Path file = write("precedence.properties", "twinport.failover.up-delay=1ms\ntwinport.announce.count=1\n"
                + "twinport.failover.fail-back=failure\n");
        Map<String, String> env = Map.of("TWINPORT_CONFIG_FILE", file.toString(),
                "TWINPORT_FAILOVER_UP_DELAY", "2ms", "TWINPORT_ANNOUNCE_COUNT", "2");
        Map<String, String> system = Map.of("twinport.failover.up-delay", "3ms");

        TwinportConfig config = TwinportConfig.load(system, env);
        assertEquals(3 * MS, config.upDelayNanos(), "system property beats environment, file and default");
        assertEquals(2, config.announceCount(), "environment beats file and default");
        assertEquals(FailBack.FAILURE, config.failBack(), "file beats default");
        assertEquals(0, config.downDelayNanos(), "default when nothing sets it");

        assertEquals(2 * MS, TwinportConfig.load(Map.of(), env).upDelayNanos());
        assertEquals(1 * MS, TwinportConfig.load(Map.of(), Map.of("TWINPORT_CONFIG_FILE", file.toString()))
                .upDelayNanos());
    }

    @Test
    void theSystemPropertyNamesTheFileBeforeTheEnvironment() throws IOException {
        Path one = write("one.properties", "twinport.announce.count=1\n");
        Path two = write("two.properties", "twinport.announce.count=2\n");
        assertEquals(1, TwinportConfig.load(Map.of("twinport.config.file", one.toString()),
                Map.of("TWINPORT_CONFIG_FILE", two.toString())).announceCount());
        assertEquals(3, TwinportConfig.load(Map.of("twinport.config.file", ""),
                Map.of("TWINPORT_CONFIG_FILE", two.toString())).announceCount(), "empty: no file at all");
    }

    @Test
    void badValuesAreRejectedNamingKeyValueAndExpectation() {
        rejected(() -> TwinportConfig.load(Map.of("twinport.failover.up-delay", "-5ms"), Map.of()),
                "twinport.failover.up-delay", "\"-5ms\"", "negative", "expected a duration", "system property");
        rejected(() -> TwinportConfig.load(Map.of(), Map.of("TWINPORT_FAILOVER_DOWN_DELAY", "100")),
                "twinport.failover.down-delay", "\"100\"", "no unit", "environment variable TWINPORT_FAILOVER_DOWN_DELAY");
        rejected(() -> TwinportConfig.load(Map.of("twinport.failover.up-delay", "2h"), Map.of()),
                "\"2h\"", "longer than 1h");
        rejected(() -> TwinportConfig.load(Map.of("twinport.failover.fail-back", "sometimes"), Map.of()),
                "twinport.failover.fail-back", "\"sometimes\"", "always, failure or never");
        rejected(() -> TwinportConfig.load(Map.of("twinport.failover.mode", "pinned"), Map.of()),
                "twinport.failover.mode", "\"pinned\"", "auto or standby-only");
        rejected(() -> TwinportConfig.load(Map.of("twinport.announce.count", "three"), Map.of()),
                "twinport.announce.count", "\"three\"", "0 to 255");
        rejected(() -> TwinportConfig.load(Map.of("twinport.announce.count", "256"), Map.of()),
                "\"256\"", "out of range");
        ConfigException mac = rejected(() -> TwinportConfig.load(
                Map.of("twinport.pairing.exclude-macs", "52:54:00:00:00:01, 52-54-00-00-00-02"), Map.of()),
                "twinport.pairing.exclude-macs", "52-54-00-00-00-02", "malformed", "MAC addresses");
        assertEquals("twinport.pairing.exclude-macs", mac.key());
        assertEquals("52:54:00:00:00:01, 52-54-00-00-00-02", mac.value());
    }

    @Test
    void unknownKeysInOurNamespacesAreTyposAndRejected() throws IOException {
        rejected(() -> TwinportConfig.load(Map.of("twinport.failover.updelay", "5ms"), Map.of()),
                "twinport.failover.updelay", "no such key", "twinport.failover.up-delay");
        rejected(() -> TwinportConfig.load(Map.of(), Map.of("TWINPORT_ANNOUNCE_COUNTS", "5")),
                "TWINPORT_ANNOUNCE_COUNTS", "no such key", "TWINPORT_ANNOUNCE_COUNT");
        Path file = write("typo.properties", "twinport.pairing.exclude-name=eth1\n");
        rejected(() -> TwinportConfig.load(Map.of("twinport.config.file", file.toString()), Map.of()),
                "twinport.pairing.exclude-name", file.toString());
        // other namespaces belong to other modules or to the JVM
        assertEquals(TwinportConfig.defaults(), TwinportConfig.load(
                Map.of("twinport.vhost.socket", "/tmp/x", "java.version", "25"),
                Map.of("PATH", "/usr/bin", "TWINPORT_VHOST_SOCKET", "/tmp/x")));
    }

    @Test
    void theFileMustExistWhenNamedAndCannotNameAnother() throws IOException {
        Path missing = FILES.resolve("missing.properties");
        rejected(() -> TwinportConfig.load(Map.of("twinport.config.file", missing.toString()), Map.of()),
                "twinport.config.file", missing.toString(), "no such file");
        Path nested = write("nested.properties", "twinport.config.file=other.properties\n");
        rejected(() -> TwinportConfig.load(Map.of("twinport.config.file", nested.toString()), Map.of()),
                "twinport.config.file", "cannot name another file");
        Path badValue = write("bad-value.properties", "twinport.failover.down-delay=-1s\n");
        rejected(() -> TwinportConfig.load(Map.of("twinport.config.file", badValue.toString()), Map.of()),
                "twinport.failover.down-delay", "\"-1s\"", "file " + badValue);
    }

    @Test
    void whitespaceAroundValuesIsIgnored() {
        TwinportConfig config = TwinportConfig.load(Map.of("twinport.failover.up-delay", " 10ms "),
                Map.of("TWINPORT_FAILOVER_FAIL_BACK", "never\n"));
        assertEquals(10 * MS, config.upDelayNanos());
        assertEquals(FailBack.NEVER, config.failBack());
    }

    @Test
    void environmentNamesFollowThePropertyNames() {
        assertEquals("TWINPORT_FAILOVER_UP_DELAY", ConfigKey.FAILOVER_UP_DELAY.environmentName());
        Set<String> names = new HashSet<>();
        for (ConfigKey key : ConfigKey.values()) {
            assertEquals(key.propertyName().toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'),
                    key.environmentName());
            assertTrue(key.propertyName().startsWith("twinport."), key.propertyName());
            assertTrue(names.add(key.environmentName()), "two keys map to " + key.environmentName());
            assertEquals(key, ConfigKey.byPropertyName(key.propertyName()).orElseThrow());
            assertEquals(key, ConfigKey.byEnvironmentName(key.environmentName()).orElseThrow());
            assertTrue(!key.description().isBlank() && !key.kind().expected().isBlank());
        }
    }

    @Test
    void everyDefaultIsAValidValue() {
        TwinportConfig defaults = TwinportConfig.defaults();
        for (ConfigKey key : ConfigKey.values()) {
            if (key != ConfigKey.CONFIG_FILE) {
                assertEquals(key.defaultValue(), defaults.text(key), key.propertyName());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> defaults.text(ConfigKey.CONFIG_FILE));
    }

    @Test
    void toPropertiesLoadsBackToAnEqualConfiguration() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 500; i++) {
            Set<String> names = new HashSet<>();
            Set<MacAddress> macs = new HashSet<>();
            for (int n = random.nextInt(4); n > 0; n--) {
                names.add("port" + random.nextInt(100));
                macs.add(MacAddress.fromLong(random.nextLong() & 0xFFFF_FFFF_FFFFL));
            }
            TwinportConfig config = new TwinportConfig(random.nextLong(SelectionOptions.MAX_DELAY_NANOS + 1),
                    random.nextLong(SelectionOptions.MAX_DELAY_NANOS + 1),
                    FailBack.values()[random.nextInt(3)], SelectionMode.values()[random.nextInt(2)],
                    random.nextInt(256), random.nextLong(AnnouncementSchedule.MAX_INTERVAL_NANOS + 1), names, macs);
            assertEquals(config, TwinportConfig.load(config.toProperties(), Map.of()), config.describe());
        }
    }

    @Test
    void theRecordChecksItsValues() {
        TwinportConfig d = TwinportConfig.defaults();
        assertThrows(IllegalArgumentException.class, () -> new TwinportConfig(-1, 0, d.failBack(), d.mode(), 3,
                d.announceIntervalNanos(), Set.of(), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new TwinportConfig(0, 0, d.failBack(), d.mode(), 3,
                d.announceIntervalNanos(), Set.of("a,b"), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new TwinportConfig(0, 0, d.failBack(), d.mode(), 300,
                d.announceIntervalNanos(), Set.of(), Set.of()));
    }

    @Test
    void describeListsEveryValue() {
        String text = TwinportConfig.defaults().describe();
        assertTrue(text.contains("twinport.failover.up-delay = 0"), text);
        assertTrue(text.contains("twinport.announce.interval = 100ms"), text);
        assertEquals(ConfigKey.values().length - 1, text.lines().count());
    }

    @Test
    void fromSystemReadsThisJvm() {
        assumeTrue(System.getenv().keySet().stream().noneMatch(k -> Arrays.stream(ConfigKey.values())
                        .anyMatch(key -> k.startsWith(ConfigKey.environmentNameOf(key.namespace()))))
                        && System.getProperties().stringPropertyNames().stream().noneMatch(k ->
                        Arrays.stream(ConfigKey.values()).anyMatch(key -> k.startsWith(key.namespace()))),
                "skipped: this JVM sets twinport configuration in its environment or system properties");
        assertEquals(TwinportConfig.defaults(), TwinportConfig.fromSystem());
    }
}

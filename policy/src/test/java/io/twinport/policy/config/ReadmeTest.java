package io.twinport.policy.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The module README carries the configuration table exactly as the code defines it. */
class ReadmeTest {

    static String readme() throws IOException {
        return Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    }

    @Test
    void theReadmeCarriesTheConfigurationTableOfTheCode() throws IOException {
        String readme = readme();
        String table = ConfigKey.markdownTable();
        if (!readme.contains(table)) {
            fail("policy/README.md must contain this table, generated from ConfigKey:\n" + table);
        }
    }

    @Test
    void theReadmeNamesNoKeyThatDoesNotExist() throws IOException {
        Matcher keys = Pattern.compile("twinport\\.(config|failover|announce|pairing)\\.[a-z-]+").matcher(readme());
        while (keys.find()) {
            String key = keys.group();
            assertTrue(ConfigKey.byPropertyName(key).isPresent(), "README names unknown key " + key);
        }
        Matcher envs = Pattern.compile("TWINPORT_[A-Z][A-Z_]*[A-Z]").matcher(readme());
        while (envs.find()) {
            assertTrue(ConfigKey.byEnvironmentName(envs.group()).isPresent(),
                    "README names unknown variable " + envs.group());
        }
    }
}

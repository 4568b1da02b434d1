/**
 * Configuration: every key in one place ({@link io.twinport.policy.config.ConfigKey}) with its default and a
 * one-line description, loaded and validated once by {@link io.twinport.policy.config.TwinportConfig#load}.
 * Sources, later ones winning: defaults, an optional properties file, environment variables, system properties.
 */
package io.twinport.policy.config;

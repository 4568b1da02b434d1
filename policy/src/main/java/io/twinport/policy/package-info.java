/**
 * Pure decisions for the failover port: pairing, active-member selection, timers and configuration.
 * No I/O (except reading the optional properties file in {@link io.twinport.policy.config.TwinportConfig}),
 * no threads, no dependency on any other module.
 *
 * <p>This package holds the value types shared by the decisions and reused by {@code bond-core}:
 * {@link io.twinport.policy.MacAddress} and {@link io.twinport.policy.VirtioNetFeatures}.
 * The decisions live in sub-packages: {@link io.twinport.policy.pairing}, {@link io.twinport.policy.selection},
 * {@link io.twinport.policy.announce} and {@link io.twinport.policy.config}.
 */
package io.twinport.policy;

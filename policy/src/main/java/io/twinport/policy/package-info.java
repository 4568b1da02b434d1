/**
 * Pure decisions for the failover port: pairing, active-member selection, timers and configuration.
 * No I/O, no threads, no dependency on any other module.
 */
package io.twinport.policy;

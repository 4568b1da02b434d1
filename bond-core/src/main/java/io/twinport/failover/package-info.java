/**
 * The failover port: {@link io.twinport.failover.FailoverPort} (one port over a primary and a standby member, with
 * lock-free per-queue switchover) and {@link io.twinport.failover.FailoverManager}, which forms failover ports by
 * itself from the registry.
 */
package io.twinport.failover;

/**
 * Pairing: which ports form a failover port. {@link io.twinport.policy.pairing.Pairing#decide} takes the ports
 * known to a registry as {@link io.twinport.policy.pairing.PairingCandidate}s and answers with the
 * {@link io.twinport.policy.pairing.Pair}s, the {@link io.twinport.policy.pairing.PairingConflict}s and the
 * {@link io.twinport.policy.pairing.IgnoredPort}s. The decision has no memory: it is a function of the port set.
 */
package io.twinport.policy.pairing;

/**
 * Peer announcement after a switchover: how many announcements (gratuitous ARP or RARP on the newly active path)
 * and when, as a pure schedule over a {@code long nowNanos} clock.
 */
package io.twinport.policy.announce;

package io.twinport.failover;

import io.twinport.port.Port;

/**
 * What one queue of a failover port does in a burst: the member that carries TX, the members RX polls (active
 * first), and the announcement round TX queue 0 must send. Immutable; the control thread publishes a new one per
 * change with a release store, and a queue's thread reads it with one acquire load per burst.
 *
 * @param generation  increases with every publication; a queue acknowledges the generation it has read
 * @param tx          the active member, or null when none is usable (TX returns 0)
 * @param rx          the members RX polls, active first, members draining after a graceful unplug last
 * @param drainFrom   the index in {@code rx} where the draining members start ({@code rx.length}: none)
 * @param announceSeq announcement rounds requested so far; TX queue 0 sends one round when it sees this grow
 */
record Routing(long generation, Port tx, Port[] rx, int drainFrom, long announceSeq) {
    /** Before the first publication: nothing to poll. */
    static final Routing EMPTY = new Routing(0, null, new Port[0], 0, 0);
}

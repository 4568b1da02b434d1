/**
 * The Port API: {@link io.twinport.port.Port} (DPDK's ethdev in Java terms), its info, configuration, state,
 * counters, events and ownership, and {@link io.twinport.port.AbstractPort}, the base every driver extends.
 */
package io.twinport.port;

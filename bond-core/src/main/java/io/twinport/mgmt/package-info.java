/**
 * The management socket: JSON lines, QMP-like, on a Unix domain socket served with Netty's epoll transport
 * ({@link io.twinport.mgmt.MgmtServer}); failover events go to every client, and the commands
 * {@code query-ports}, {@code query-stats}, {@code query-failover}, {@code set-active} and {@code query-migration}
 * ({@link io.twinport.mgmt.MgmtCommand}) run on the control thread. Other components publish their events
 * ({@link io.twinport.mgmt.MgmtServer#publishEvent}) and contribute query entries
 * ({@link io.twinport.mgmt.MgmtServer#addQueryEntry}) through the server. {@link io.twinport.mgmt.MgmtClient} is a small
 * blocking client (no Netty); {@link io.twinport.mgmt.Json} is twinport's one JSON writer and reader;
 * {@link io.twinport.mgmt.MgmtSocket} holds the default path.
 *
 * <pre>
 *  ./twinport status ──┐                         ┌─► registry.execute ─► control thread: ports, failover ports
 *  socat, libvirt-ish ─┼─► path (0600) ─► epoll ─┤
 *  software            ┘     JSON lines          └◄── FailoverManager events (control thread) ─► every client
 * </pre>
 */
package io.twinport.mgmt;

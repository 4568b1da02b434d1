/**
 * The VF member: a {@link io.twinport.vf.AfPacketPort} over any Linux netdev (AF_PACKET sockets with mmap'ed
 * TPACKET_V3 RX and TPACKET_V2 TX rings, multi-queue through PACKET_FANOUT, via FFM), and the
 * {@link io.twinport.vf.NetdevWatcher} that turns rtnetlink link messages and packet-socket errors into the
 * registry's NEW, REMOVED, LINK_UP and LINK_DOWN events. Identities come from sysfs ({@link io.twinport.vf.Sysfs}).
 */
package io.twinport.vf;

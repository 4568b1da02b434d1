package io.twinport.vf;

/**
 * The memory layout of AF_PACKET's mmap'ed rings and the socket options that set them up, as
 * {@code <linux/if_packet.h>} defines them (kernel documentation: {@code Documentation/networking/packet_mmap.rst}).
 * Offsets and constants only; the code that walks the rings is in {@link RxRingV3}, {@link RxRingV2} and
 * {@link TxRing} (TPACKET_V2). Numbers checked against the headers of Linux 6.x with a C program ({@code offsetof}).
 *
 * <pre>
 * TPACKET_V3 RX ring: tp_block_nr blocks of tp_block_size bytes, each handed to user space whole
 *  ┌ tpacket_block_desc (48) ┬ pad ┬ tpacket3_hdr ┬ mac frame ┬ … tp_next_offset … ┬ tpacket3_hdr ┬ frame ┐
 *  block_status: TP_STATUS_KERNEL (kernel fills) / TP_STATUS_USER (ours until we write KERNEL back)
 *
 * TPACKET_V2 TX ring: tp_frame_nr fixed-size frames, tp_frame_size apart within blocks
 *  ┌ tpacket2_hdr (32) ┬ frame data (at TX_DATA_OFFSET) … ┐
 *  tp_status: AVAILABLE (ours) → SEND_REQUEST (we filled it) → SENDING (kernel) → AVAILABLE
 * </pre>
 */
final class PacketRingDescriptor {
    // ------------------------------------------------------------------ socket level
    /** {@code AF_PACKET}. */
    static final int AF_PACKET = 17;
    /** {@code SOCK_RAW}. */
    static final int SOCK_RAW = 3;
    /** {@code SOCK_CLOEXEC}. */
    static final int SOCK_CLOEXEC = 0x80000;
    /** {@code SOCK_NONBLOCK}. */
    static final int SOCK_NONBLOCK = 0x800;
    /** {@code ETH_P_ALL} in network byte order, as {@code socket()} and {@code sockaddr_ll} want it. */
    static final short ETH_P_ALL_BE = (short) 0x0300;
    /** {@code SOL_SOCKET}. */
    static final int SOL_SOCKET = 1;
    /** {@code SO_ERROR}: read and clear the socket's pending error. */
    static final int SO_ERROR = 4;
    /** {@code SO_SNDBUF}. */
    static final int SO_SNDBUF = 7;
    /** {@code SO_RCVBUF}. */
    static final int SO_RCVBUF = 8;
    /** {@code MSG_DONTWAIT}. */
    static final int MSG_DONTWAIT = 0x40;
    /** {@code POLLIN}. */
    static final short POLLIN = 0x1;
    /** {@code POLLERR}. */
    static final short POLLERR = 0x8;
    /** {@code POLLHUP}. */
    static final short POLLHUP = 0x10;
    /** {@code POLLNVAL}. */
    static final short POLLNVAL = 0x20;

    // ------------------------------------------------------------------ SOL_PACKET options
    /** {@code SOL_PACKET}. */
    static final int SOL_PACKET = 263;
    /** {@code PACKET_ADD_MEMBERSHIP}: {@code struct packet_mreq}, undone when the socket closes. */
    static final int PACKET_ADD_MEMBERSHIP = 1;
    /** {@code PACKET_RX_RING}: {@code struct tpacket_req3} for V3. */
    static final int PACKET_RX_RING = 5;
    /** {@code PACKET_STATISTICS}: {@code struct tpacket_stats_v3}; reading resets the kernel's counters. */
    static final int PACKET_STATISTICS = 6;
    /** {@code PACKET_VERSION}. */
    static final int PACKET_VERSION = 10;
    /** {@code PACKET_TX_RING}: {@code struct tpacket_req}. */
    static final int PACKET_TX_RING = 13;
    /** {@code PACKET_LOSS}: discard malformed TX frames instead of stopping the ring at them. */
    static final int PACKET_LOSS = 14;
    /** {@code PACKET_FANOUT}: {@code id | (type | flags) << 16}. */
    static final int PACKET_FANOUT = 18;
    /** {@code PACKET_QDISC_BYPASS}: transmit straight to the driver's queue, no qdisc, no taps. */
    static final int PACKET_QDISC_BYPASS = 20;
    /** {@code PACKET_IGNORE_OUTGOING}: do not deliver frames this host sends to this RX socket. */
    static final int PACKET_IGNORE_OUTGOING = 23;

    /** {@code TPACKET_V2}. */
    static final int TPACKET_V2 = 1;
    /** {@code TPACKET_V3}. */
    static final int TPACKET_V3 = 2;

    /** {@code PACKET_FANOUT_HASH}: by the flow hash of the frame. */
    static final int PACKET_FANOUT_HASH = 0;
    /** {@code PACKET_FANOUT_LB}: round robin. */
    static final int PACKET_FANOUT_LB = 1;
    /** {@code PACKET_FANOUT_CPU}: by the CPU the frame arrived on. */
    static final int PACKET_FANOUT_CPU = 2;
    /** {@code PACKET_FANOUT_QM}: by the device's RX queue (skb_get_rx_queue). */
    static final int PACKET_FANOUT_QM = 5;
    /** {@code PACKET_FANOUT_FLAG_UNIQUEID}: the kernel picks an unused group id (the first socket's call). */
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;

    /** {@code PACKET_MR_MULTICAST}. */
    static final short PACKET_MR_MULTICAST = 0;
    /** {@code PACKET_MR_PROMISC}. */
    static final short PACKET_MR_PROMISC = 1;
    /** {@code PACKET_MR_ALLMULTI}. */
    static final short PACKET_MR_ALLMULTI = 2;

    // ------------------------------------------------------------------ status words
    /** RX: the block (V3) or frame belongs to the kernel. */
    static final int TP_STATUS_KERNEL = 0;
    /** RX: the block or frame belongs to user space. */
    static final int TP_STATUS_USER = 1;
    /** RX: the kernel dropped frames since the last statistics read. */
    static final int TP_STATUS_LOSING = 1 << 2;
    /** RX: {@code tp_vlan_tci} holds a VLAN tag the device stripped from the frame. */
    static final int TP_STATUS_VLAN_VALID = 1 << 4;
    /** RX: {@code tp_vlan_tpid} is valid (else 0x8100). */
    static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;
    /** TX: the frame is free for user space to fill. */
    static final int TP_STATUS_AVAILABLE = 0;
    /** TX: user space filled the frame; the next {@code sendto} sends it. */
    static final int TP_STATUS_SEND_REQUEST = 1;
    /** TX: the kernel is sending the frame. */
    static final int TP_STATUS_SENDING = 1 << 1;
    /** TX: the kernel refused the frame (with {@code PACKET_LOSS} it is also made available again). */
    static final int TP_STATUS_WRONG_FORMAT = 1 << 2;

    /** {@code TPACKET_ALIGNMENT}. */
    static final int TPACKET_ALIGNMENT = 16;

    // ------------------------------------------------------------------ struct tpacket_block_desc (V3 RX)
    /** Offset of {@code hdr.bh1.block_status} (u32). */
    static final long BLOCK_STATUS_OFFSET = 8;
    /** Offset of {@code hdr.bh1.num_pkts} (u32). */
    static final long BLOCK_NUM_PKTS_OFFSET = 12;
    /** Offset of {@code hdr.bh1.offset_to_first_pkt} (u32). */
    static final long BLOCK_FIRST_PKT_OFFSET = 16;
    /** Size of {@code struct tpacket_block_desc}. */
    static final int BLOCK_DESC_SIZE = 48;

    // ------------------------------------------------------------------ struct tpacket3_hdr (V3 RX)
    /** {@code tp_next_offset} (u32): from this header to the next one in the block. */
    static final long V3_NEXT_OFFSET = 0;
    /** {@code tp_snaplen} (u32): bytes of the frame in the ring. */
    static final long V3_SNAPLEN = 12;
    /** {@code tp_len} (u32): bytes of the frame on the wire. */
    static final long V3_LEN = 16;
    /** {@code tp_status} (u32). */
    static final long V3_STATUS = 20;
    /** {@code tp_mac} (u16): from this header to the frame's first byte. */
    static final long V3_MAC = 24;
    /** {@code hv1.tp_vlan_tci} (u32). */
    static final long V3_VLAN_TCI = 32;
    /** {@code hv1.tp_vlan_tpid} (u16). */
    static final long V3_VLAN_TPID = 36;
    /** {@code TPACKET3_HDRLEN}: the aligned header plus {@code struct sockaddr_ll}. */
    static final int TPACKET3_HDRLEN = 68;

    // ------------------------------------------------------------------ struct tpacket2_hdr (V2 TX)
    /** {@code tp_status} (u32). */
    static final long V2_STATUS = 0;
    /** {@code tp_len} (u32). */
    static final long V2_LEN = 4;
    /** {@code tp_snaplen} (u32). */
    static final long V2_SNAPLEN = 8;
    /** {@code tp_mac} (u16): from the frame's start to the packet's first byte (RX). */
    static final long V2_MAC = 12;
    /** {@code tp_vlan_tci} (u16, RX). */
    static final long V2_VLAN_TCI = 24;
    /** {@code tp_vlan_tpid} (u16, RX). */
    static final long V2_VLAN_TPID = 26;
    /** {@code TPACKET2_HDRLEN}: the aligned 32-byte header plus {@code struct sockaddr_ll} (20). */
    static final int TPACKET2_HDRLEN = 52;
    /**
     * Where TX frame data starts in a V2 frame without {@code PACKET_TX_HAS_OFF}:
     * {@code tp_hdrlen - sizeof(struct sockaddr_ll)} (net/packet/af_packet.c, {@code tpacket_snd}).
     */
    static final int TX_DATA_OFFSET = TPACKET2_HDRLEN - 20;

    // ------------------------------------------------------------------ other structs
    /** {@code struct sockaddr_ll}: family u16, protocol be16, ifindex i32, hatype u16, pkttype u8, halen u8, addr[8]. */
    static final int SOCKADDR_LL_SIZE = 20;
    /** {@code struct tpacket_req3}: block_size, block_nr, frame_size, frame_nr, retire_blk_tov, sizeof_priv, feature_req_word. */
    static final int TPACKET_REQ3_SIZE = 28;
    /** {@code struct tpacket_req}: block_size, block_nr, frame_size, frame_nr. */
    static final int TPACKET_REQ_SIZE = 16;
    /** {@code struct packet_mreq}: ifindex i32, type u16, alen u16, address[8]. */
    static final int PACKET_MREQ_SIZE = 16;
    /** {@code struct tpacket_stats_v3}: packets, drops, freeze_q_cnt (u32 each). */
    static final int TPACKET_STATS_V3_SIZE = 12;
    /** {@code struct pollfd}: fd i32, events i16, revents i16. */
    static final int POLLFD_SIZE = 8;

    private PacketRingDescriptor() {
    }

    /**
     * @param x a length
     * @return {@code TPACKET_ALIGN(x)}
     */
    static int tpacketAlign(int x) {
        return (x + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1);
    }
}

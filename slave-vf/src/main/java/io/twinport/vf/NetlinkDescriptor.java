package io.twinport.vf;

/**
 * rtnetlink message layout and constants ({@code <linux/netlink.h>}, {@code <linux/rtnetlink.h>},
 * {@code <linux/if_link.h>}, {@code <linux/if.h>}); numbers checked against the Linux 6.x headers. The code that
 * builds and parses messages is {@link Rtnetlink}.
 *
 * <pre>
 * ┌ nlmsghdr (16): len u32, type u16, flags u16, seq u32, pid u32
 * ├ ifinfomsg (16): family u8, pad u8, type u16, index i32, flags u32, change u32
 * └ rtattr…: len u16, type u16, payload, padded to 4 (IFLA_LINKINFO nests IFLA_INFO_KIND)
 * </pre>
 */
final class NetlinkDescriptor {
    /** {@code AF_NETLINK}. */
    static final int AF_NETLINK = 16;
    /** {@code NETLINK_ROUTE}. */
    static final int NETLINK_ROUTE = 0;
    /** {@code RTMGRP_LINK}: the multicast group of link messages. */
    static final int RTMGRP_LINK = 1;
    /** {@code SOL_NETLINK}. */
    static final int SOL_NETLINK = 270;
    /** {@code NETLINK_EXT_ACK}: error messages in acks. */
    static final int NETLINK_EXT_ACK = 11;
    /** {@code ENOBUFS} from recv: the socket's buffer overflowed, messages were lost. */
    static final int ENOBUFS = 105;

    /** {@code struct nlmsghdr} size. */
    static final int NLMSG_HDRLEN = 16;
    /** {@code nlmsg_len} offset (u32). */
    static final long NLMSG_LEN = 0;
    /** {@code nlmsg_type} offset (u16). */
    static final long NLMSG_TYPE = 4;
    /** {@code nlmsg_flags} offset (u16). */
    static final long NLMSG_FLAGS = 6;
    /** {@code nlmsg_seq} offset (u32). */
    static final long NLMSG_SEQ = 8;
    /** {@code nlmsg_pid} offset (u32). */
    static final long NLMSG_PID = 12;

    /** {@code NLMSG_NOOP}. */
    static final int NLMSG_NOOP = 1;
    /** {@code NLMSG_ERROR}: an ack (error 0) or a failure (error = -errno), {@code struct nlmsgerr}. */
    static final int NLMSG_ERROR = 2;
    /** {@code NLMSG_DONE}: end of a dump. */
    static final int NLMSG_DONE = 3;
    /** {@code NLMSG_OVERRUN}. */
    static final int NLMSG_OVERRUN = 4;

    /** {@code NLM_F_REQUEST}. */
    static final int NLM_F_REQUEST = 0x1;
    /** {@code NLM_F_MULTI}. */
    static final int NLM_F_MULTI = 0x2;
    /** {@code NLM_F_ACK}. */
    static final int NLM_F_ACK = 0x4;
    /** {@code NLM_F_DUMP} ({@code NLM_F_ROOT | NLM_F_MATCH}). */
    static final int NLM_F_DUMP = 0x300;

    /** {@code RTM_NEWLINK}: a link appeared or changed (also how changes are requested). */
    static final int RTM_NEWLINK = 16;
    /** {@code RTM_DELLINK}: a link went away (deleted, or moved to another namespace). */
    static final int RTM_DELLINK = 17;
    /** {@code RTM_GETLINK}. */
    static final int RTM_GETLINK = 18;
    /** {@code RTM_SETLINK}. */
    static final int RTM_SETLINK = 19;

    /** {@code struct ifinfomsg} size. */
    static final int IFINFOMSG_SIZE = 16;
    /** {@code ifi_family} (u8). */
    static final long IFI_FAMILY = 0;
    /** {@code ifi_type} (u16, ARPHRD_*). */
    static final long IFI_TYPE = 2;
    /** {@code ifi_index} (i32). */
    static final long IFI_INDEX = 4;
    /** {@code ifi_flags} (u32, IFF_*). */
    static final long IFI_FLAGS = 8;
    /** {@code ifi_change} (u32): which flags a request changes. */
    static final long IFI_CHANGE = 12;

    /** {@code struct rtattr} header size. */
    static final int RTA_HDRLEN = 4;

    /** {@code IFLA_ADDRESS}: the MAC. */
    static final int IFLA_ADDRESS = 1;
    /** {@code IFLA_IFNAME}: NUL-terminated name. */
    static final int IFLA_IFNAME = 3;
    /** {@code IFLA_MTU} (u32). */
    static final int IFLA_MTU = 4;
    /** {@code IFLA_LINK} (i32): the peer's or lower device's ifindex. */
    static final int IFLA_LINK = 5;
    /** {@code IFLA_OPERSTATE} (u8, RFC 2863). */
    static final int IFLA_OPERSTATE = 16;
    /** {@code IFLA_LINKINFO} (nested). */
    static final int IFLA_LINKINFO = 18;
    /** {@code IFLA_EXT_MASK} (u32, RTEXT_FILTER_*). */
    static final int IFLA_EXT_MASK = 29;
    /** {@code IFLA_CARRIER} (u8). */
    static final int IFLA_CARRIER = 33;
    /** {@code IFLA_NUM_TX_QUEUES} (u32). */
    static final int IFLA_NUM_TX_QUEUES = 31;
    /** {@code IFLA_NUM_RX_QUEUES} (u32). */
    static final int IFLA_NUM_RX_QUEUES = 32;
    /** {@code IFLA_MIN_MTU} (u32). */
    static final int IFLA_MIN_MTU = 50;
    /** {@code IFLA_MAX_MTU} (u32). */
    static final int IFLA_MAX_MTU = 51;
    /** {@code IFLA_PERM_ADDRESS}: the permanent MAC. */
    static final int IFLA_PERM_ADDRESS = 54;
    /** {@code IFLA_INFO_KIND} inside {@code IFLA_LINKINFO}: the link kind, e.g. {@code "veth"}. */
    static final int IFLA_INFO_KIND = 1;
    /** {@code RTEXT_FILTER_SKIP_STATS}: leave the counters out of dumps. */
    static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;

    /** {@code IFF_UP}: administratively up. */
    static final int IFF_UP = 0x1;
    /** {@code IFF_LOOPBACK}. */
    static final int IFF_LOOPBACK = 0x8;
    /** {@code IFF_RUNNING}: operationally up (carrier present, RFC 2863 operstate UP or UNKNOWN). */
    static final int IFF_RUNNING = 0x40;
    /** {@code IFF_PROMISC}. */
    static final int IFF_PROMISC = 0x100;
    /** {@code IFF_ALLMULTI}. */
    static final int IFF_ALLMULTI = 0x200;
    /** {@code IFF_LOWER_UP}: carrier. */
    static final int IFF_LOWER_UP = 0x10000;

    /** {@code ARPHRD_ETHER}. */
    static final int ARPHRD_ETHER = 1;

    /** {@code IF_OPER_UP}. */
    static final int IF_OPER_UP = 6;

    private NetlinkDescriptor() {
    }

    /**
     * @param len a length
     * @return {@code NLMSG_ALIGN(len)} and {@code RTA_ALIGN(len)}: rounded up to 4
     */
    static int align4(int len) {
        return (len + 3) & ~3;
    }
}

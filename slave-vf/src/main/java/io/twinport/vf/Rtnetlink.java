package io.twinport.vf;

import io.twinport.policy.MacAddress;
import io.twinport.sys.Libc;
import io.twinport.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.twinport.vf.NetlinkDescriptor.*;

/**
 * An rtnetlink socket ({@code AF_NETLINK}, {@code NETLINK_ROUTE}) through the FFM API, for links only. Two uses:
 * <ul>
 *   <li>{@link #openEvents()}: non-blocking, subscribed to {@code RTMGRP_LINK}; {@link #readEvents} hands every
 *       pending {@code RTM_NEWLINK}/{@code RTM_DELLINK} to a {@link Handler} and returns (the hot-plug watcher's
 *       duty cycle);</li>
 *   <li>{@link #openRequests()}: requests with acknowledgements: {@link #dumpLinks()}, {@link #getLink},
 *       {@link #setLink} (MTU, MAC, up), each failure a {@link SyscallException} naming the request and errno.</li>
 * </ul>
 * Control path only; the buffers are allocated once per socket. Not thread-safe except where noted: requests are
 * {@code synchronized}.
 */
final class Rtnetlink implements AutoCloseable {
    private static final int RECV_BUFFER = 64 * 1024;
    private static final int REQUEST_BUFFER = 1024;
    private static final int REPLY_TIMEOUT_MS = 5_000;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    /** What {@link #readEvents} reports. */
    interface Handler {
        /** @param link a link appeared or changed */
        void onNewLink(Netdev link);

        /** @param link a link went away (deleted or moved to another namespace) */
        void onDelLink(Netdev link);

        /** Messages were lost ({@code ENOBUFS}): the handler should resynchronise with a dump. */
        void onOverrun();
    }

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final MemorySegment buf;
    private final MemorySegment req;
    private final MemorySegment errno;
    private final MemorySegment pollfd;
    private int seq = 1;

    private Rtnetlink(int groups, boolean nonBlocking) {
        int type = PacketRingDescriptor.SOCK_RAW | PacketRingDescriptor.SOCK_CLOEXEC
                | (nonBlocking ? PacketRingDescriptor.SOCK_NONBLOCK : 0);
        this.fd = LinuxNet.socket(AF_NETLINK, type, NETLINK_ROUTE);
        try {
            buf = arena.allocate(RECV_BUFFER, 8);
            req = arena.allocate(REQUEST_BUFFER, 8);
            errno = Libc.newErrnoSegment(arena);
            pollfd = arena.allocate(PacketRingDescriptor.POLLFD_SIZE, 4);
            if (groups != 0) {
                // a large buffer: a burst of link changes (a hundred veths deleted) should not overflow it
                LinuxNet.setsockoptInt(fd, PacketRingDescriptor.SOL_SOCKET, PacketRingDescriptor.SO_RCVBUF,
                        4 << 20, "SO_RCVBUF");
            }
            MemorySegment sa = arena.allocate(12, 4);
            sa.set(SHORT, 0, (short) AF_NETLINK);
            sa.set(INT, 8, groups);
            LinuxNet.bind(fd, sa, "bind(AF_NETLINK, NETLINK_ROUTE, groups=0x" + Integer.toHexString(groups) + ")");
        } catch (RuntimeException e) {
            LinuxNet.closeQuietly(fd);
            arena.close();
            throw e;
        }
    }

    /** @return a non-blocking socket subscribed to link messages */
    static Rtnetlink openEvents() {
        return new Rtnetlink(RTMGRP_LINK, true);
    }

    /** @return a socket for requests */
    static Rtnetlink openRequests() {
        return new Rtnetlink(0, false);
    }

    /** @return the socket's descriptor (for poll) */
    int fd() {
        return fd;
    }

    // ------------------------------------------------------------------ events

    /**
     * Reads every message pending on an events socket without blocking and reports the link messages.
     *
     * @param handler where they go
     * @return messages handled; 0 when nothing was pending
     */
    int readEvents(Handler handler) {
        int handled = 0;
        while (true) {
            long n = recv(PacketRingDescriptor.MSG_DONTWAIT);
            if (n < 0) {
                int e = Libc.errno(errno);
                if (e == io.twinport.sys.Errno.EAGAIN || e == io.twinport.sys.Errno.EINTR) {
                    return handled;
                }
                if (e == ENOBUFS) {
                    handler.onOverrun();
                    handled++;
                    continue;
                }
                throw new SyscallException("recv(NETLINK_ROUTE events, fd=" + fd + ")", e);
            }
            int off = 0;
            while (off + NLMSG_HDRLEN <= n) {
                int len = buf.get(INT, off + NLMSG_LEN);
                int type = Short.toUnsignedInt(buf.get(SHORT, off + NLMSG_TYPE));
                if (len < NLMSG_HDRLEN || off + len > n) {
                    break;
                }
                // AF_BRIDGE link messages describe bridge ports (a DELLINK there is a port leaving a bridge)
                boolean unspec = len >= NLMSG_HDRLEN + IFINFOMSG_SIZE
                        && buf.get(BYTE, off + NLMSG_HDRLEN + IFI_FAMILY) == 0;
                if (type == RTM_NEWLINK && unspec) {
                    handler.onNewLink(parseLink(off, len));
                    handled++;
                } else if (type == RTM_DELLINK && unspec) {
                    handler.onDelLink(parseLink(off, len));
                    handled++;
                } else if (type == NLMSG_OVERRUN) {
                    handler.onOverrun();
                    handled++;
                }
                off += align4(len);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} for a message ({@code poll(2)}); the watcher thread's idle.
     *
     * @param timeoutMs longest wait
     */
    void await(int timeoutMs) {
        try {
            pollfd.set(INT, 0, fd);
            pollfd.set(SHORT, 4, PacketRingDescriptor.POLLIN);
            pollfd.set(SHORT, 6, (short) 0);
            int rc = (int) LinuxNet.POLL.invokeExact(errno, pollfd, 1L, timeoutMs);
            if (rc < 0 && Libc.errno(errno) != io.twinport.sys.Errno.EINTR) {
                throw new SyscallException("poll(NETLINK_ROUTE fd=" + fd + ")", Libc.errno(errno));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll downcall failed", t);
        }
    }

    // ------------------------------------------------------------------ requests

    /** @return every link in the namespace */
    synchronized List<Netdev> dumpLinks() {
        int s = beginRequest(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
        int len = putIfinfo(0, 0, 0);
        len = putU32(len, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        send(len, "RTM_GETLINK(dump)");
        List<Netdev> links = new ArrayList<>();
        while (true) {
            long n = recvReply("RTM_GETLINK(dump)");
            int off = 0;
            while (off + NLMSG_HDRLEN <= n) {
                int mlen = buf.get(INT, off + NLMSG_LEN);
                int type = Short.toUnsignedInt(buf.get(SHORT, off + NLMSG_TYPE));
                int mseq = buf.get(INT, off + NLMSG_SEQ);
                if (mlen < NLMSG_HDRLEN || off + mlen > n) {
                    break;
                }
                if (mseq == s) {
                    if (type == NLMSG_DONE) {
                        return links;
                    }
                    if (type == NLMSG_ERROR) {
                        int err = -buf.get(INT, off + NLMSG_HDRLEN);
                        if (err != 0) {
                            throw new SyscallException("RTM_GETLINK(dump)", err);
                        }
                    } else if (type == RTM_NEWLINK) {
                        links.add(parseLink(off, mlen));
                    }
                }
                off += align4(mlen);
            }
        }
    }

    /**
     * @param ifindex an interface index
     * @return the link, or null if there is none with that index
     */
    synchronized Netdev getLink(int ifindex) {
        beginRequest(RTM_GETLINK, NLM_F_REQUEST);
        int len = putIfinfo(ifindex, 0, 0);
        len = putU32(len, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        return getReply(len, "RTM_GETLINK(ifindex=" + ifindex + ")");
    }

    /**
     * @param name an interface name
     * @return the link, or null if there is none with that name
     */
    synchronized Netdev getLink(String name) {
        beginRequest(RTM_GETLINK, NLM_F_REQUEST);
        int len = putIfinfo(0, 0, 0);
        len = putU32(len, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        len = putString(len, IFLA_IFNAME, name);
        return getReply(len, "RTM_GETLINK(name=" + name + ")");
    }

    private Netdev getReply(int len, String what) {
        int s = seq - 1;
        send(len, what);
        while (true) {
            long n = recvReply(what);
            int off = 0;
            while (off + NLMSG_HDRLEN <= n) {
                int mlen = buf.get(INT, off + NLMSG_LEN);
                int type = Short.toUnsignedInt(buf.get(SHORT, off + NLMSG_TYPE));
                if (mlen < NLMSG_HDRLEN || off + mlen > n) {
                    break;
                }
                if (buf.get(INT, off + NLMSG_SEQ) == s) {
                    if (type == RTM_NEWLINK) {
                        return parseLink(off, mlen);
                    }
                    if (type == NLMSG_ERROR) {
                        int err = -buf.get(INT, off + NLMSG_HDRLEN);
                        if (err == io.twinport.sys.Errno.ENODEV) {
                            return null;
                        }
                        throw new SyscallException(what, err);
                    }
                }
                off += align4(mlen);
            }
        }
    }

    /**
     * Changes a link ({@code RTM_NEWLINK} on an existing index) and waits for the kernel's answer.
     *
     * @param ifindex   the link
     * @param mtu       a new MTU, or 0 to leave it
     * @param mac       a new MAC, or null to leave it
     * @param flagsMask which IFF_* flags to change (0: none)
     * @param flags     their new values
     * @throws SyscallException naming the change and the errno the kernel answered
     */
    synchronized void setLink(int ifindex, int mtu, MacAddress mac, int flagsMask, int flags) {
        StringBuilder what = new StringBuilder("RTM_NEWLINK(ifindex=").append(ifindex);
        int s = beginRequest(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        int len = putIfinfo(ifindex, flags & flagsMask, flagsMask);
        if (flagsMask != 0) {
            what.append(", flags=0x").append(Integer.toHexString(flags & flagsMask)).append("/0x")
                    .append(Integer.toHexString(flagsMask));
        }
        if (mtu > 0) {
            len = putU32(len, IFLA_MTU, mtu);
            what.append(", mtu=").append(mtu);
        }
        if (mac != null) {
            len = putBytes(len, IFLA_ADDRESS, mac.toBytes());
            what.append(", address=").append(mac);
        }
        what.append(')');
        send(len, what.toString());
        while (true) {
            long n = recvReply(what.toString());
            int off = 0;
            while (off + NLMSG_HDRLEN <= n) {
                int mlen = buf.get(INT, off + NLMSG_LEN);
                int type = Short.toUnsignedInt(buf.get(SHORT, off + NLMSG_TYPE));
                if (mlen < NLMSG_HDRLEN || off + mlen > n) {
                    break;
                }
                if (type == NLMSG_ERROR && buf.get(INT, off + NLMSG_SEQ) == s) {
                    int err = -buf.get(INT, off + NLMSG_HDRLEN);
                    if (err != 0) {
                        throw new SyscallException(what.toString(), err);
                    }
                    return;
                }
                off += align4(mlen);
            }
        }
    }

    // ------------------------------------------------------------------ message building

    private int beginRequest(int type, int flags) {
        req.fill((byte) 0);
        req.set(SHORT, NLMSG_TYPE, (short) type);
        req.set(SHORT, NLMSG_FLAGS, (short) flags);
        int s = seq++;
        req.set(INT, NLMSG_SEQ, s);
        return s;
    }

    private int putIfinfo(int ifindex, int flags, int change) {
        long o = NLMSG_HDRLEN;
        req.set(BYTE, o + IFI_FAMILY, (byte) 0); // AF_UNSPEC
        req.set(INT, o + IFI_INDEX, ifindex);
        req.set(INT, o + IFI_FLAGS, flags);
        req.set(INT, o + IFI_CHANGE, change);
        return NLMSG_HDRLEN + IFINFOMSG_SIZE;
    }

    private int putU32(int len, int type, int value) {
        req.set(SHORT, len, (short) (RTA_HDRLEN + 4));
        req.set(SHORT, len + 2, (short) type);
        req.set(INT, len + RTA_HDRLEN, value);
        return len + RTA_HDRLEN + 4;
    }

    private int putBytes(int len, int type, byte[] value) {
        req.set(SHORT, len, (short) (RTA_HDRLEN + value.length));
        req.set(SHORT, len + 2, (short) type);
        MemorySegment.copy(value, 0, req, BYTE, len + RTA_HDRLEN, value.length);
        return len + align4(RTA_HDRLEN + value.length);
    }

    private int putString(int len, int type, String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        byte[] z = java.util.Arrays.copyOf(b, b.length + 1);
        return putBytes(len, type, z);
    }

    private void send(int len, String what) {
        req.set(INT, NLMSG_LEN, len);
        try {
            long n = (long) LinuxNet.SENDTO.invokeExact(errno, fd, req, (long) len, 0, MemorySegment.NULL, 0);
            if (n != len) {
                throw new SyscallException("send(" + what + ")", Libc.errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sendto downcall failed", t);
        }
    }

    private long recv(int flags) {
        try {
            return (long) LinuxNet.RECV.invokeExact(errno, fd, buf, (long) RECV_BUFFER, flags);
        } catch (Throwable t) {
            throw new IllegalStateException("recv downcall failed", t);
        }
    }

    private long recvReply(String what) {
        try {
            pollfd.set(INT, 0, fd);
            pollfd.set(SHORT, 4, PacketRingDescriptor.POLLIN);
            pollfd.set(SHORT, 6, (short) 0);
            int rc = (int) LinuxNet.POLL.invokeExact(errno, pollfd, 1L, REPLY_TIMEOUT_MS);
            if (rc == 0) {
                throw new IllegalStateException(what + ": no answer from the kernel in " + REPLY_TIMEOUT_MS + " ms");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll downcall failed", t);
        }
        long n = recv(0);
        if (n < 0) {
            throw new SyscallException("recv(" + what + ")", Libc.errno(errno));
        }
        return n;
    }

    // ------------------------------------------------------------------ parsing

    private Netdev parseLink(int off, int len) {
        long ifi = off + NLMSG_HDRLEN;
        int type = Short.toUnsignedInt(buf.get(SHORT, ifi + IFI_TYPE));
        int index = buf.get(INT, ifi + IFI_INDEX);
        int flags = buf.get(INT, ifi + IFI_FLAGS);
        String name = "if" + index;
        MacAddress mac = MacAddress.ZERO;
        int operstate = 0;
        int mtu = 1500;
        int minMtu = 68;
        int maxMtu = 65535;
        String kind = null;
        int rxq = 1;
        int txq = 1;
        int a = (int) ifi + IFINFOMSG_SIZE;
        int end = off + len;
        while (a + RTA_HDRLEN <= end) {
            int alen = Short.toUnsignedInt(buf.get(SHORT, a));
            int atype = Short.toUnsignedInt(buf.get(SHORT, a + 2)) & 0x3FFF; // without NLA_F_NESTED / byte order
            if (alen < RTA_HDRLEN || a + alen > end) {
                break;
            }
            int p = a + RTA_HDRLEN;
            int plen = alen - RTA_HDRLEN;
            switch (atype) {
                case IFLA_IFNAME -> name = string(p, plen);
                case IFLA_ADDRESS -> {
                    if (plen == MacAddress.LENGTH) {
                        byte[] b = new byte[MacAddress.LENGTH];
                        MemorySegment.copy(buf, BYTE, p, b, 0, b.length);
                        mac = MacAddress.fromBytes(b);
                    }
                }
                case IFLA_MTU -> mtu = buf.get(INT, p);
                case IFLA_MIN_MTU -> minMtu = buf.get(INT, p);
                case IFLA_MAX_MTU -> maxMtu = buf.get(INT, p);
                case IFLA_OPERSTATE -> operstate = Byte.toUnsignedInt(buf.get(BYTE, p));
                case IFLA_NUM_RX_QUEUES -> rxq = buf.get(INT, p);
                case IFLA_NUM_TX_QUEUES -> txq = buf.get(INT, p);
                case IFLA_LINKINFO -> kind = linkKind(p, p + plen);
                default -> { }
            }
            a += align4(alen);
        }
        if (maxMtu <= 0) {
            maxMtu = 65535; // some drivers report 0: no limit known
        }
        return new Netdev(index, name, mac, type, flags, operstate, mtu, Math.max(68, minMtu), maxMtu, kind, rxq,
                txq);
    }

    private String linkKind(int from, int end) {
        int a = from;
        while (a + RTA_HDRLEN <= end) {
            int alen = Short.toUnsignedInt(buf.get(SHORT, a));
            int atype = Short.toUnsignedInt(buf.get(SHORT, a + 2)) & 0x3FFF;
            if (alen < RTA_HDRLEN || a + alen > end) {
                return null;
            }
            if (atype == IFLA_INFO_KIND) {
                return string(a + RTA_HDRLEN, alen - RTA_HDRLEN);
            }
            a += align4(alen);
        }
        return null;
    }

    private String string(int p, int maxLen) {
        int n = 0;
        while (n < maxLen && buf.get(BYTE, p + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        MemorySegment.copy(buf, BYTE, p, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        LinuxNet.closeQuietly(fd);
        arena.close();
    }
}

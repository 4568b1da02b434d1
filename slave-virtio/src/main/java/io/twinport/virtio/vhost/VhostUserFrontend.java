package io.twinport.virtio.vhost;

import io.twinport.mem.SharedMemory;
import io.twinport.sys.SyscallException;
import io.twinport.virtio.sys.UnixSocket;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_AVAIL;
import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_DESC;
import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_FLAGS;
import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_INDEX;
import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_LOG;
import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_SIZE;
import static io.twinport.virtio.vhost.VhostUserMessageDescriptor.ADDR_USED;

/**
 * The front-end's side of a vhost-user conversation (vhost-user.rst, "Front-end message types"): one method per
 * request, each sending one message and, where the request has a reply or REPLY_ACK was negotiated, reading and
 * checking it. Every check names the request and the field; after a failure the connection is out of step and must
 * be closed ("If front-end is unable to send the full message or receives a wrong reply it will close the
 * connection", vhost-user.rst, "Communication").
 *
 * <p>Addresses: twinport's memory regions use the front-end's virtual addresses as guest-physical addresses too
 * (guest address == user address), so descriptor addresses and ring addresses are the same numbers.
 *
 * <p>Control path; one thread at a time.
 */
public final class VhostUserFrontend implements AutoCloseable {
    /** Default bound on the wait for one reply. */
    public static final int DEFAULT_REPLY_TIMEOUT_MILLIS = 5_000;

    private final VhostUserChannel channel;
    private final int replyTimeoutMillis;
    private boolean replyAck;

    /**
     * One region of SET_MEM_TABLE ("Memory regions description").
     *
     * @param guestAddress guest-physical address of the region's first byte
     * @param size         bytes
     * @param userAddress  the front-end's virtual address of the first byte
     * @param mmapOffset   where the region starts in the file
     * @param fd           the file to map, sent in the ancillary data
     */
    public record MemoryRegion(long guestAddress, long size, long userAddress, long mmapOffset, int fd) {
        /**
         * @param m a shared-memory region of this process
         * @return it as a region at guest address == user address, offset 0
         */
        public static MemoryRegion of(SharedMemory m) {
            return new MemoryRegion(m.address(), m.size(), m.address(), 0, m.fd());
        }
    }

    /**
     * @param channel            the control channel; the front-end owns it
     * @param replyTimeoutMillis bound on the wait for each reply
     */
    public VhostUserFrontend(VhostUserChannel channel, int replyTimeoutMillis) {
        this.channel = Objects.requireNonNull(channel, "channel");
        if (replyTimeoutMillis <= 0) {
            throw new IllegalArgumentException("reply timeout " + replyTimeoutMillis + " ms must be > 0");
        }
        this.replyTimeoutMillis = replyTimeoutMillis;
    }

    /**
     * Connects to a back-end that listens on {@code path} (client mode), retrying while the socket file is missing
     * or refuses, until {@code timeoutMillis}.
     *
     * @param path               the back-end's socket
     * @param timeoutMillis      how long to keep trying
     * @param replyTimeoutMillis bound on the wait for each reply
     * @return the front-end
     * @throws VhostUserException naming the path and the last errno
     */
    public static VhostUserFrontend connect(String path, int timeoutMillis, int replyTimeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            try {
                return new VhostUserFrontend(new VhostUserChannel(UnixSocket.connect(path), path),
                        replyTimeoutMillis);
            } catch (SyscallException e) {
                if (System.nanoTime() >= deadline) {
                    throw new VhostUserException("vhost-user " + path + ": no back-end to connect to within "
                            + timeoutMillis + " ms: " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new VhostUserException("vhost-user " + path + ": interrupted while connecting", ie);
                }
            }
        }
    }

    /** @return the channel */
    public VhostUserChannel channel() {
        return channel;
    }

    /** @return true once REPLY_ACK is negotiated: every request is acknowledged */
    public boolean replyAck() {
        return replyAck;
    }

    // ------------------------------------------------------------------ requests

    /**
     * GET_FEATURES (1).
     *
     * @return the back-end's virtio features
     */
    public long getFeatures() {
        return getU64(VhostUserRequest.GET_FEATURES);
    }

    /**
     * SET_FEATURES (2).
     *
     * @param features the features acknowledged
     */
    public void setFeatures(long features) {
        request(VhostUserRequest.SET_FEATURES, VhostUserMessage.u64(features));
    }

    /**
     * GET_PROTOCOL_FEATURES (15); only if the back-end set {@code VHOST_USER_F_PROTOCOL_FEATURES}.
     *
     * @return the protocol features
     */
    public long getProtocolFeatures() {
        return getU64(VhostUserRequest.GET_PROTOCOL_FEATURES);
    }

    /**
     * SET_PROTOCOL_FEATURES (16). From the next request on, REPLY_ACK applies if it is in {@code features}.
     *
     * @param features the protocol features acknowledged
     */
    public void setProtocolFeatures(long features) {
        request(VhostUserRequest.SET_PROTOCOL_FEATURES, VhostUserMessage.u64(features));
        replyAck = VhostUserProtocolFeature.REPLY_ACK.in(features);
    }

    /** SET_OWNER (3): this connection's session starts. */
    public void setOwner() {
        request(VhostUserRequest.SET_OWNER, new byte[0]);
    }

    /**
     * GET_QUEUE_NUM (17); only with PROTOCOL_F_MQ.
     *
     * @return the most queues the back-end supports
     */
    public long getQueueNum() {
        return getU64(VhostUserRequest.GET_QUEUE_NUM);
    }

    /**
     * SET_MEM_TABLE (5): the regions, with their descriptors in one SCM_RIGHTS message.
     *
     * @param regions 1 to {@value VhostUserMessageDescriptor#MEM_MAX_REGIONS} regions
     */
    public void setMemTable(List<MemoryRegion> regions) {
        int n = regions.size();
        if (n < 1 || n > VhostUserMessageDescriptor.MEM_MAX_REGIONS) {
            throw new IllegalArgumentException("SET_MEM_TABLE with " + n + " regions: 1 to "
                    + VhostUserMessageDescriptor.MEM_MAX_REGIONS + " allowed");
        }
        ByteBuffer b = VhostUserMessage.buffer(VhostUserMessageDescriptor.memTableSize(n));
        b.putInt(VhostUserMessageDescriptor.MEM_NREGIONS, n);
        int[] fds = new int[n];
        for (int i = 0; i < n; i++) {
            MemoryRegion r = regions.get(i);
            int at = VhostUserMessageDescriptor.MEM_REGIONS + i * VhostUserMessageDescriptor.REGION_BYTES;
            b.putLong(at + VhostUserMessageDescriptor.REGION_GUEST_ADDR, r.guestAddress());
            b.putLong(at + VhostUserMessageDescriptor.REGION_SIZE, r.size());
            b.putLong(at + VhostUserMessageDescriptor.REGION_USER_ADDR, r.userAddress());
            b.putLong(at + VhostUserMessageDescriptor.REGION_MMAP_OFFSET, r.mmapOffset());
            fds[i] = r.fd();
        }
        request(VhostUserRequest.SET_MEM_TABLE, b.array(), fds);
    }

    /**
     * SET_BACKEND_REQ_FD (21, SET_SLAVE_REQ_FD): the socket on which the back-end sends its own requests (e.g.
     * BACKEND_CONFIG_CHANGE_MSG); only with PROTOCOL_F_BACKEND_REQ.
     *
     * @param fd our end's peer, sent in the ancillary data
     */
    public void setBackendReqFd(int fd) {
        request(VhostUserRequest.SET_BACKEND_REQ_FD, new byte[0], fd);
    }

    /**
     * SET_VRING_NUM (8).
     *
     * @param index the vring
     * @param num   its size
     */
    public void setVringNum(int index, int num) {
        request(VhostUserRequest.SET_VRING_NUM, VhostUserMessage.state(index, num));
    }

    /**
     * SET_VRING_ADDR (9), no logging.
     *
     * @param index the vring
     * @param desc  user address of the descriptor table
     * @param used  user address of the used ring
     * @param avail user address of the available ring
     */
    public void setVringAddr(int index, long desc, long used, long avail) {
        ByteBuffer b = VhostUserMessage.buffer(ADDR_SIZE);
        b.putInt(ADDR_INDEX, index).putInt(ADDR_FLAGS, 0).putLong(ADDR_DESC, desc).putLong(ADDR_USED, used)
                .putLong(ADDR_AVAIL, avail).putLong(ADDR_LOG, 0);
        request(VhostUserRequest.SET_VRING_ADDR, b.array());
    }

    /**
     * SET_VRING_BASE (10).
     *
     * @param index the vring
     * @param base  the next available index the back-end processes
     */
    public void setVringBase(int index, int base) {
        request(VhostUserRequest.SET_VRING_BASE, VhostUserMessage.state(index, base));
    }

    /**
     * GET_VRING_BASE (11): stops the ring ("Ring states").
     *
     * @param index the vring
     * @return the available index the back-end stopped at
     */
    public int getVringBase(int index) {
        VhostUserRequest req = VhostUserRequest.GET_VRING_BASE;
        channel.send(VhostUserMessage.of(req, VhostUserMessage.state(index, 0)));
        VhostUserMessage reply = awaitReply(req, VhostUserMessageDescriptor.STATE_SIZE);
        ByteBuffer b = reply.payloadBuffer();
        int gotIndex = b.getInt(VhostUserMessageDescriptor.STATE_INDEX);
        long num = b.getInt(VhostUserMessageDescriptor.STATE_NUM) & 0xFFFF_FFFFL;
        if (gotIndex != index) {
            throw fieldError(req, "index", gotIndex, "the vring asked for, " + index);
        }
        if (num > 0xFFFF) {
            throw fieldError(req, "num", num, "a 16-bit ring index");
        }
        return (int) num;
    }

    /**
     * SET_VRING_KICK (12).
     *
     * @param index the vring
     * @param fd    the kick eventfd, or -1 for none (the back-end polls)
     */
    public void setVringKick(int index, int fd) {
        vringFd(VhostUserRequest.SET_VRING_KICK, index, fd);
    }

    /**
     * SET_VRING_CALL (13).
     *
     * @param index the vring
     * @param fd    the call eventfd, or -1 for none (the front-end polls)
     */
    public void setVringCall(int index, int fd) {
        vringFd(VhostUserRequest.SET_VRING_CALL, index, fd);
    }

    private void vringFd(VhostUserRequest req, int index, int fd) {
        long u64 = (index & VhostUserMessageDescriptor.VRING_IDX_MASK)
                | (fd < 0 ? VhostUserMessageDescriptor.VRING_NOFD_MASK : 0);
        if (fd < 0) {
            request(req, VhostUserMessage.u64(u64));
        } else {
            request(req, VhostUserMessage.u64(u64), fd);
        }
    }

    /**
     * SET_VRING_ENABLE (18); only with VHOST_USER_F_PROTOCOL_FEATURES negotiated.
     *
     * @param index  the vring
     * @param enable true to enable
     */
    public void setVringEnable(int index, boolean enable) {
        request(VhostUserRequest.SET_VRING_ENABLE, VhostUserMessage.state(index, enable ? 1 : 0));
    }

    /**
     * GET_CONFIG (24); only with PROTOCOL_F_CONFIG.
     *
     * @param offset offset in the device's config space
     * @param size   bytes, 1 to {@value VhostUserMessageDescriptor#CONFIG_MAX_SIZE}
     * @return the bytes
     */
    public byte[] getConfig(int offset, int size) {
        if (size < 1 || size > VhostUserMessageDescriptor.CONFIG_MAX_SIZE) {
            throw new IllegalArgumentException("GET_CONFIG of " + size + " bytes: 1 to "
                    + VhostUserMessageDescriptor.CONFIG_MAX_SIZE + " allowed");
        }
        VhostUserRequest req = VhostUserRequest.GET_CONFIG;
        ByteBuffer b = VhostUserMessage.buffer(VhostUserMessageDescriptor.CONFIG_PAYLOAD + size);
        b.putInt(VhostUserMessageDescriptor.CONFIG_OFFSET, offset).putInt(VhostUserMessageDescriptor.CONFIG_SIZE, size)
                .putInt(VhostUserMessageDescriptor.CONFIG_FLAGS, 0);
        channel.send(VhostUserMessage.of(req, b.array()));
        VhostUserMessage reply = awaitReply(req, -1);
        if (reply.payload().length == 0) {
            throw new VhostUserException(prefix(req) + "the back-end reported an error (size field is 0)");
        }
        int expected = VhostUserMessageDescriptor.CONFIG_PAYLOAD + size;
        if (reply.payload().length != expected) {
            throw fieldError(req, "size", reply.payload().length, expected + " (\"payload size MUST match\")");
        }
        ByteBuffer r = reply.payloadBuffer();
        int gotSize = r.getInt(VhostUserMessageDescriptor.CONFIG_SIZE);
        if (gotSize != size) {
            throw fieldError(req, "config size", gotSize & 0xFFFF_FFFFL, String.valueOf(size));
        }
        byte[] config = new byte[size];
        r.get(VhostUserMessageDescriptor.CONFIG_PAYLOAD, config);
        return config;
    }

    // ------------------------------------------------------------------ plumbing

    private long getU64(VhostUserRequest req) {
        channel.send(VhostUserMessage.of(req, new byte[0]));
        return awaitReply(req, VhostUserMessageDescriptor.U64_SIZE).payloadBuffer().getLong(0);
    }

    /** Sends a request without a reply of its own; with REPLY_ACK, asks for the ack and checks it. */
    private void request(VhostUserRequest req, byte[] payload, int... fds) {
        if (!replyAck) {
            channel.send(VhostUserMessage.of(req, payload, fds));
            return;
        }
        channel.send(new VhostUserMessage(req.id(),
                VhostUserMessageDescriptor.VERSION | VhostUserMessageDescriptor.NEED_REPLY_MASK, payload, fds));
        long ack = awaitReply(req, VhostUserMessageDescriptor.U64_SIZE).payloadBuffer().getLong(0);
        if (ack != 0) {
            throw new VhostUserException(prefix(req) + "the back-end refused it: REPLY_ACK u64 is " + ack);
        }
    }

    /**
     * Reads the reply to {@code req} and checks its header.
     *
     * @param expectedSize payload size the reply must have, or -1 to let the caller check it
     */
    private VhostUserMessage awaitReply(VhostUserRequest req, int expectedSize) {
        VhostUserMessage m = channel.receive(replyTimeoutMillis, "the reply to " + req);
        if (m.fds().length > 0) {
            UnixSocket.closeAll(m.fds());
            throw new VhostUserException(prefix(req) + "the reply carries " + m.fds().length
                    + " file descriptors, none expected (closed)");
        }
        if (m.request() != req.id()) {
            throw new VhostUserException(prefix(req) + "request field is " + m.requestName() + ", expected " + req);
        }
        if (m.version() != VhostUserMessageDescriptor.VERSION) {
            throw new VhostUserException(prefix(req) + "flags field 0x" + Integer.toHexString(m.flags())
                    + " has version " + m.version() + ", expected " + VhostUserMessageDescriptor.VERSION);
        }
        if (!m.isReply()) {
            throw new VhostUserException(prefix(req) + "flags field 0x" + Integer.toHexString(m.flags())
                    + " lacks the reply bit 0x" + Integer.toHexString(VhostUserMessageDescriptor.REPLY_MASK));
        }
        if (expectedSize >= 0 && m.payload().length != expectedSize) {
            throw fieldError(req, "size", m.payload().length, String.valueOf(expectedSize));
        }
        return m;
    }

    private String prefix(VhostUserRequest req) {
        return "vhost-user " + channel.name() + ": reply to " + req + ": ";
    }

    private VhostUserException fieldError(VhostUserRequest req, String field, long value, String expected) {
        return new VhostUserException(prefix(req) + field + " field is " + value + ", expected " + expected);
    }

    /** Closes the connection; idempotent. */
    @Override
    public void close() {
        channel.close();
    }
}

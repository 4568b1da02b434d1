package io.twinport.virtio.device;

import io.twinport.mem.SharedMemory;
import io.twinport.virtio.VirtioNetFeatureBits;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.sys.UnixSocket;
import io.twinport.virtio.vhost.VhostUserChannel;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserMessageDescriptor;
import io.twinport.virtio.vhost.VhostUserProtocolFeature;
import io.twinport.virtio.vhost.VhostUserRequest;
import io.twinport.virtio.virtq.VirtqDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A vhost-user front-end written in the test, to misbehave on purpose: raw messages through a
 * {@link VhostUserChannel}, one vring pair laid out in a memfd ({@link SharedMemory}) by the spec's offsets, and
 * direct access to every ring field, so a test can write any descriptor, any avail entry, any index.
 */
final class RawFrontend implements AutoCloseable {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final long FEATURES = VirtioNetFeatureBits.VIRTIO_F_VERSION_1
            | VirtioNetFeatureBits.VHOST_USER_F_PROTOCOL_FEATURES;
    static final long PROTOCOL = VhostUserProtocolFeature.MQ.mask() | VhostUserProtocolFeature.REPLY_ACK.mask()
            | VhostUserProtocolFeature.CONFIG.mask();

    final int size;
    final SharedMemory mem;
    final long ringBytes;
    final long buffers;
    private final VhostUserChannel ch;
    private final List<EventFd> fds = new ArrayList<>();
    private final int[] availIdx = new int[2];

    RawFrontend(String path, int size) {
        this.size = size;
        this.ringBytes = VirtqDescriptor.bytes(size);
        this.mem = SharedMemory.create("raw-frontend", 1 << 20);
        this.buffers = 2 * ringBytes;
        this.ch = new VhostUserChannel(UnixSocket.connect(path), path);
    }

    /** @return the ring memory of vring i (0: the guest's receive ring, 1: its transmit ring) */
    MemorySegment ring(int i) {
        return mem.segment().asSlice(i * ringBytes, ringBytes);
    }

    long ringAddr(int i) {
        return mem.address() + i * ringBytes;
    }

    /** @return the address of buffer k (2 KB each, after the rings) */
    long buf(int k) {
        return mem.address() + buffers + 2048L * k;
    }

    void send(VhostUserRequest r, byte[] payload, int... fds) {
        sendRaw(r.id(), VhostUserMessageDescriptor.VERSION, payload, fds);
    }

    void sendRaw(int request, int flags, byte[] payload, int... fds) {
        ch.send(new VhostUserMessage(request, flags, payload, fds));
    }

    /** Sends raw bytes (a header that lies about its size, a cut message). */
    void sendBytes(byte[] bytes) {
        ch.socket().send(bytes, new int[0]);
    }

    long getU64(VhostUserRequest r) {
        send(r, new byte[0]);
        VhostUserMessage m = ch.receive(2_000, "reply to " + r);
        return m.payloadBuffer().getLong(0);
    }

    /** Negotiates and sets up both vrings of queue pair 0, as a well-behaved front-end would. */
    RawFrontend setUp() {
        send(VhostUserRequest.SET_OWNER, new byte[0]);
        getU64(VhostUserRequest.GET_FEATURES);
        send(VhostUserRequest.SET_FEATURES, VhostUserMessage.u64(FEATURES));
        getU64(VhostUserRequest.GET_PROTOCOL_FEATURES);
        send(VhostUserRequest.SET_PROTOCOL_FEATURES, VhostUserMessage.u64(PROTOCOL));
        setMemTable(mem.address(), mem.size(), mem.address(), 0, mem.fd());
        for (int i = 0; i < 2; i++) {
            setUpVring(i, ringAddr(i));
        }
        return this;
    }

    void setMemTable(long guest, long len, long user, long offset, int fd) {
        ByteBuffer b = VhostUserMessage.buffer(VhostUserMessageDescriptor.memTableSize(1));
        b.putInt(0, 1);
        b.putLong(8, guest).putLong(16, len).putLong(24, user).putLong(32, offset);
        send(VhostUserRequest.SET_MEM_TABLE, b.array(), fd);
    }

    void setUpVring(int i, long at) {
        send(VhostUserRequest.SET_VRING_NUM, VhostUserMessage.state(i, size));
        send(VhostUserRequest.SET_VRING_BASE, VhostUserMessage.state(i, 0));
        ByteBuffer a = VhostUserMessage.buffer(VhostUserMessageDescriptor.ADDR_SIZE);
        a.putInt(0, i).putLong(8, at).putLong(16, at + VirtqDescriptor.usedOffset(size))
                .putLong(24, at + VirtqDescriptor.availOffset(size));
        send(VhostUserRequest.SET_VRING_ADDR, a.array());
        EventFd call = EventFd.create();
        fds.add(call);
        send(VhostUserRequest.SET_VRING_CALL, VhostUserMessage.u64(i), call.fd());
        EventFd kick = EventFd.create();
        fds.add(kick);
        send(VhostUserRequest.SET_VRING_KICK, VhostUserMessage.u64(i), kick.fd());
        send(VhostUserRequest.SET_VRING_ENABLE, VhostUserMessage.state(i, 1));
    }

    /** Writes descriptor d of vring i. */
    void desc(int i, int d, long addr, long len, int flags, int next) {
        MemorySegment r = ring(i);
        long o = 16L * d;
        r.set(LE64, o, addr);
        r.set(LE32, o + 8, (int) len);
        r.set(LE16, o + 12, (short) flags);
        r.set(LE16, o + 14, (short) next);
    }

    /** Makes {@code head} available on vring i and publishes avail.idx. */
    void avail(int i, int head) {
        MemorySegment r = ring(i);
        long a = VirtqDescriptor.availOffset(size);
        r.set(LE16, a + 4 + 2L * (availIdx[i] % size), (short) head);
        availIdx[i] = (availIdx[i] + 1) & 0xFFFF;
        r.set(LE16, a + 2, (short) availIdx[i]);
    }

    /** Writes avail.idx of vring i as given. */
    void availIdx(int i, int idx) {
        ring(i).set(LE16, VirtqDescriptor.availOffset(size) + 2, (short) idx);
    }

    /** @return used.idx of vring i */
    int usedIdx(int i) {
        return ring(i).get(LE16, VirtqDescriptor.usedOffset(size) + 2) & 0xFFFF;
    }

    @Override
    public void close() {
        ch.close();
        for (EventFd e : fds) {
            e.close();
        }
        mem.close();
    }
}

package io.twinport.virtio;

import io.twinport.sys.Libc;
import io.twinport.virtio.sys.UnixSocket;
import io.twinport.virtio.vhost.VhostUserChannel;
import io.twinport.virtio.vhost.VhostUserException;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserMessageDescriptor;
import io.twinport.virtio.vhost.VhostUserProtocolFeature;
import io.twinport.virtio.vhost.VhostUserRequest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A vhost-user back-end for port tests without DPDK: serves one front-end at a time on a socket path (as DPDK's
 * net_vhost in server mode does), or connects to one (client mode), answers the session requests with the
 * features the test chose, maps every region of SET_MEM_TABLE from its descriptor, as a real back-end does, and
 * records the vrings so a test can play the device on them with {@link #ring(int)} (rightly or wrongly).
 */
final class FakeBackend implements AutoCloseable {
    final long features;
    final long protocolFeatures;
    final int queueNum;
    final byte[] configMac;
    final List<VhostUserMessage> seen = new CopyOnWriteArrayList<>();
    final Map<Integer, long[]> vringAddr = new ConcurrentHashMap<>(); // index -> desc, used, avail
    final Map<Integer, Integer> vringNum = new ConcurrentHashMap<>();
    final Map<Integer, Integer> vringBase = new ConcurrentHashMap<>();
    final Map<Integer, Boolean> vringEnabled = new ConcurrentHashMap<>();
    private final List<long[]> mappings = new CopyOnWriteArrayList<>(); // guest address, size, mapped at
    private final UnixSocket listen;
    private volatile VhostUserChannel channel;
    private final Thread thread;
    private volatile boolean closing;

    private FakeBackend(long features, long protocolFeatures, int queueNum, byte[] configMac, UnixSocket listen,
                        UnixSocket connected) {
        this.features = features;
        this.protocolFeatures = protocolFeatures;
        this.queueNum = queueNum;
        this.configMac = configMac;
        this.listen = listen;
        this.thread = Thread.ofPlatform().daemon(true).name("fake-backend").start(() -> serve(connected));
    }

    /** A back-end listening on {@code path} (the front-end is a client). */
    static FakeBackend listening(String path, long features, long protocolFeatures, int queueNum, byte[] mac) {
        UnixSocket.unlink(path);
        return new FakeBackend(features, protocolFeatures, queueNum, mac, UnixSocket.listen(path, 1), null);
    }

    /** A back-end that connects to a front-end listening on {@code path} (the front-end is a server). */
    static FakeBackend connecting(String path, long features, long protocolFeatures, int queueNum) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return new FakeBackend(features, protocolFeatures, queueNum, null, null, UnixSocket.connect(path));
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    private void serve(UnixSocket connected) {
        try {
            UnixSocket s = connected;
            while (s == null && !closing) {
                s = listen.accept(50);
            }
            if (s == null) {
                return;
            }
            channel = new VhostUserChannel(s, "fake-backend");
            while (!closing) {
                VhostUserMessage m;
                try {
                    m = channel.receive(60_000, "a request");
                } catch (VhostUserException e) {
                    return;
                }
                seen.add(m);
                try {
                    handle(m);
                } finally {
                    UnixSocket.closeAll(m.fds());
                }
            }
        } catch (RuntimeException e) {
            if (!closing) {
                throw e;
            }
        }
    }

    private void handle(VhostUserMessage m) {
        VhostUserRequest r = VhostUserRequest.forId(m.request());
        ByteBuffer p = m.payloadBuffer();
        switch (r) {
            case GET_FEATURES -> reply(m, VhostUserMessage.u64(features));
            case GET_PROTOCOL_FEATURES -> reply(m, VhostUserMessage.u64(protocolFeatures));
            case GET_QUEUE_NUM -> reply(m, VhostUserMessage.u64(queueNum));
            case GET_CONFIG -> {
                ByteBuffer b = VhostUserMessage.buffer(m.payload().length);
                b.put(0, m.payload());
                if (configMac != null) {
                    b.put(VhostUserMessageDescriptor.CONFIG_PAYLOAD, configMac);
                }
                reply(m, b.array());
            }
            case SET_MEM_TABLE -> {
                int n = p.getInt(0);
                for (int i = 0; i < n; i++) {
                    long guest = p.getLong(8 + 32 * i);
                    long size = p.getLong(8 + 32 * i + 8);
                    long at = Libc.mmapShared(m.fds()[i], size, 0);
                    mappings.add(new long[] {guest, size, at});
                }
            }
            case SET_VRING_NUM -> vringNum.put(p.getInt(0), p.getInt(4));
            case SET_VRING_BASE -> vringBase.put(p.getInt(0), p.getInt(4));
            case SET_VRING_ADDR -> vringAddr.put(p.getInt(0), new long[] {p.getLong(8), p.getLong(16), p.getLong(24)});
            case SET_VRING_ENABLE -> vringEnabled.put(p.getInt(0), p.getInt(4) == 1);
            case GET_VRING_BASE -> reply(m, VhostUserMessage.state(p.getInt(0), vringBase.getOrDefault(p.getInt(0), 0)));
            default -> {
            }
        }
        if (!r.hasReply() && (m.flags() & VhostUserMessageDescriptor.NEED_REPLY_MASK) != 0) {
            reply(m, VhostUserMessage.u64(0));
        }
    }

    private void reply(VhostUserMessage m, byte[] payload) {
        channel.send(new VhostUserMessage(m.request(),
                VhostUserMessageDescriptor.VERSION | VhostUserMessageDescriptor.REPLY_MASK, payload, null));
    }

    /** @return the requests seen, in order */
    List<VhostUserRequest> requests() {
        return seen.stream().map(s -> VhostUserRequest.forId(s.request())).toList();
    }

    /** @return the u64 of the last request of this type */
    long lastU64(VhostUserRequest r) {
        for (VhostUserMessage m : seen.reversed()) {
            if (m.request() == r.id()) {
                return m.payloadBuffer().getLong(0);
            }
        }
        throw new AssertionError("no " + r + " seen");
    }

    /**
     * @param index a vring index
     * @return the device's view of that vring, through this back-end's own mappings
     */
    DeviceRing ring(int index) {
        long[] a = vringAddr.get(index);
        if (a == null) {
            throw new AssertionError("vring " + index + " was never set up");
        }
        int size = vringNum.get(index);
        return new DeviceRing(this, size, translate(a[0], 16L * size), translate(a[1], 6 + 8L * size));
    }

    /** Guest address to this back-end's mapping of it, as a vhost-user back-end translates. */
    private long translate(long guest, long len) {
        for (long[] m : mappings.reversed()) { // the latest SET_MEM_TABLE wins
            if (guest >= m[0] && guest + len <= m[0] + m[1]) {
                return m[2] + (guest - m[0]);
            }
        }
        throw new AssertionError("guest address 0x" + Long.toHexString(guest) + " is in no region");
    }

    /** The device side of one vring, through the back-end's own mapping of the front-end's memory. */
    @SuppressWarnings("restricted")
    static final class DeviceRing {
        private final FakeBackend backend;
        private final int size;
        private final MemorySegment used;
        private final MemorySegment desc;

        DeviceRing(FakeBackend backend, int size, long desc, long used) {
            this.backend = backend;
            this.size = size;
            this.desc = MemorySegment.ofAddress(desc).reinterpret(16L * size);
            this.used = MemorySegment.ofAddress(used).reinterpret(6 + 8L * size);
        }

        /** Publishes a used element as given. */
        void pushUsed(long id, long len) {
            int idx = used.get(ValueLayout.JAVA_SHORT, 2) & 0xFFFF;
            long e = 4 + 8L * (idx % size);
            used.set(ValueLayout.JAVA_INT, e, (int) id);
            used.set(ValueLayout.JAVA_INT, e + 4, (int) len);
            ValueLayout.JAVA_SHORT.varHandle().setRelease(used, 2L, (short) (idx + 1));
        }

        /**
         * Receives a frame into descriptor {@code id} like a virtio-net device: a 12-byte header with
         * num_buffers 1, then {@code frameLen} bytes of 0x5A; publishes it.
         */
        void deliver(int id, int frameLen) {
            long addr = desc.get(ValueLayout.JAVA_LONG, 16L * id);
            MemorySegment buf = MemorySegment.ofAddress(backend.translate(addr, 12 + frameLen))
                    .reinterpret(12 + frameLen);
            buf.asSlice(0, 12).fill((byte) 0);
            buf.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) 1);
            buf.asSlice(12, frameLen).fill((byte) 0x5A);
            pushUsed(id, 12 + frameLen);
        }

        /** @return used.idx */
        int usedIdx() {
            return used.get(ValueLayout.JAVA_SHORT, 2) & 0xFFFF;
        }

        /** @return descriptor 0's length */
        int descLen(int i) {
            return desc.get(ValueLayout.JAVA_INT, 16L * i + 8);
        }
    }

    /** Drops the connection (the back-end "crashes"). */
    void disconnect() {
        VhostUserChannel c = channel;
        if (c != null) {
            c.socket().shutdown();
        }
    }

    static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        VhostUserChannel c = channel;
        if (c != null) {
            c.socket().shutdown();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (c != null) {
            c.close();
        }
        if (listen != null) {
            listen.close();
            UnixSocket.unlink(listen.name());
        }
        for (long[] m : mappings) {
            Libc.munmap(m[2], m[1]);
        }
    }

    /** Protocol features of DPDK 22.11's net_vhost that this front-end uses. */
    static final long DPDK_PROTOCOL = VhostUserProtocolFeature.MQ.mask() | VhostUserProtocolFeature.REPLY_ACK.mask();
}

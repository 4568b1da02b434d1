package io.twinport.virtio.vhost;

import io.twinport.mem.SharedMemory;
import io.twinport.sys.Libc;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.sys.UnixSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vhost-user front-end against a back-end the test plays over a socketpair: message layout, descriptors in one
 * SCM_RIGHTS message, REPLY_ACK, and every way a back-end can answer wrongly.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class VhostUserFrontendTest {
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeAfter.reversed()) {
            c.close();
        }
    }

    private VhostUserFrontend frontendWith(ScriptedBackend.Handler handler, int replyTimeoutMillis) {
        UnixSocket[] pair = UnixSocket.pair("test");
        ScriptedBackend backend = new ScriptedBackend(pair[1], handler);
        VhostUserFrontend fe = new VhostUserFrontend(new VhostUserChannel(pair[0], "test.sock"), replyTimeoutMillis);
        closeAfter.add(backend);
        closeAfter.add(fe);
        lastBackend = backend;
        return fe;
    }

    private ScriptedBackend lastBackend;

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    // ------------------------------------------------------------------ the good path

    @Test
    void requestsCarryTheSpecsNumbersAndRepliesAreRead() throws Exception {
        VhostUserFrontend fe = frontendWith((m, ch) -> {
            switch (VhostUserRequest.forId(m.request())) {
                case GET_FEATURES -> ScriptedBackend.reply(ch, m, VhostUserMessage.u64(0x1_4000_8000L));
                case GET_PROTOCOL_FEATURES -> ScriptedBackend.reply(ch, m, VhostUserMessage.u64(0x0BL));
                case GET_QUEUE_NUM -> ScriptedBackend.reply(ch, m, VhostUserMessage.u64(4));
                case GET_VRING_BASE -> ScriptedBackend.reply(ch, m, VhostUserMessage.state(1, 77));
                default -> {
                }
            }
            return true;
        }, 2_000);
        fe.setOwner();
        assertEquals(0x1_4000_8000L, fe.getFeatures());
        assertEquals(0x0BL, fe.getProtocolFeatures());
        fe.setFeatures(0x1_0000_8000L);
        assertEquals(4, fe.getQueueNum());
        fe.setVringNum(1, 256);
        fe.setVringAddr(1, 0x1000, 0x3000, 0x2000);
        fe.setVringBase(1, 5);
        fe.setVringEnable(1, true);
        assertEquals(77, fe.getVringBase(1));
        assertEquals(List.of(VhostUserRequest.SET_OWNER, VhostUserRequest.GET_FEATURES,
                VhostUserRequest.GET_PROTOCOL_FEATURES, VhostUserRequest.SET_FEATURES,
                VhostUserRequest.GET_QUEUE_NUM, VhostUserRequest.SET_VRING_NUM, VhostUserRequest.SET_VRING_ADDR,
                VhostUserRequest.SET_VRING_BASE, VhostUserRequest.SET_VRING_ENABLE,
                VhostUserRequest.GET_VRING_BASE), lastBackend.requests());
        // wire numbers straight from vhost-user.rst
        assertEquals(List.of(3, 1, 15, 2, 17, 8, 9, 10, 18, 11),
                lastBackend.seen.stream().map(s -> s.message().request()).toList());
        VhostUserMessage setFeatures = lastBackend.seen.get(3).message();
        assertEquals(VhostUserMessageDescriptor.VERSION, setFeatures.flags());
        assertEquals(0x1_0000_8000L, setFeatures.payloadBuffer().getLong(0));
        ByteBuffer addr = lastBackend.seen.get(6).message().payloadBuffer();
        assertEquals(40, addr.capacity());
        assertEquals(1, addr.getInt(0));
        assertEquals(0x1000, addr.getLong(8), "descriptor");
        assertEquals(0x3000, addr.getLong(16), "used");
        assertEquals(0x2000, addr.getLong(24), "available");
        assertNull(lastBackend.failure.get());
    }

    @Test
    void setMemTableSendsEveryRegionsDescriptorInOneMessage() throws Exception {
        try (SharedMemory a = SharedMemory.create("fe-test-a", 8192);
             SharedMemory b = SharedMemory.create("fe-test-b", 4096)) {
            a.segment().set(ValueLayout.JAVA_LONG, 0, 0xA11CEL);
            b.segment().set(ValueLayout.JAVA_LONG, 0, 0xB0BL);
            List<Long> mappedValues = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            VhostUserFrontend fe = frontendWith((m, ch) -> {
                ByteBuffer p = m.payloadBuffer();
                int n = p.getInt(0);
                for (int i = 0; i < n; i++) {
                    long size = p.getLong(8 + 32 * i + 8);
                    sizes.add(size);
                    // map what arrived: it must be the front-end's memory
                    long at = Libc.mmapShared(m.fds()[i], size, 0);
                    mappedValues.add(Libc.segmentAt(at, size).get(ValueLayout.JAVA_LONG, 0));
                    Libc.munmap(at, size);
                }
                return true;
            }, 2_000);
            fe.setMemTable(List.of(VhostUserFrontend.MemoryRegion.of(a), VhostUserFrontend.MemoryRegion.of(b)));
            awaitSeen(1);
            ScriptedBackend.Seen s = lastBackend.seen.getFirst();
            assertEquals(VhostUserRequest.SET_MEM_TABLE.id(), s.message().request());
            assertEquals(2, s.fdCount(), "both descriptors in the one message");
            assertEquals(8 + 2 * 32, s.message().payload().length);
            ByteBuffer p = s.message().payloadBuffer();
            assertEquals(a.address(), p.getLong(8), "guest address");
            assertEquals(a.address(), p.getLong(8 + 16), "user address");
            assertEquals(0, p.getLong(8 + 24), "mmap offset");
            waitFor(() -> mappedValues.size() == 2);
            assertEquals(List.of(0xA11CEL, 0xB0BL), mappedValues);
            assertEquals(List.of(8192L, 4096L), sizes);
        }
    }

    @Test
    void kickAndCallDescriptorsArriveAndNoFdSetsTheInvalidFlag() throws Exception {
        try (EventFd kick = EventFd.create()) {
            AtomicLong signalled = new AtomicLong();
            VhostUserFrontend fe = frontendWith((m, ch) -> {
                if (m.fds().length == 1) {
                    // write to the received copy: the front-end's eventfd counts it
                    try (EventFdWriter w = new EventFdWriter(m.fds()[0])) {
                        w.signal();
                    }
                    signalled.incrementAndGet();
                }
                return true;
            }, 2_000);
            fe.setVringKick(3, kick.fd());
            fe.setVringCall(3, -1);
            awaitSeen(2);
            assertEquals(3L, lastBackend.seen.get(0).message().payloadBuffer().getLong(0), "index, fd attached");
            assertEquals(1, lastBackend.seen.get(0).fdCount());
            assertEquals(3L | 0x100L, lastBackend.seen.get(1).message().payloadBuffer().getLong(0), "NOFD bit 8");
            assertEquals(0, lastBackend.seen.get(1).fdCount());
            waitFor(() -> signalled.get() == 1);
            assertEquals(1, kick.drain());
        }
    }

    /** Writes to an eventfd number it does not own (the fd is closed by the backend after the handler). */
    @SuppressWarnings("restricted")
    private static final class EventFdWriter implements AutoCloseable {
        private final int fd;

        EventFdWriter(int fd) {
            this.fd = fd;
        }

        void signal() {
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment one = arena.allocate(8);
                one.set(ValueLayout.JAVA_LONG, 0, 1L);
                var write = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                        java.lang.foreign.Linker.nativeLinker().defaultLookup().findOrThrow("write"),
                        java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                assertEquals(8L, (long) write.invokeExact(fd, one, 8L));
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void withReplyAckEveryRequestAsksForAnAckAndARefusalNamesTheRequest() {
        VhostUserFrontend fe = frontendWith((m, ch) -> {
            if ((m.flags() & VhostUserMessageDescriptor.NEED_REPLY_MASK) != 0) {
                long ack = m.request() == VhostUserRequest.SET_VRING_NUM.id() ? 1 : 0;
                ScriptedBackend.reply(ch, m, VhostUserMessage.u64(ack));
            }
            return true;
        }, 2_000);
        fe.setProtocolFeatures(VhostUserProtocolFeature.REPLY_ACK.mask());
        assertTrue(fe.replyAck());
        fe.setVringBase(0, 0);
        VhostUserException e = assertThrows(VhostUserException.class, () -> fe.setVringNum(0, 4096));
        assertTrue(e.getMessage().contains("SET_VRING_NUM (8)") && e.getMessage().contains("refused"),
                e.getMessage());
        assertEquals(VhostUserMessageDescriptor.VERSION, lastBackend.seen.get(0).message().flags(),
                "SET_PROTOCOL_FEATURES itself goes before REPLY_ACK applies");
        assertEquals(VhostUserMessageDescriptor.VERSION | VhostUserMessageDescriptor.NEED_REPLY_MASK,
                lastBackend.seen.get(1).message().flags());
    }

    @Test
    void getConfigReadsTheConfigSpaceAndAZeroSizeReplyIsAnError() {
        byte[] mac = {2, 0, 0, 0, 0, 7};
        VhostUserFrontend fe = frontendWith((m, ch) -> {
            ByteBuffer req = m.payloadBuffer();
            if (req.getInt(0) == 0) {
                ByteBuffer r = VhostUserMessage.buffer(12 + req.getInt(4));
                r.putInt(0, 0).putInt(4, req.getInt(4)).put(12, mac);
                ScriptedBackend.reply(ch, m, r.array());
            } else {
                ScriptedBackend.reply(ch, m, new byte[0]);
            }
            return true;
        }, 2_000);
        assertArrayEquals(mac, fe.getConfig(0, 6));
        VhostUserException e = assertThrows(VhostUserException.class, () -> fe.getConfig(6, 2));
        assertTrue(e.getMessage().contains("GET_CONFIG (24)") && e.getMessage().contains("size field is 0"),
                e.getMessage());
    }

    // ------------------------------------------------------------------ a back-end that answers wrongly

    private void assertRefused(ScriptedBackend.Handler handler, String... expected) {
        VhostUserFrontend fe = frontendWith(handler, 500);
        VhostUserException e = assertThrows(VhostUserException.class, fe::getFeatures);
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' missing in: " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("test.sock"), "names the socket: " + e.getMessage());
    }

    @Test
    void aReplyToAnotherRequestIsRefusedNamingTheRequestField() {
        assertRefused((m, ch) -> {
            ch.send(new VhostUserMessage(VhostUserRequest.SET_FEATURES.id(), 0x5, VhostUserMessage.u64(1), null));
            return true;
        }, "reply to GET_FEATURES (1)", "request field is SET_FEATURES (2)");
    }

    @Test
    void aReplyOfAnUnknownRequestIsRefused() {
        assertRefused((m, ch) -> {
            ch.send(new VhostUserMessage(999, 0x5, VhostUserMessage.u64(1), null));
            return true;
        }, "request field is unknown (999)");
    }

    @Test
    void aReplyWithoutTheReplyBitIsRefused() {
        assertRefused((m, ch) -> {
            ch.send(new VhostUserMessage(m.request(), 0x1, VhostUserMessage.u64(1), null));
            return true;
        }, "flags field 0x1", "reply bit");
    }

    @Test
    void aReplyOfAnotherVersionIsRefused() {
        assertRefused((m, ch) -> {
            ch.send(new VhostUserMessage(m.request(), 0x6, VhostUserMessage.u64(1), null));
            return true;
        }, "flags field 0x6", "version 2");
    }

    @Test
    void aShortPayloadIsRefusedNamingTheSizeField() {
        assertRefused((m, ch) -> {
            ScriptedBackend.reply(ch, m, new byte[4]);
            return true;
        }, "size field is 4, expected 8");
    }

    @Test
    void anOversizedMessageIsRefusedBeforeItIsRead() {
        assertRefused((m, ch) -> {
            ByteBuffer h = VhostUserMessage.buffer(12).putInt(0, m.request()).putInt(4, 0x5).putInt(8, 100_000);
            ch.socket().send(h.array(), new int[0]);
            return true;
        }, "size field is 100000", "limit of 4096");
    }

    @Test
    void aMessageCutShortByADisconnectIsRefused() {
        assertRefused((m, ch) -> {
            ByteBuffer h = VhostUserMessage.buffer(16).putInt(0, m.request()).putInt(4, 0x5).putInt(8, 8);
            ch.socket().send(h.array(), new int[0]); // header and 4 of 8 payload bytes, then gone
            return false;
        }, "closed the connection mid-message", "4 of 8 payload bytes");
    }

    @Test
    void aDisconnectMidNegotiationIsRefused() {
        assertRefused((m, ch) -> false, "closed the connection", "reply to GET_FEATURES (1)");
    }

    @Test
    void aBackEndThatNeverAnswersTimesOut() {
        assertRefused((m, ch) -> true, "no header within 500 ms");
    }

    @Test
    void descriptorsInAReplyAreRefusedAndClosed() throws Exception {
        long before = openFds();
        try (EventFd stray = EventFd.create()) {
            assertRefused((m, ch) -> {
                ch.send(new VhostUserMessage(m.request(), 0x5, VhostUserMessage.u64(1), new int[] {stray.fd()}));
                return true;
            }, "carries 1 file descriptors, none expected");
        }
        tearDown();
        closeAfter.clear();
        assertEquals(before, openFds(), "the received copy was closed");
    }

    @Test
    void getVringBaseChecksTheIndexItGetsBack() {
        VhostUserFrontend fe = frontendWith((m, ch) -> {
            ScriptedBackend.reply(ch, m, VhostUserMessage.state(2, 9));
            return true;
        }, 500);
        VhostUserException e = assertThrows(VhostUserException.class, () -> fe.getVringBase(1));
        assertTrue(e.getMessage().contains("GET_VRING_BASE (11)") && e.getMessage().contains("index field is 2"),
                e.getMessage());
    }

    @Test
    void connectToAMissingSocketGivesUpNamingThePath() {
        String path = "/tmp/twinport-missing-" + ProcessHandle.current().pid() + ".sock";
        VhostUserException e = assertThrows(VhostUserException.class,
                () -> VhostUserFrontend.connect(path, 100, 500));
        assertTrue(e.getMessage().contains(path) && e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void connectAndListenMeetOnASocketFile() throws Exception {
        String path = "/tmp/twinport-fe-test-" + ProcessHandle.current().pid() + ".sock";
        UnixSocket.unlink(path);
        try (UnixSocket server = UnixSocket.listen(path, 1)) {
            assertNull(server.accept(10), "nobody connected yet");
            try (VhostUserFrontend fe = VhostUserFrontend.connect(path, 1_000, 500)) {
                UnixSocket accepted = server.accept(1_000);
                assertFalse(fe.channel().peerGone());
                accepted.close();
                waitFor(() -> fe.channel().peerGone());
            }
        } finally {
            UnixSocket.unlink(path);
        }
        assertFalse(Files.exists(Path.of(path)));
    }

    // ------------------------------------------------------------------ helpers

    private void awaitSeen(int n) throws InterruptedException {
        waitFor(() -> lastBackend.seen.size() >= n);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 5 s");
            Thread.sleep(5);
        }
    }
}

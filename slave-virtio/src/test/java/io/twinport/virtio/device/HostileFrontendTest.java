package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.mem.SharedMemory;
import io.twinport.port.PortConfig;
import io.twinport.testing.Frames;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserMessageDescriptor;
import io.twinport.virtio.vhost.VhostUserRequest;
import io.twinport.virtio.virtq.VirtqDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_INDIRECT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_NEXT;
import static io.twinport.virtio.virtq.VirtqDescriptor.VRING_DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per hostile input: a front-end written in the test ({@link RawFrontend}) sends it; the device counts the
 * reason (xstats {@code fault_*}), names it in a log line and {@link VhostUserDevice#lastFault()}, stays up, and then
 * serves a fresh, well-behaved front-end (our driver), which exchanges frames with it both ways.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileFrontendTest {
    static final String SOCK = "/tmp/twv-hostile-" + ProcessHandle.current().pid() + ".sock";
    static final int SIZE = 64;

    private final PacketPool hostPool = PacketPool.create("hostile-host", 4096);
    private final PacketPool guestPool = PacketPool.create("hostile-guest", 4096);
    private VhostUserPort port;

    @BeforeEach
    void open() {
        port = VhostUserPort.open("vhost-hostile", VhostUserDeviceOptions.server(SOCK), hostPool, null);
        port.configure(PortConfig.DEFAULT);
        port.start();
    }

    @AfterEach
    void close() {
        try {
            port.close();
            assertEquals(0, hostPool.inUse(), "host buffers leaked");
            assertEquals(0, guestPool.inUse(), "guest buffers leaked");
            assertFalse(Files.exists(Path.of(SOCK)));
        } finally {
            hostPool.close();
            guestPool.close();
        }
    }

    /** Runs the hostile front-end, checks the counted reason, then serves a fresh front-end that passes frames. */
    private void hostile(DeviceFault expected, Consumer<RawFrontend> attack) {
        long before = port.device().faultCount(expected);
        try (RawFrontend fe = new RawFrontend(SOCK, SIZE)) {
            attack.accept(fe);
            Traffic.await(() -> {
                poke();
                return port.device().faultCount(expected) > before;
            }, expected + " counted");
            assertEquals(1L, port.xstats().get(expected.xstatName()) - before);
            String last = port.device().lastFault();
            assertTrue(last != null && last.contains(expected.name()), "the fault names " + expected + ": " + last);
            if (expected.scope() == DeviceFault.Scope.RING) {
                Packet[] pkts = new Packet[8];
                assertEquals(0, port.rxBurst(0, pkts, 0, 8), "a broken vring returns nothing");
            } else {
                Traffic.await(() -> !port.device().connected(), "the device closed the connection");
            }
        }
        Traffic.await(() -> !port.device().connected(), "the hostile front-end is gone");
        freshFrontendExchangesFrames();
    }

    /** Gives the data path a chance to meet the bad ring: a burst each way. */
    private void poke() {
        Packet[] pkts = new Packet[8];
        int n = port.rxBurst(0, pkts, 0, 8);
        hostPool.freeBulk(pkts, 0, n);
        int got = hostPool.allocBulk(pkts, 0, 1);
        if (got == 1) {
            Frames.fill(pkts[0], Traffic.DST, Traffic.SRC, 0, 64);
            int k = port.txBurst(0, pkts, 0, 1);
            hostPool.freeBulk(pkts, k, 1 - k);
        }
    }

    private void freshFrontendExchangesFrames() {
        VirtioNetPort guest = VirtioNetPort.open("fresh-guest", VirtioUserOptions.client(SOCK), guestPool, null);
        try {
            guest.configure(PortConfig.DEFAULT.withRingSize(256));
            guest.start();
            Traffic.await(port::linkUp, "link up with the fresh front-end");
            BitSet atHost = new BitSet();
            assertEquals(300, Traffic.send(guest, 0, guestPool, 0, 300, 64, port, atHost));
            Traffic.drainUntil(port, 0, atHost, 300);
            assertEquals(300, atHost.cardinality());
            BitSet atGuest = new BitSet();
            assertEquals(300, Traffic.send(port, 0, hostPool, 0, 300, 64, guest, atGuest));
            Traffic.drainUntil(guest, 0, atGuest, 300);
            assertEquals(300, atGuest.cardinality());
        } finally {
            guest.close();
        }
    }

    // ------------------------------------------------------------------ the rings

    @Test
    void availHeadOutOfRange() {
        hostile(DeviceFault.HEAD_OUT_OF_RANGE, fe -> fe.setUp().avail(1, SIZE + 5));
    }

    @Test
    void descNextOutOfRange() {
        hostile(DeviceFault.NEXT_OUT_OF_RANGE, fe -> {
            fe.setUp().desc(1, 0, fe.buf(0), 12, VRING_DESC_F_NEXT, SIZE + 1);
            fe.avail(1, 0);
        });
    }

    @Test
    void chainThatLoops() {
        hostile(DeviceFault.CHAIN_LOOP, fe -> {
            fe.setUp().desc(1, 0, fe.buf(0), 12, VRING_DESC_F_NEXT, 1);
            fe.desc(1, 1, fe.buf(1), 64, VRING_DESC_F_NEXT, 0);
            fe.avail(1, 0);
        });
    }

    @Test
    void chainLongerThanTheRingWithoutALoopIsImpossibleSoLongChainsAreLoops() {
        hostile(DeviceFault.CHAIN_LOOP, fe -> {
            fe.setUp();
            for (int d = 0; d < SIZE; d++) {
                fe.desc(1, d, fe.buf(0), 1, VRING_DESC_F_NEXT, (d + 1) % SIZE);
            }
            fe.avail(1, 0);
        });
    }

    @Test
    void bufferOutsideEveryRegion() {
        hostile(DeviceFault.DESC_OUTSIDE_MEMORY, fe -> {
            fe.setUp().desc(1, 0, fe.mem.address() + fe.mem.size() - 10, 64, 0, 0);
            fe.avail(1, 0);
        });
    }

    @Test
    void lengthThatOverflows() {
        hostile(DeviceFault.LEN_OVERFLOW, fe -> {
            fe.setUp().desc(1, 0, 0xFFFF_FFFF_FFFF_F000L, 0x2000, 0, 0);
            fe.avail(1, 0);
        });
    }

    @Test
    void availIdxFarAhead() {
        hostile(DeviceFault.AVAIL_IDX_AHEAD, fe -> fe.setUp().availIdx(1, SIZE + 10));
    }

    @Test
    void indirectDescriptorNeverOffered() {
        hostile(DeviceFault.INDIRECT_DESC, fe -> {
            fe.setUp().desc(1, 0, fe.buf(0), 64, VRING_DESC_F_INDIRECT, 0);
            fe.avail(1, 0);
        });
    }

    @Test
    void writableDescriptorInATransmitChain() {
        hostile(DeviceFault.WRITABLE_IN_TX, fe -> {
            fe.setUp().desc(1, 0, fe.buf(0), 64, VRING_DESC_F_WRITE, 0);
            fe.avail(1, 0);
        });
    }

    @Test
    void readableDescriptorInAReceiveChain() {
        hostile(DeviceFault.READABLE_IN_RX, fe -> {
            fe.setUp().desc(0, 0, fe.buf(0), 2048, 0, 0);
            fe.avail(0, 0);
        });
    }

    @Test
    void transmitChainShorterThanTheHeader() {
        hostile(DeviceFault.TX_HEADER_SHORT, fe -> {
            fe.setUp().desc(1, 0, fe.buf(0), 4, 0, 0);
            fe.avail(1, 0);
        });
    }

    @Test
    void receiveBufferShorterThanTheHeader() {
        hostile(DeviceFault.RX_BUFFER_SHORT, fe -> {
            fe.setUp().desc(0, 0, fe.buf(0), 4, VRING_DESC_F_WRITE, 0);
            fe.avail(0, 0);
        });
    }

    // ------------------------------------------------------------------ the messages

    @Test
    void wrongPayloadSize() {
        hostile(DeviceFault.BAD_SIZE, fe -> fe.send(VhostUserRequest.SET_FEATURES, new byte[4]));
    }

    @Test
    void sizeFieldAboveTheLimit() {
        hostile(DeviceFault.BAD_SIZE, fe -> {
            ByteBuffer h = VhostUserMessage.buffer(VhostUserMessageDescriptor.HEADER_SIZE);
            h.putInt(0, VhostUserRequest.SET_FEATURES.id()).putInt(4, 1).putInt(8, 1 << 20);
            fe.sendBytes(h.array());
        });
    }

    @Test
    void messageCutShort() {
        hostile(DeviceFault.MESSAGE_CUT, fe -> {
            ByteBuffer h = VhostUserMessage.buffer(VhostUserMessageDescriptor.HEADER_SIZE + 4);
            h.putInt(0, VhostUserRequest.SET_FEATURES.id()).putInt(4, 1).putInt(8, 8);
            fe.sendBytes(h.array()); // 4 of 8 payload bytes, then nothing
        });
    }

    @Test
    void memTableWithoutItsDescriptor() {
        hostile(DeviceFault.MISSING_FD, fe -> {
            ByteBuffer b = VhostUserMessage.buffer(VhostUserMessageDescriptor.memTableSize(1));
            b.putInt(0, 1).putLong(8, fe.mem.address()).putLong(16, fe.mem.size()).putLong(24, fe.mem.address());
            fe.send(VhostUserRequest.SET_MEM_TABLE, b.array());
        });
    }

    @Test
    void descriptorOnARequestThatTakesNone() {
        hostile(DeviceFault.EXTRA_FD, fe -> fe.send(VhostUserRequest.SET_OWNER, new byte[0], fe.mem.fd()));
    }

    @Test
    void callFdThatIsNotAnEventfd() {
        hostile(DeviceFault.BAD_FD, fe -> fe.send(VhostUserRequest.SET_VRING_CALL, VhostUserMessage.u64(0),
                fe.mem.fd()));
    }

    @Test
    void regionBeyondTheEndOfItsFile() {
        hostile(DeviceFault.BAD_REGION, fe -> {
            try (SharedMemory small = SharedMemory.create("small", 4096)) {
                fe.setMemTable(small.address(), 1 << 20, small.address(), 0, small.fd());
            }
        });
    }

    @Test
    void ringOutsideTheMappedMemory() {
        hostile(DeviceFault.RING_OUTSIDE_MEMORY, fe -> {
            fe.send(VhostUserRequest.SET_FEATURES, VhostUserMessage.u64(RawFrontend.FEATURES));
            fe.setMemTable(fe.mem.address(), fe.mem.size(), fe.mem.address(), 0, fe.mem.fd());
            fe.setUpVring(1, fe.mem.address() + fe.mem.size() - 64);
        });
    }

    @Test
    void ringMisalignedInTheMapping() {
        hostile(DeviceFault.RING_MISALIGNED, fe -> {
            fe.send(VhostUserRequest.SET_FEATURES, VhostUserMessage.u64(RawFrontend.FEATURES));
            fe.setMemTable(fe.mem.address(), fe.mem.size(), fe.mem.address(), 0, fe.mem.fd());
            fe.setUpVring(1, fe.mem.address() + 8);
        });
    }

    @Test
    void wrongProtocolVersion() {
        hostile(DeviceFault.BAD_HEADER, fe -> fe.sendRaw(VhostUserRequest.SET_OWNER.id(), 2, new byte[0]));
    }

    @Test
    void requestNumberTheSpecDoesNotDefine() {
        hostile(DeviceFault.UNKNOWN_REQUEST, fe -> fe.sendRaw(999, 1, new byte[0]));
    }

    @Test
    void requestThatWasNeverOffered() {
        hostile(DeviceFault.UNSUPPORTED_REQUEST, fe -> fe.send(VhostUserRequest.SET_LOG_BASE, new byte[16]));
    }

    @Test
    void vringIndexBeyondTheQueues() {
        hostile(DeviceFault.BAD_VRING_INDEX, fe -> fe.send(VhostUserRequest.SET_VRING_NUM,
                VhostUserMessage.state(200, 256)));
    }

    @Test
    void vringSizeNotAPowerOfTwo() {
        hostile(DeviceFault.BAD_VRING_NUM, fe -> fe.send(VhostUserRequest.SET_VRING_NUM,
                VhostUserMessage.state(0, 100)));
    }

    @Test
    void featuresThatWereNotOffered() {
        hostile(DeviceFault.BAD_FEATURES, fe -> fe.send(VhostUserRequest.SET_FEATURES,
                VhostUserMessage.u64(RawFrontend.FEATURES | (1L << 34))));
    }

    @Test
    void reservedBitsInAVringFdMessage() {
        hostile(DeviceFault.BAD_VALUE, fe -> fe.send(VhostUserRequest.SET_VRING_KICK,
                VhostUserMessage.u64(0x10_0000L | VhostUserMessageDescriptor.VRING_NOFD_MASK)));
    }

    @Test
    void aWellBehavedRawFrontendIsServed() {
        // the control case: the same front-end without the bad input moves a frame and breaks nothing
        try (RawFrontend fe = new RawFrontend(SOCK, SIZE)) {
            fe.setUp();
            Traffic.await(() -> port.device().runningVrings() == 2, "both vrings running");
            fe.desc(1, 0, fe.buf(0), 12 + 60, 0, 0);
            fe.avail(1, 0);
            Packet[] pkts = new Packet[4];
            Traffic.await(() -> {
                int n = port.rxBurst(0, pkts, 0, 4);
                hostPool.freeBulk(pkts, 0, n);
                return n == 1;
            }, "the frame arrives");
            assertEquals(1, fe.usedIdx(1));
            assertEquals(0L, port.xstats().get("ring_faults") + port.xstats().get("device_faults"));
            assertTrue(VirtqDescriptor.validSize(SIZE));
        }
    }
}

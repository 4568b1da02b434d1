package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.PortConfig;
import io.twinport.testing.Frames;
import io.twinport.virtio.VirtioNetPort;
import io.twinport.virtio.VirtioUserOptions;
import io.twinport.virtio.sys.EventFd;
import io.twinport.virtio.vhost.VhostUserMessage;
import io.twinport.virtio.vhost.VhostUserMessageDescriptor;
import io.twinport.virtio.vhost.VhostUserRequest;
import io.twinport.virtio.virtq.VirtqDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded, time-bounded fuzz test of the device: each round a test front-end ({@link RawFrontend}) connects and
 * sends a valid session (SET_OWNER, features, protocol features, memory table, both vrings) with one to three
 * mutations (bytes flipped, payload cut or grown, request number or flags changed, descriptors dropped, added or
 * swapped, messages dropped, repeated or reordered), then mutates ring contents (descriptor fields, avail entries,
 * avail.idx, chains) while the data path polls, and disconnects. The device must never throw on the data path, never
 * hang (every round ends with the device free for the next front-end within a bound), never touch memory outside a
 * mapping (the JVM would crash), and must serve a well-behaved front-end (our driver) afterwards.
 *
 * <p>{@code -Dfuzz.seed=N} replays a seed (the inputs are a function of the seed; how many rounds fit in the time
 * depends on the machine); {@code -Dfuzz.seconds=S} sets the duration (default 20). The seed and the inputs tried are
 * printed.
 */
class DeviceFuzzTest {
    static final String SOCK = "/tmp/twv-fuzz-" + ProcessHandle.current().pid() + ".sock";
    static final int SIZE = 32;

    private record Msg(int request, int flags, byte[] payload, int[] fdKinds) {
    }

    // fd kinds: 0 the memfd, 1 an eventfd, 2 the socket itself
    private static List<Msg> validSession(RawFrontend fe) {
        List<Msg> s = new ArrayList<>();
        s.add(msg(VhostUserRequest.SET_OWNER, new byte[0]));
        s.add(msg(VhostUserRequest.GET_FEATURES, new byte[0]));
        s.add(msg(VhostUserRequest.SET_FEATURES, VhostUserMessage.u64(RawFrontend.FEATURES
                | (1L << 15) | (1L << 29))));
        s.add(msg(VhostUserRequest.GET_PROTOCOL_FEATURES, new byte[0]));
        s.add(msg(VhostUserRequest.SET_PROTOCOL_FEATURES, VhostUserMessage.u64(RawFrontend.PROTOCOL)));
        s.add(msg(VhostUserRequest.GET_QUEUE_NUM, new byte[0]));
        ByteBuffer b = VhostUserMessage.buffer(VhostUserMessageDescriptor.memTableSize(1));
        b.putInt(0, 1).putLong(8, fe.mem.address()).putLong(16, fe.mem.size()).putLong(24, fe.mem.address());
        s.add(new Msg(VhostUserRequest.SET_MEM_TABLE.id(), 1, b.array(), new int[] {0}));
        for (int i = 0; i < 2; i++) {
            long at = fe.ringAddr(i);
            s.add(new Msg(VhostUserRequest.SET_VRING_CALL.id(), 1, VhostUserMessage.u64(i), new int[] {1}));
            s.add(msg(VhostUserRequest.SET_VRING_NUM, VhostUserMessage.state(i, SIZE)));
            s.add(msg(VhostUserRequest.SET_VRING_BASE, VhostUserMessage.state(i, 0)));
            ByteBuffer a = VhostUserMessage.buffer(VhostUserMessageDescriptor.ADDR_SIZE);
            a.putInt(0, i).putLong(8, at).putLong(16, at + VirtqDescriptor.usedOffset(SIZE))
                    .putLong(24, at + VirtqDescriptor.availOffset(SIZE));
            s.add(msg(VhostUserRequest.SET_VRING_ADDR, a.array()));
            s.add(new Msg(VhostUserRequest.SET_VRING_KICK.id(), 1, VhostUserMessage.u64(i), new int[] {1}));
            s.add(msg(VhostUserRequest.SET_VRING_ENABLE, VhostUserMessage.state(i, 1)));
        }
        ByteBuffer c = VhostUserMessage.buffer(VhostUserMessageDescriptor.CONFIG_PAYLOAD + 10);
        c.putInt(4, 10);
        s.add(msg(VhostUserRequest.GET_CONFIG, c.array()));
        return s;
    }

    private static Msg msg(VhostUserRequest r, byte[] payload) {
        return new Msg(r.id(), 1, payload, new int[0]);
    }

    private static void mutate(List<Msg> s, SplittableRandom rnd) {
        int i = rnd.nextInt(s.size());
        Msg m = s.get(i);
        byte[] p = m.payload().clone();
        switch (rnd.nextInt(9)) {
            case 0 -> {
                for (int k = 0, n = 1 + rnd.nextInt(3); k < n && p.length > 0; k++) {
                    p[rnd.nextInt(p.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                s.set(i, new Msg(m.request(), m.flags(), p, m.fdKinds()));
            }
            case 1 -> s.set(i, new Msg(m.request(), m.flags(), Arrays.copyOf(p, rnd.nextInt(p.length + 1)),
                    m.fdKinds()));
            case 2 -> s.set(i, new Msg(m.request(), m.flags(), Arrays.copyOf(p, p.length + 1 + rnd.nextInt(64)),
                    m.fdKinds()));
            case 3 -> s.set(i, new Msg(rnd.nextInt(8) == 0 ? rnd.nextInt() : rnd.nextInt(45), m.flags(), p,
                    m.fdKinds()));
            case 4 -> s.set(i, new Msg(m.request(), rnd.nextInt(16), p, m.fdKinds()));
            case 5 -> {
                int[] kinds = new int[rnd.nextInt(3)];
                for (int k = 0; k < kinds.length; k++) {
                    kinds[k] = rnd.nextInt(3);
                }
                s.set(i, new Msg(m.request(), m.flags(), p, kinds));
            }
            case 6 -> s.remove(i);
            case 7 -> s.add(i, m);
            default -> {
                int j = rnd.nextInt(s.size());
                s.set(i, s.get(j));
                s.set(j, m);
            }
        }
    }

    private static void mutateRings(RawFrontend fe, SplittableRandom rnd) {
        for (int k = 0, n = 1 + rnd.nextInt(8); k < n; k++) {
            int ring = rnd.nextInt(2);
            int d = rnd.nextInt(SIZE);
            switch (rnd.nextInt(6)) {
                case 0 -> fe.desc(ring, d, fe.buf(rnd.nextInt(64)) + rnd.nextInt(64), 12 + rnd.nextInt(1600),
                        ring == 0 ? VirtqDescriptor.VRING_DESC_F_WRITE : 0, 0);
                case 1 -> fe.desc(ring, d, rnd.nextLong(), rnd.nextInt(), rnd.nextInt(8), rnd.nextInt(SIZE + 4));
                case 2 -> fe.desc(ring, d, fe.buf(rnd.nextInt(64)), rnd.nextInt(2100), rnd.nextInt(8),
                        rnd.nextInt(SIZE));
                case 3 -> fe.avail(ring, rnd.nextInt(8) == 0 ? rnd.nextInt(1 << 16) : rnd.nextInt(SIZE));
                case 4 -> fe.availIdx(ring, rnd.nextInt(1 << 16));
                default -> {
                    // a chain of valid-looking descriptors, possibly looping back
                    int len = 1 + rnd.nextInt(4);
                    for (int j = 0; j < len; j++) {
                        int next = j + 1 < len ? (d + j + 1) % SIZE : rnd.nextInt(4) == 0 ? d : 0;
                        int flags = (j + 1 < len || next == d ? VirtqDescriptor.VRING_DESC_F_NEXT : 0)
                                | (ring == 0 ? VirtqDescriptor.VRING_DESC_F_WRITE : 0);
                        fe.desc(ring, (d + j) % SIZE, fe.buf(j), 12 + rnd.nextInt(500), flags, next);
                    }
                    fe.avail(ring, d);
                }
            }
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void mutatedSessionsAndRingsNeverBreakTheDevice() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int seconds = Integer.getInteger("fuzz.seconds", 20);
        System.out.println("DeviceFuzzTest: seed " + seed + " (replay with -Dfuzz.seed=" + seed + "), " + seconds
                + " s");
        SplittableRandom rnd = new SplittableRandom(seed);
        PacketPool hostPool = PacketPool.create("fuzz-host", 4096);
        PacketPool guestPool = PacketPool.create("fuzz-guest", 4096);
        VhostUserPort port = VhostUserPort.open("vhost-fuzz", VhostUserDeviceOptions.server(SOCK), hostPool, null);
        long rounds = 0;
        long messages = 0;
        long mutations = 0;
        long ringMutations = 0;
        long bursts = 0;
        try {
            port.configure(PortConfig.DEFAULT);
            port.start();
            Packet[] pkts = new Packet[32];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                rounds++;
                try (RawFrontend fe = new RawFrontend(SOCK, SIZE); EventFd efd = EventFd.create()) {
                    List<Msg> session = validSession(fe);
                    for (int k = 0, n = 1 + rnd.nextInt(3); k < n; k++) {
                        mutate(session, rnd);
                        mutations++;
                    }
                    boolean rings = rnd.nextInt(4) != 0;
                    for (Msg m : session) {
                        int[] fds = new int[m.fdKinds().length];
                        for (int k = 0; k < fds.length; k++) {
                            fds[k] = switch (m.fdKinds()[k]) {
                                case 0 -> fe.mem.fd();
                                case 1 -> efd.fd();
                                default -> efd.fd();
                            };
                        }
                        try {
                            fe.sendRaw(m.request(), m.flags(), m.payload(), fds);
                            messages++;
                        } catch (RuntimeException e) {
                            break; // the device closed the connection: fine
                        }
                    }
                    for (int k = 0; k < 4; k++) {
                        if (rings) {
                            mutateRings(fe, rnd);
                            ringMutations++;
                        }
                        int n = port.rxBurst(0, pkts, 0, pkts.length);
                        hostPool.freeBulk(pkts, 0, n);
                        int got = hostPool.allocBulk(pkts, 0, 4);
                        for (int j = 0; j < got; j++) {
                            Frames.fill(pkts[j], Traffic.DST, Traffic.SRC, j, 60 + rnd.nextInt(1400));
                        }
                        int t = port.txBurst(0, pkts, 0, got);
                        hostPool.freeBulk(pkts, t, got - t);
                        bursts += 2;
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (port.device().connected()) {
                    assertTrue(System.nanoTime() < deadline, "round " + rounds + ": the device still holds the "
                            + "closed connection after 3 s (a hang)");
                    Thread.onSpinWait();
                }
            }
            Map<String, Long> faults = new TreeMap<>();
            port.xstats().forEach((k, v) -> {
                if (k.startsWith("fault_") && v > 0) {
                    faults.put(k, v);
                }
            });
            System.out.println("DeviceFuzzTest: seed " + seed + ": " + rounds + " rounds, " + messages
                    + " messages sent, " + mutations + " message mutations, " + ringMutations
                    + " ring mutation batches, " + bursts + " bursts; faults " + faults);
            assertTrue(rounds > 10, "only " + rounds + " rounds");
            // afterwards: a well-behaved front-end is served and passes frames both ways
            VirtioNetPort guest = VirtioNetPort.open("fuzz-guest", VirtioUserOptions.client(SOCK), guestPool, null);
            try {
                guest.configure(PortConfig.DEFAULT.withRingSize(256));
                guest.start();
                Traffic.await(port::linkUp, "link up with the fresh front-end");
                BitSet atHost = new BitSet();
                assertEquals(500, Traffic.send(guest, 0, guestPool, 0, 500, 64, port, atHost));
                Traffic.drainUntil(port, 0, atHost, 500);
                assertEquals(500, atHost.cardinality());
                BitSet atGuest = new BitSet();
                assertEquals(500, Traffic.send(port, 0, hostPool, 0, 500, 64, guest, atGuest));
                Traffic.drainUntil(guest, 0, atGuest, 500);
                assertEquals(500, atGuest.cardinality());
            } finally {
                guest.close();
            }
        } finally {
            port.close();
            int hostLeft = hostPool.inUse();
            int guestLeft = guestPool.inUse();
            hostPool.close();
            guestPool.close();
            assertEquals(0, hostLeft, "host buffers leaked");
            assertEquals(0, guestLeft, "guest buffers leaked");
            assertFalse(Files.exists(Path.of(SOCK)));
        }
        assertTrue(MemorySegment.NULL.byteSize() == 0);
    }
}

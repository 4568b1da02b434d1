package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The peer on the "network": one thread that polls every host-side port (both hosts' VF and virtio paths), counts
 * every frame per path and direction, counts the guest's numbered frames, and sends numbered frames of its own to
 * the guest at a paced rate. Like a learning switch it sends them on the path where it last saw a frame from the
 * guest's MAC (the guest's traffic, the failover port's announcements after a switch, a host's announcement after a
 * migration); what TX refuses waits and goes out on whatever path is learned by the next try, so nothing is dropped.
 */
public final class Peer {
    /** Backlog of the peer's sender. */
    public static final int BACKLOG = 8192;
    /**
     * How long the guest's frames must keep arriving on a new path, and on no other, before the move is reported:
     * while the guest switches, frames still arrive on the old path too and the switch's table flips back and forth
     * (as a real one does); the timeline reports the move once it settles, or at once on an announcement.
     */
    static final long REPORT_SETTLE_NANOS = 5_000_000;

    /** How long the thread parks when a round found nothing to do. */
    static final long IDLE_PARK_NANOS = 20_000;

    private final List<HostPort> paths;
    private final long guestMac;
    private final int echoPort;
    private final PacedSender sender;
    private final SequenceTracker received = new SequenceTracker(Guest.WINDOW);
    private final AtomicLongArray rxFrames;
    private final AtomicLongArray txFrames;
    private final AtomicInteger learned = new AtomicInteger(-1);
    private final BiConsumer<String, String> onLearned;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopGenerating;
    private volatile boolean stop;
    private volatile int unsent = -1;
    private Thread thread;

    /**
     * @param paths     every host-side port, in the order of the per-path counters
     * @param peerMac   the peer's own MAC
     * @param guestMac  the guest's MAC
     * @param pool      the network side's packet memory
     * @param ratePps   frames per second it sends to the guest
     * @param onLearned told (path, what taught it) when the guest's MAC moves to another path; called on the peer's
     *                  thread
     */
    public Peer(List<HostPort> paths, MacAddress peerMac, MacAddress guestMac, PacketPool pool, long ratePps,
                BiConsumer<String, String> onLearned) {
        this(paths, peerMac, guestMac, pool, ratePps, null, onLearned);
    }

    /**
     * A peer that sends numbered UDP echo requests ({@link DemoFrames#udpEchoRequest}) to the guest's echo service
     * instead of the demo's frames, and counts the numbered replies in {@link #received()}.
     *
     * @param paths     every host-side port, in the order of the per-path counters
     * @param peerMac   the peer's own MAC
     * @param guestMac  the guest's MAC
     * @param pool      the network side's packet memory
     * @param ratePps   requests per second
     * @param echo      the peer's and the service's IPv4 addresses and UDP ports; null: the demo's own frames
     * @param onLearned as for the other constructor
     */
    public Peer(List<HostPort> paths, MacAddress peerMac, MacAddress guestMac, PacketPool pool, long ratePps,
                Echo echo, BiConsumer<String, String> onLearned) {
        this.paths = List.copyOf(paths);
        this.guestMac = guestMac.toLong();
        this.echoPort = echo == null ? -1 : echo.servicePort();
        this.sender = echo == null
                ? new PacedSender(pool, DemoFrames.template(guestMac, peerMac, DemoFrames.STREAM_TO_GUEST), ratePps,
                        BACKLOG)
                : new PacedSender(pool, DemoFrames.udpEchoRequest(guestMac, peerMac, echo.peerIp(), echo.serviceIp(),
                        echo.peerPort(), echo.servicePort()), DemoFrames.UDP_OFF_SEQ, ratePps, BACKLOG);
        this.rxFrames = new AtomicLongArray(paths.size());
        this.txFrames = new AtomicLongArray(paths.size());
        this.onLearned = onLearned;
    }

    /** Starts the peer's thread. */
    public void start() {
        HostPort[] ports = paths.toArray(new HostPort[0]);
        int[] at = {-1};
        int[] reported = {-1};
        int[] streakPath = {-1};
        long[] streakSince = {0};
        PacedSender.Tx tx = (pkts, off, n) -> {
            int path = at[0];
            if (path < 0) {
                return 0; // the guest's MAC is not known anywhere yet
            }
            int took = ports[path].txBurst(pkts, off, n);
            if (took > 0) {
                txFrames.setOpaque(path, txFrames.getPlain(path) + took); // opaque: read by the sampler
            }
            return took;
        };
        thread = Thread.ofPlatform().name("demo-peer").start(() -> {
            Packet[] rx = new Packet[64];
            sender.start(System.nanoTime());
            try {
                while (!stop) {
                    int work = 0;
                    for (int i = 0; i < ports.length; i++) {
                        int n = ports[i].rxBurst(rx, 0, rx.length);
                        if (n > 0) {
                            work += n;
                            rxFrames.setOpaque(i, rxFrames.getPlain(i) + n); // opaque: read by the sampler
                            for (int k = 0; k < n; k++) {
                                Packet p = rx[k];
                                if (DemoFrames.sourceMac(p) == guestMac) {
                                    at[0] = i; // a learning switch: the last frame from the MAC says where it is
                                    int type = DemoFrames.etherType(p);
                                    boolean announcement = type == DemoFrames.ETHERTYPE_RARP || type == 0x0806;
                                    if (streakPath[0] != i) {
                                        streakPath[0] = i;
                                        streakSince[0] = System.nanoTime();
                                    }
                                    if (i != reported[0] && (announcement
                                            || System.nanoTime() - streakSince[0] >= REPORT_SETTLE_NANOS)) {
                                        reported[0] = i;
                                        learned.setRelease(i); // release: after the counters it was learned from
                                        onLearned.accept(ports[i].path(), what(p));
                                    }
                                    if (echoPort < 0) {
                                        if (DemoFrames.stream(p) == DemoFrames.STREAM_TO_NETWORK) {
                                            received.onReceive(DemoFrames.sequence(p));
                                        }
                                    } else {
                                        long seq = DemoFrames.udpEchoReplySequence(p, echoPort);
                                        if (seq >= 0) {
                                            received.onReceive(seq);
                                        }
                                    }
                                }
                                rx[k] = null;
                                p.free();
                            }
                        }
                    }
                    for (int i = 0; i < ports.length; i++) {
                        if (i != at[0]) {
                            ports[i].txBurst(rx, 0, 0); // empty: repeats a kick an AF_PACKET port had deferred
                        }
                    }
                    if (stopGenerating) {
                        sender.stopGenerating();
                    }
                    sender.generate(System.nanoTime());
                    work += sender.send(tx);
                    if (work == 0) {
                        LockSupport.parkNanos(IDLE_PARK_NANOS); // leave the CPU to the guest's control thread
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                unsent = sender.discardBacklog();
            }
        });
    }

    /**
     * The UDP echo the peer talks to.
     *
     * @param peerIp      the peer's IPv4 address, network order
     * @param peerPort    the peer's UDP port
     * @param serviceIp   the guest's echo service's address
     * @param servicePort its UDP port
     */
    public record Echo(int peerIp, int peerPort, int serviceIp, int servicePort) {
    }

    private static String what(Packet p) {
        int type = DemoFrames.etherType(p);
        return switch (type) {
            case DemoFrames.ETHERTYPE_RARP -> "RARP";
            case 0x0806 -> "ARP";
            case DemoFrames.ETHERTYPE -> "traffic";
            case 0x0800 -> "UDP echo replies";
            default -> String.format("EtherType 0x%04x", type);
        };
    }

    /** Generates no more frames; the backlog is still sent. */
    public void stopGenerating() {
        stopGenerating = true;
    }

    /**
     * Stops the thread.
     *
     * @throws InterruptedException if interrupted
     */
    public void stop() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.join(10_000);
            if (thread.isAlive()) {
                throw new IllegalStateException("peer: its thread did not stop within 10 s");
            }
        }
    }

    /** @return the paths, in counter order */
    public List<HostPort> paths() {
        return paths;
    }

    /**
     * @param path a path's index
     * @return frames received from the guest on it (every frame, announcements included)
     */
    public long rxFrames(int path) {
        return rxFrames.getOpaque(path);
    }

    /**
     * @param path a path's index
     * @return frames sent to the guest on it
     */
    public long txFrames(int path) {
        return txFrames.getOpaque(path);
    }

    /** @return the path index last reported as where the guest's MAC lives, or -1 */
    public int learnedPath() {
        return learned.getAcquire();
    }

    /** @return the peer's sender (frames to the guest) */
    public PacedSender sender() {
        return sender;
    }

    /** @return what arrived of the guest's numbered frames */
    public SequenceTracker received() {
        return received;
    }

    /** @return frames numbered but never taken by TX (after {@link #stop()}), or -1 */
    public int unsent() {
        return unsent;
    }

    /** @return what the thread threw, or null */
    public Throwable failure() {
        return failure.get();
    }
}

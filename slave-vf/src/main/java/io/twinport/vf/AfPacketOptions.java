package io.twinport.vf;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How an {@link AfPacketPort} sets up its sockets and rings. Every key lives here with its default and is
 * validated once, in {@link #parse} or the constructor (Aeron's {@code Configuration}: a {@code *_KEY} and a
 * {@code *_DEFAULT} per option). Keys are DPDK {@code net_af_packet}'s where it has one.
 *
 * @param queues         {@value #QUEUES_KEY}: most RX and most TX queues the port offers ({@code PortInfo}'s maximum;
 *                       the configuration picks how many are used)
 * @param frameSize      {@value #FRAME_SIZE_KEY}: bytes per ring frame (header included), a multiple of 16
 * @param frameCount     {@value #FRAME_COUNT_KEY}: frames per ring (each RX and each TX queue has one ring);
 *                       0 takes the ring size of the {@link io.twinport.port.PortConfig}
 * @param blockSize      {@value #BLOCK_SIZE_KEY}: bytes per ring block, a multiple of 4096 and of the frame size
 * @param blockTimeoutMs {@value #BLOCK_TIMEOUT_KEY}: TPACKET_V3 RX block retire timeout: a block that is not full
 *                       is handed to user space after this many milliseconds
 * @param qdiscBypass    {@value #QDISC_BYPASS_KEY}: {@code PACKET_QDISC_BYPASS} on the TX sockets
 * @param fanout         {@value #FANOUT_KEY}: how frames are spread over RX queues ({@code PACKET_FANOUT} mode)
 * @param idle           {@value #IDLE_KEY}: what {@link AfPacketPort#idleStrategy} does when a queue is idle
 * @param idleSpins      {@value #IDLE_SPINS_KEY}: empty polls spent spinning before the idle strategy backs off
 * @param pollTimeoutMs  {@value #POLL_TIMEOUT_KEY}: longest sleep of the idle strategy, in milliseconds
 * @param rxVersion      {@value #RX_VERSION_KEY}: the RX ring's TPACKET version, 3 (blocks: throughput) or 2 (one
 *                       frame at a time: no block timeout, so no added latency at low rates)
 */
public record AfPacketOptions(int queues, int frameSize, int frameCount, int blockSize, int blockTimeoutMs, boolean qdiscBypass,
                              Fanout fanout, Idle idle, int idleSpins, int pollTimeoutMs,
                              int rxVersion) {
    /** Key of {@link #queues()}. */
    public static final String QUEUES_KEY = "queues";
    /** Default: {@value #MAX_QUEUES} queues at most. */
    public static final int QUEUES_DEFAULT = 16;
    /** The most queues a port can offer. */
    public static final int MAX_QUEUES = 16;
    /** Key of {@link #frameSize()}. */
    public static final String FRAME_SIZE_KEY = "framesz";
    /** Default frame size: a 1500-byte MTU frame and the TPACKET headers fit. */
    public static final int FRAME_SIZE_DEFAULT = 2048;
    /** Key of {@link #frameCount()}. */
    public static final String FRAME_COUNT_KEY = "framecnt";
    /** Default frame count: 0, the port configuration's ring size. */
    public static final int FRAME_COUNT_DEFAULT = 0;
    /** Key of {@link #blockSize()}. */
    public static final String BLOCK_SIZE_KEY = "blocksz";
    /** Default block size: 64 KiB (32 frames of 2 KiB; about 450 64-byte frames in a V3 RX block). */
    public static final int BLOCK_SIZE_DEFAULT = 64 * 1024;
    /** Key of {@link #blockTimeoutMs()}. */
    public static final String BLOCK_TIMEOUT_KEY = "blocktov";
    /** Default block retire timeout: 1 ms, the kernel's smallest. */
    public static final int BLOCK_TIMEOUT_DEFAULT = 1;
    /** Key of {@link #qdiscBypass()}. */
    public static final String QDISC_BYPASS_KEY = "qdisc_bypass";
    /** Default: bypass the qdisc, as DPDK's {@code net_af_packet} does. */
    public static final boolean QDISC_BYPASS_DEFAULT = true;
    /** Key of {@link #fanout()}. */
    public static final String FANOUT_KEY = "fanout";
    /** Default fanout mode: by flow hash. */
    public static final Fanout FANOUT_DEFAULT = Fanout.HASH;
    /** Key of {@link #idle()}. */
    public static final String IDLE_KEY = "idle";
    /** Default idle strategy: spin, then {@code poll(2)} the RX socket (two cores: never spin forever). */
    public static final Idle IDLE_DEFAULT = Idle.POLL;
    /** Key of {@link #idleSpins()}. */
    public static final String IDLE_SPINS_KEY = "idle_spins";
    /** Default spins before backing off. */
    public static final int IDLE_SPINS_DEFAULT = 100;
    /** Key of {@link #pollTimeoutMs()}. */
    public static final String POLL_TIMEOUT_KEY = "poll_timeout";
    /** Default longest idle sleep: 10 ms. */
    public static final int POLL_TIMEOUT_DEFAULT = 10;

    /** Key of {@link #rxVersion()}. */
    public static final String RX_VERSION_KEY = "rxversion";
    /** Default RX ring version: TPACKET_V3. */
    public static final int RX_VERSION_DEFAULT = 3;

    /** Every option at its default. */
    public static final AfPacketOptions DEFAULT = new AfPacketOptions(QUEUES_DEFAULT, FRAME_SIZE_DEFAULT, FRAME_COUNT_DEFAULT,
            BLOCK_SIZE_DEFAULT, BLOCK_TIMEOUT_DEFAULT, QDISC_BYPASS_DEFAULT, FANOUT_DEFAULT, IDLE_DEFAULT,
            IDLE_SPINS_DEFAULT, POLL_TIMEOUT_DEFAULT, RX_VERSION_DEFAULT);

    /** The keys {@link #parse} knows. */
    public static final Set<String> KEYS = Set.of(QUEUES_KEY, FRAME_SIZE_KEY, FRAME_COUNT_KEY, BLOCK_SIZE_KEY,
            BLOCK_TIMEOUT_KEY, QDISC_BYPASS_KEY, FANOUT_KEY, IDLE_KEY, IDLE_SPINS_KEY, POLL_TIMEOUT_KEY,
            RX_VERSION_KEY);

    /** How frames are spread over the RX queues ({@code PACKET_FANOUT_*}). */
    public enum Fanout {
        /** {@code PACKET_FANOUT_HASH}: by flow hash, a flow stays on one queue. */
        HASH(PacketRingDescriptor.PACKET_FANOUT_HASH),
        /** {@code PACKET_FANOUT_LB}: round robin (reorders flows). */
        LB(PacketRingDescriptor.PACKET_FANOUT_LB),
        /** {@code PACKET_FANOUT_CPU}: by the CPU the frame arrived on. */
        CPU(PacketRingDescriptor.PACKET_FANOUT_CPU),
        /** {@code PACKET_FANOUT_QM}: by the device's own RX queue (a multi-queue VF's RSS). */
        QM(PacketRingDescriptor.PACKET_FANOUT_QM);

        private final int mode;

        Fanout(int mode) {
            this.mode = mode;
        }

        /** @return the {@code PACKET_FANOUT_*} value */
        public int mode() {
            return mode;
        }
    }

    /** What a queue's idle strategy does after its spins. */
    public enum Idle {
        /** Spin forever ({@link Thread#onSpinWait()}): lowest latency, burns a core. */
        SPIN,
        /** Spin, then {@code poll(2)} the queue's RX socket: woken by the kernel when a block is ready. */
        POLL,
        /** Spin, then yield, then park with exponential back-off up to the poll timeout. */
        PARK
    }

    /** Checks the values; messages name the key and the value. */
    public AfPacketOptions {
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException(QUEUES_KEY + "=" + queues + ": must be 1 to " + MAX_QUEUES);
        }
        if (frameSize < 128 || frameSize % PacketRingDescriptor.TPACKET_ALIGNMENT != 0) {
            throw new IllegalArgumentException(FRAME_SIZE_KEY + "=" + frameSize
                    + ": must be a multiple of 16, at least 128");
        }
        if (blockSize < 4096 || blockSize % 4096 != 0 || blockSize % frameSize != 0) {
            throw new IllegalArgumentException(BLOCK_SIZE_KEY + "=" + blockSize + ": must be a multiple of 4096 and"
                    + " of " + FRAME_SIZE_KEY + "=" + frameSize);
        }
        if (frameCount < 0 || frameCount > (1 << 20)) {
            throw new IllegalArgumentException(FRAME_COUNT_KEY + "=" + frameCount
                    + ": must be 0 (the ring size) or 1 to 1048576");
        }
        if (blockTimeoutMs < 1 || blockTimeoutMs > 1000) {
            throw new IllegalArgumentException(BLOCK_TIMEOUT_KEY + "=" + blockTimeoutMs + ": must be 1 to 1000 ms");
        }
        if (idleSpins < 0) {
            throw new IllegalArgumentException(IDLE_SPINS_KEY + "=" + idleSpins + ": must be >= 0");
        }
        if (pollTimeoutMs < 1 || pollTimeoutMs > 10_000) {
            throw new IllegalArgumentException(POLL_TIMEOUT_KEY + "=" + pollTimeoutMs + ": must be 1 to 10000 ms");
        }
        if (rxVersion != 2 && rxVersion != 3) {
            throw new IllegalArgumentException(RX_VERSION_KEY + "=" + rxVersion + ": must be 2 or 3");
        }
        java.util.Objects.requireNonNull(fanout, FANOUT_KEY);
        java.util.Objects.requireNonNull(idle, IDLE_KEY);
    }

    /**
     * Parses {@code key=value} options on top of the defaults.
     *
     * @param options the options; keys not in {@link #KEYS} are refused
     * @return the options
     * @throws IllegalArgumentException naming the key and value that is wrong
     */
    public static AfPacketOptions parse(Map<String, String> options) {
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown afpacket option(s) " + unknown + "; known: "
                    + new TreeSet<>(KEYS));
        }
        return new AfPacketOptions(
                intOpt(options, QUEUES_KEY, QUEUES_DEFAULT),
                intOpt(options, FRAME_SIZE_KEY, FRAME_SIZE_DEFAULT),
                intOpt(options, FRAME_COUNT_KEY, FRAME_COUNT_DEFAULT),
                intOpt(options, BLOCK_SIZE_KEY, BLOCK_SIZE_DEFAULT),
                intOpt(options, BLOCK_TIMEOUT_KEY, BLOCK_TIMEOUT_DEFAULT),
                boolOpt(options, QDISC_BYPASS_KEY, QDISC_BYPASS_DEFAULT),
                enumOpt(options, FANOUT_KEY, Fanout.class, FANOUT_DEFAULT),
                enumOpt(options, IDLE_KEY, Idle.class, IDLE_DEFAULT),
                intOpt(options, IDLE_SPINS_KEY, IDLE_SPINS_DEFAULT),
                intOpt(options, POLL_TIMEOUT_KEY, POLL_TIMEOUT_DEFAULT),
                intOpt(options, RX_VERSION_KEY, RX_VERSION_DEFAULT));
    }

    private static int intOpt(Map<String, String> o, String key, int dflt) {
        String v = o.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + ": not an integer", e);
        }
    }

    private static boolean boolOpt(Map<String, String> o, String key, boolean dflt) {
        String v = o.get(key);
        if (v == null) {
            return dflt;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "on", "yes" -> true;
            case "0", "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException(key + "=" + v + ": must be 0 or 1");
        };
    }

    private static <E extends Enum<E>> E enumOpt(Map<String, String> o, String key, Class<E> type, E dflt) {
        String v = o.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + v + ": must be one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), e);
        }
    }

    /**
     * @param ringSize the port configuration's ring size
     * @return the frames per ring these options give for it
     */
    public int framesFor(int ringSize) {
        return frameCount == 0 ? ringSize : frameCount;
    }

    /** @return the largest frame a TX ring frame holds */
    public int maxTxFrame() {
        return frameSize - PacketRingDescriptor.TX_DATA_OFFSET;
    }

    /**
     * @return the largest frame an RX ring holds: a V3 block less its descriptor and the packet header, or a V2
     *         frame less its header (the kernel truncates longer ones, and the port drops truncated frames)
     */
    public int maxRxFrame() {
        if (rxVersion == 2) {
            // a V2 frame holds the header, then the packet at TPACKET_ALIGN(hdrlen + 16) - 14 (af_packet.c)
            return frameSize - PacketRingDescriptor.tpacketAlign(PacketRingDescriptor.TPACKET2_HDRLEN + 16);
        }
        return blockSize - PacketRingDescriptor.BLOCK_DESC_SIZE
                - PacketRingDescriptor.tpacketAlign(PacketRingDescriptor.TPACKET3_HDRLEN) - 16;
    }
}

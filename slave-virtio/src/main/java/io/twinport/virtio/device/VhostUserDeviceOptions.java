package io.twinport.virtio.device;

import io.twinport.policy.MacAddress;
import io.twinport.virtio.VirtioUserDevice;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static io.twinport.virtio.VirtioNetFeatureBits.VHOST_USER_F_PROTOCOL_FEATURES;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_EVENT_IDX;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_VERSION_1;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_GUEST_ANNOUNCE;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MAC;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MQ;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STANDBY;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_STATUS;

/**
 * The settings of a vhost-user device (the host side), each key with its default in one place; key names follow
 * DPDK's {@code net_vhost} where it has them ({@code iface}, {@code queues}, {@code client}). Validated here.
 *
 * @param iface            the vhost-user socket path
 * @param queues           queue pairs offered (GET_QUEUE_NUM, max_virtqueue_pairs), 1 to {@value #QUEUES_MAX}
 * @param client           true: connect to a front-end listening on iface (and reconnect, with a bounded backoff);
 *                         false: listen on iface and accept one front-end at a time
 * @param failover         true: offer VIRTIO_NET_F_STANDBY and VIRTIO_NET_F_MAC, as QEMU's failover=on does
 * @param mac              the MAC in the config space, or null: derived from iface (02:74:70:xx:xx:xx)
 * @param mergeable        offer VIRTIO_NET_F_MRG_RXBUF
 * @param extraFeatures    feature bits offered on top of the defaults (library users; 0 for none)
 * @param reconnectMaxMillis client mode: the longest wait between two connection attempts
 */
public record VhostUserDeviceOptions(String iface, int queues, boolean client, boolean failover, MacAddress mac,
                                     boolean mergeable, long extraFeatures, int reconnectMaxMillis) {
    /** Key: socket path. */
    public static final String IFACE = "iface";
    /** Key: queue pairs. */
    public static final String QUEUES = "queues";
    /** Default queue pairs. */
    public static final int QUEUES_DEFAULT = 1;
    /** Most queue pairs (vring indices are 8 bits in SET_VRING_KICK/CALL: 128 vrings). */
    public static final int QUEUES_MAX = 64;
    /** Key: client mode. */
    public static final String CLIENT = "client";
    /** Key: failover (offer STANDBY and MAC). */
    public static final String FAILOVER = "failover";
    /** Key: the MAC address. */
    public static final String MAC = "mac";
    /** Key: offer mergeable receive buffers. */
    public static final String MRG_RXBUF = "mrg_rxbuf";
    /** Default: offered. */
    public static final boolean MRG_RXBUF_DEFAULT = true;
    /** Default longest wait between connection attempts in client mode (DPDK's vhost client retries every 1 s). */
    public static final int RECONNECT_MAX_DEFAULT = 1_000;
    /** First wait between connection attempts in client mode; doubles up to the maximum. */
    public static final int RECONNECT_MIN_MILLIS = 10;
    /** Bits a caller may not add through extraFeatures: what this device does not implement. */
    public static final long NOT_IMPLEMENTED = (1L << 26) /* LOG_ALL */ | (1L << 28) /* INDIRECT_DESC */
            | (1L << 34) /* RING_PACKED */ | (1L << 35) /* IN_ORDER */ | (1L << 33) /* ACCESS_PLATFORM */
            | (1L << 17) /* CTRL_VQ: the front-end's business */ | 0x7FFL /* offloads */;

    /** Checks the values. */
    public VhostUserDeviceOptions {
        Objects.requireNonNull(iface, "iface");
        int n = iface.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > 107) {
            throw new IllegalArgumentException("vhost: iface '" + iface + "' must be a socket path of 1 to 107 bytes");
        }
        if (queues < 1 || queues > QUEUES_MAX) {
            throw new IllegalArgumentException("vhost " + iface + ": queues " + queues + " out of range [1, "
                    + QUEUES_MAX + "]");
        }
        if (mac != null && (mac.isMulticast() || mac.isZero())) {
            throw new IllegalArgumentException("vhost " + iface + ": mac " + mac + " must be a non-zero unicast address");
        }
        if ((extraFeatures & NOT_IMPLEMENTED) != 0) {
            throw new IllegalArgumentException("vhost " + iface + ": extra features 0x" + Long.toHexString(extraFeatures)
                    + " include bits this device does not implement (0x"
                    + Long.toHexString(extraFeatures & NOT_IMPLEMENTED) + ")");
        }
        if (reconnectMaxMillis < RECONNECT_MIN_MILLIS) {
            throw new IllegalArgumentException("vhost " + iface + ": reconnect maximum " + reconnectMaxMillis
                    + " ms must be at least " + RECONNECT_MIN_MILLIS + " ms");
        }
    }

    /**
     * @param iface the socket path
     * @return server mode (listen), one queue pair, the defaults
     */
    public static VhostUserDeviceOptions server(String iface) {
        return new VhostUserDeviceOptions(iface, QUEUES_DEFAULT, false, false, null, MRG_RXBUF_DEFAULT, 0,
                RECONNECT_MAX_DEFAULT);
    }

    /**
     * @param iface the front-end's socket path
     * @return client mode (connect to a front-end that listens), one queue pair, the defaults
     */
    public static VhostUserDeviceOptions client(String iface) {
        return server(iface).withClient(true);
    }

    /**
     * @param n queue pairs
     * @return a copy
     */
    public VhostUserDeviceOptions withQueues(int n) {
        return new VhostUserDeviceOptions(iface, n, client, failover, mac, mergeable, extraFeatures,
                reconnectMaxMillis);
    }

    /**
     * @param on client mode
     * @return a copy
     */
    public VhostUserDeviceOptions withClient(boolean on) {
        return new VhostUserDeviceOptions(iface, queues, on, failover, mac, mergeable, extraFeatures,
                reconnectMaxMillis);
    }

    /**
     * @param on offer STANDBY and MAC
     * @return a copy
     */
    public VhostUserDeviceOptions withFailover(boolean on) {
        return new VhostUserDeviceOptions(iface, queues, client, on, mac, mergeable, extraFeatures,
                reconnectMaxMillis);
    }

    /**
     * @param address the MAC, or null
     * @return a copy
     */
    public VhostUserDeviceOptions withMac(MacAddress address) {
        return new VhostUserDeviceOptions(iface, queues, client, failover, address, mergeable, extraFeatures,
                reconnectMaxMillis);
    }

    /**
     * @param on offer MRG_RXBUF
     * @return a copy
     */
    public VhostUserDeviceOptions withMergeable(boolean on) {
        return new VhostUserDeviceOptions(iface, queues, client, failover, mac, on, extraFeatures,
                reconnectMaxMillis);
    }

    /**
     * @param bits extra feature bits to offer
     * @return a copy
     */
    public VhostUserDeviceOptions withExtraFeatures(long bits) {
        return new VhostUserDeviceOptions(iface, queues, client, failover, mac, mergeable, bits, reconnectMaxMillis);
    }

    /**
     * @param millis longest wait between connection attempts
     * @return a copy
     */
    public VhostUserDeviceOptions withReconnectMax(int millis) {
        return new VhostUserDeviceOptions(iface, queues, client, failover, mac, mergeable, extraFeatures, millis);
    }

    /** @return the MAC of the config space: the option, else one derived from iface */
    public MacAddress effectiveMac() {
        return mac != null ? mac : VirtioUserDevice.derivedMac(iface);
    }

    /**
     * @return the virtio features the device offers in GET_FEATURES: VERSION_1, EVENT_IDX, STATUS, GUEST_ANNOUNCE,
     *         the protocol-features bit 30, MRG_RXBUF (if mergeable), MQ (if queues &gt; 1), MAC (if a MAC was
     *         given or failover), STANDBY (if failover), and the extra bits
     */
    public long offeredFeatures() {
        long f = VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_GUEST_ANNOUNCE
                | VHOST_USER_F_PROTOCOL_FEATURES;
        if (mergeable) {
            f |= VIRTIO_NET_F_MRG_RXBUF;
        }
        if (queues > 1) {
            f |= VIRTIO_NET_F_MQ;
        }
        if (mac != null || failover) {
            f |= VIRTIO_NET_F_MAC;
        }
        if (failover) {
            f |= VIRTIO_NET_F_STANDBY;
        }
        return f | extraFeatures;
    }
}

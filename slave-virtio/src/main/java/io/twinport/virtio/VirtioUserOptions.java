package io.twinport.virtio;

import io.twinport.policy.MacAddress;

import java.util.Objects;

/**
 * The settings of a virtio-user port, each key with its default in one place (Aeron's {@code Configuration} style);
 * key names follow DPDK's {@code net_virtio_user} where it has one. Validated once, here.
 *
 * @param path              vhost-user socket path
 * @param queues            most queue pairs (max_virtqueue_pairs)
 * @param server            true: listen on path and let the back-end connect (and reconnect); false: connect
 * @param failover          true: the device model offers VIRTIO_NET_F_STANDBY, as QEMU's failover=on
 * @param mac               the device's MAC address, or null (from the back-end's config space, else derived from
 *                          the path)
 * @param queueSize         descriptors per queue
 * @param mergeable         accept VIRTIO_NET_F_MRG_RXBUF
 * @param connectTimeoutMillis how long to wait for the back-end when the port opens
 * @param replyTimeoutMillis   how long to wait for each vhost-user reply
 */
public record VirtioUserOptions(String path, int queues, boolean server, boolean failover, MacAddress mac,
                                int queueSize, boolean mergeable, int connectTimeoutMillis,
                                int replyTimeoutMillis) {
    /** Key: socket path. */
    public static final String PATH = "path";
    /** Key: queue pairs. */
    public static final String QUEUES = "queues";
    /** Default queue pairs. */
    public static final int QUEUES_DEFAULT = 1;
    /** Most queue pairs this driver sets up (a vhost-user kick/call pair per queue). */
    public static final int QUEUES_MAX = 64;
    /** Key: server mode. */
    public static final String SERVER = "server";
    /** Default: client mode. */
    public static final boolean SERVER_DEFAULT = false;
    /** Key: failover (offer STANDBY). */
    public static final String FAILOVER = "failover";
    /** Default: off. */
    public static final boolean FAILOVER_DEFAULT = false;
    /** Key: MAC address. */
    public static final String MAC = "mac";
    /** Key: queue size. */
    public static final String QUEUE_SIZE = "queue_size";
    /** Default queue size. */
    public static final int QUEUE_SIZE_DEFAULT = 256;
    /** Key: mergeable receive buffers. */
    public static final String MRG_RXBUF = "mrg_rxbuf";
    /** Default: on. */
    public static final boolean MRG_RXBUF_DEFAULT = true;
    /** Key: how long to wait for the back-end to be there when the port opens, in ms. */
    public static final String CONNECT_TIMEOUT = "connect_timeout_ms";
    /** Default connect timeout. */
    public static final int CONNECT_TIMEOUT_DEFAULT = 10_000;
    /** Default reply timeout. */
    public static final int REPLY_TIMEOUT_DEFAULT = 5_000;

    /** Checks the values. */
    public VirtioUserOptions {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.length() >= 108) {
            throw new IllegalArgumentException("virtio-user: path '" + path + "' must be 1 to 107 bytes");
        }
        if (queues < 1 || queues > QUEUES_MAX) {
            throw new IllegalArgumentException("virtio-user " + path + ": queues " + queues + " out of range [1, "
                    + QUEUES_MAX + "]");
        }
        if (queueSize < 2 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("virtio-user " + path + ": queue_size " + queueSize
                    + " must be a power of two in [2, 32768]");
        }
        if (mac != null && (mac.isMulticast() || mac.isZero())) {
            throw new IllegalArgumentException("virtio-user " + path + ": mac " + mac
                    + " must be a non-zero unicast address");
        }
        if (connectTimeoutMillis < 0 || replyTimeoutMillis <= 0) {
            throw new IllegalArgumentException("virtio-user " + path + ": timeouts must be positive");
        }
    }

    /**
     * @param path the socket
     * @return client mode, one queue pair, the defaults
     */
    public static VirtioUserOptions client(String path) {
        return new VirtioUserOptions(path, QUEUES_DEFAULT, false, FAILOVER_DEFAULT, null, QUEUE_SIZE_DEFAULT,
                MRG_RXBUF_DEFAULT, CONNECT_TIMEOUT_DEFAULT, REPLY_TIMEOUT_DEFAULT);
    }

    /**
     * @param n queue pairs
     * @return a copy with that many
     */
    public VirtioUserOptions withQueues(int n) {
        return new VirtioUserOptions(path, n, server, failover, mac, queueSize, mergeable, connectTimeoutMillis,
                replyTimeoutMillis);
    }

    /**
     * @param on server mode
     * @return a copy
     */
    public VirtioUserOptions withServer(boolean on) {
        return new VirtioUserOptions(path, queues, on, failover, mac, queueSize, mergeable, connectTimeoutMillis,
                replyTimeoutMillis);
    }

    /**
     * @param on failover
     * @return a copy
     */
    public VirtioUserOptions withFailover(boolean on) {
        return new VirtioUserOptions(path, queues, server, on, mac, queueSize, mergeable, connectTimeoutMillis,
                replyTimeoutMillis);
    }

    /**
     * @param address the MAC, or null
     * @return a copy
     */
    public VirtioUserOptions withMac(MacAddress address) {
        return new VirtioUserOptions(path, queues, server, failover, address, queueSize, mergeable,
                connectTimeoutMillis, replyTimeoutMillis);
    }

    /**
     * @param on accept MRG_RXBUF
     * @return a copy
     */
    public VirtioUserOptions withMergeable(boolean on) {
        return new VirtioUserOptions(path, queues, server, failover, mac, queueSize, on, connectTimeoutMillis,
                replyTimeoutMillis);
    }

    /**
     * @param size descriptors per queue
     * @return a copy
     */
    public VirtioUserOptions withQueueSize(int size) {
        return new VirtioUserOptions(path, queues, server, failover, mac, size, mergeable, connectTimeoutMillis,
                replyTimeoutMillis);
    }

    /**
     * @param connectMillis connect timeout
     * @param replyMillis   reply timeout
     * @return a copy
     */
    public VirtioUserOptions withTimeouts(int connectMillis, int replyMillis) {
        return new VirtioUserOptions(path, queues, server, failover, mac, queueSize, mergeable, connectMillis,
                replyMillis);
    }
}

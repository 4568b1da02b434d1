package io.twinport.virtio.vhost;

/**
 * vhost-user protocol feature bits (vhost-user.rst, "Protocol features"), negotiated with GET/SET_PROTOCOL_FEATURES
 * once the back-end announced {@link #VHOST_USER_F_PROTOCOL_FEATURES} in its virtio features.
 */
public enum VhostUserProtocolFeature {
    /** 0: multiple queues, GET_QUEUE_NUM. */
    MQ(0),
    /** 1: logging through a shared memory fd. */
    LOG_SHMFD(1),
    /** 2: SEND_RARP. */
    RARP(2),
    /** 3: need_reply flag on any request, answered with a u64 ack (vhost-user.rst, "REPLY_ACK"). */
    REPLY_ACK(3),
    /** 4: NET_SET_MTU. */
    NET_MTU(4),
    /** 5: back-end request channel (SLAVE_REQ in older documents). */
    BACKEND_REQ(5),
    /** 6: SET_VRING_ENDIAN. */
    CROSS_ENDIAN(6),
    /** 7: crypto sessions. */
    CRYPTO_SESSION(7),
    /** 8: postcopy. */
    PAGEFAULT(8),
    /** 9: GET_CONFIG / SET_CONFIG. */
    CONFIG(9),
    /** 10: file descriptors on the back-end channel. */
    BACKEND_SEND_FD(10),
    /** 11: host notifiers. */
    HOST_NOTIFIER(11),
    /** 12: inflight I/O tracking. */
    INFLIGHT_SHMFD(12),
    /** 13: RESET_DEVICE. */
    RESET_DEVICE(13),
    /** 14: in-band notifications. */
    INBAND_NOTIFICATIONS(14),
    /** 15: ADD_MEM_REG / REM_MEM_REG. */
    CONFIGURE_MEM_SLOTS(15),
    /** 16: SET_STATUS / GET_STATUS. */
    STATUS(16);

    /** The virtio feature bit (the reserved bit 30) through which a back-end announces protocol features. */
    public static final int VHOST_USER_F_PROTOCOL_FEATURES = 30;

    private final int bit;

    VhostUserProtocolFeature(int bit) {
        this.bit = bit;
    }

    /** @return the bit number */
    public int bit() {
        return bit;
    }

    /** @return {@code 1L << bit} */
    public long mask() {
        return 1L << bit;
    }

    /**
     * @param features a protocol feature word
     * @return true if this bit is set in it
     */
    public boolean in(long features) {
        return (features & mask()) != 0;
    }

    /**
     * @param features a protocol feature word
     * @return the names of the bits set, e.g. {@code "MQ|REPLY_ACK|bit20"}
     */
    public static String describe(long features) {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < 64; b++) {
            if ((features & (1L << b)) == 0) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append('|');
            }
            String name = "bit" + b;
            for (VhostUserProtocolFeature f : values()) {
                if (f.bit == b) {
                    name = f.name();
                }
            }
            sb.append(name);
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}

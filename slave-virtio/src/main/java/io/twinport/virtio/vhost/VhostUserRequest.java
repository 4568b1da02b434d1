package io.twinport.virtio.vhost;

/**
 * The front-end message types of vhost-user, with the numbers of vhost-user.rst, "Front-end message types"
 * ({@code :id:}). Names drop the {@code VHOST_USER_} prefix. Newer documents renamed the SLAVE_ requests BACKEND_;
 * the numbers are the same.
 */
public enum VhostUserRequest {
    /** 0: not a request. */
    NONE(0, false),
    /** 1: reply payload u64, the back-end's virtio features (bit 30 announces protocol features). */
    GET_FEATURES(1, true),
    /** 2: payload u64, the features the front-end acknowledges. */
    SET_FEATURES(2, false),
    /** 3: "issued when a new connection is established"; marks the sender as the owner of the session. */
    SET_OWNER(3, false),
    /** 4: deprecated. */
    RESET_OWNER(4, false),
    /** 5: memory regions description, one fd per region in the ancillary data. */
    SET_MEM_TABLE(5, false),
    /** 6: logging shared memory. */
    SET_LOG_BASE(6, false),
    /** 7: logging eventfd. */
    SET_LOG_FD(7, false),
    /** 8: vring state description: queue size. */
    SET_VRING_NUM(8, false),
    /** 9: vring address description. */
    SET_VRING_ADDR(9, false),
    /** 10: vring state description: the next available index the back-end processes. */
    SET_VRING_BASE(10, false),
    /** 11: vring state description; reply: the available index the back-end stopped at. Stops the ring. */
    GET_VRING_BASE(11, true),
    /** 12: u64 (vring index, bit 8 = no fd), kick eventfd in the ancillary data. */
    SET_VRING_KICK(12, false),
    /** 13: u64 (vring index, bit 8 = no fd), call eventfd in the ancillary data. */
    SET_VRING_CALL(13, false),
    /** 14: u64 (vring index, bit 8 = no fd), error eventfd in the ancillary data. */
    SET_VRING_ERR(14, false),
    /** 15: reply u64, the protocol features. */
    GET_PROTOCOL_FEATURES(15, true),
    /** 16: u64, the protocol features acknowledged. */
    SET_PROTOCOL_FEATURES(16, false),
    /** 17: reply u64, the most queues the back-end supports (with PROTOCOL_F_MQ). */
    GET_QUEUE_NUM(17, true),
    /** 18: vring state description: enable (1) or disable (0) a vring. */
    SET_VRING_ENABLE(18, false),
    /** 19: u64, the guest MAC in its first 6 bytes: broadcast a RARP. */
    SEND_RARP(19, false),
    /** 20: u64, the MTU. */
    NET_SET_MTU(20, false),
    /** 21: back-end request channel socket in the ancillary data (SET_SLAVE_REQ_FD). */
    SET_BACKEND_REQ_FD(21, false),
    /** 22: IOTLB message. */
    IOTLB_MSG(22, true),
    /** 23: vring state description: endianness of a legacy vring. */
    SET_VRING_ENDIAN(23, false),
    /** 24: virtio device config space; reply of the same size, or size 0 on error. */
    GET_CONFIG(24, true),
    /** 25: virtio device config space. */
    SET_CONFIG(25, false),
    /** 26. */
    CREATE_CRYPTO_SESSION(26, true),
    /** 27. */
    CLOSE_CRYPTO_SESSION(27, false),
    /** 28. */
    POSTCOPY_ADVISE(28, true),
    /** 29. */
    POSTCOPY_LISTEN(29, false),
    /** 30. */
    POSTCOPY_END(30, true),
    /** 31. */
    GET_INFLIGHT_FD(31, true),
    /** 32. */
    SET_INFLIGHT_FD(32, false),
    /** 33. */
    GPU_SET_SOCKET(33, false),
    /** 34: disable every ring and reset the device (PROTOCOL_F_RESET_DEVICE). */
    RESET_DEVICE(34, false),
    /** 35: in-band kick. */
    VRING_KICK(35, false),
    /** 36: reply u64. */
    GET_MAX_MEM_SLOTS(36, true),
    /** 37: single memory region description, one fd. */
    ADD_MEM_REG(37, false),
    /** 38: single memory region description. */
    REM_MEM_REG(38, false),
    /** 39: u64, the virtio device status (PROTOCOL_F_STATUS). */
    SET_STATUS(39, false),
    /** 40: reply u64, the virtio device status (PROTOCOL_F_STATUS). */
    GET_STATUS(40, true);

    private static final VhostUserRequest[] BY_ID;

    static {
        VhostUserRequest[] all = values();
        BY_ID = new VhostUserRequest[all[all.length - 1].id + 1];
        for (VhostUserRequest r : all) {
            BY_ID[r.id] = r;
        }
    }

    private final int id;
    private final boolean hasReply;

    VhostUserRequest(int id, boolean hasReply) {
        this.id = id;
        this.hasReply = hasReply;
    }

    /** @return the request number on the wire */
    public int id() {
        return id;
    }

    /** @return true if the back-end always replies (vhost-user.rst, "Communication", and each request's reply) */
    public boolean hasReply() {
        return hasReply;
    }

    /**
     * @param id a request number
     * @return the request, or null if the number is not one the spec names
     */
    public static VhostUserRequest forId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /**
     * @param id a request number
     * @return e.g. {@code "GET_FEATURES (1)"}, or {@code "unknown (99)"}
     */
    public static String describe(long id) {
        VhostUserRequest r = forId(id);
        return (r == null ? "unknown" : r.name()) + " (" + id + ")";
    }

    @Override
    public String toString() {
        return name() + " (" + id + ")";
    }
}

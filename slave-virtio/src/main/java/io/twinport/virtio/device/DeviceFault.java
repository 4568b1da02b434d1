package io.twinport.virtio.device;

/**
 * Everything a vhost-user front-end (the guest side) can get wrong, each a counted reason
 * ({@code fault_<name>} in the port's xstats) and a log line naming it. {@link Scope#RING} faults are found on the
 * data path: the vring stops moving (its bursts return 0) until the front-end sets it up again or reconnects.
 * {@link Scope#DEVICE} faults are found in a control message: the device closes the connection and waits for a
 * fresh front-end (vhost-user.rst: a peer that sends something wrong is out of step and is disconnected).
 */
public enum DeviceFault {
    // ---- the rings (data path)
    /** {@code avail.idx} moved more than the queue size past the device's last seen index. */
    AVAIL_IDX_AHEAD(Scope.RING, "avail.idx is %d entries ahead of last_avail_idx (more than the queue size %d)"),
    /** An {@code avail.ring[]} entry names no descriptor of the table. */
    HEAD_OUT_OF_RANGE(Scope.RING, "avail.ring[] head %d out of range [0, %d)"),
    /** {@code desc.next} names no descriptor of the table. */
    NEXT_OUT_OF_RANGE(Scope.RING, "desc.next %d out of range [0, %d)"),
    /** A chain has more descriptors than the table: it loops. */
    CHAIN_LOOP(Scope.RING, "a chain from head %d is longer than the queue size %d (desc.next loops)"),
    /** VRING_DESC_F_INDIRECT, which the device never offers. */
    INDIRECT_DESC(Scope.RING, "desc[%d].flags has INDIRECT, never offered (flags 0x%x)"),
    /** A buffer lies outside every memory region. */
    DESC_OUTSIDE_MEMORY(Scope.RING, "desc.addr 0x%x (len %d) is outside every memory region"),
    /** {@code desc.addr + desc.len} wraps past 2^64, or a chain's bytes exceed 2^32 - 1. */
    LEN_OVERFLOW(Scope.RING, "desc.addr 0x%x + len %d overflows"),
    /** A transmit chain with a device-writable descriptor. */
    WRITABLE_IN_TX(Scope.RING, "desc[%d] of a transmit chain is device-writable (flags 0x%x)"),
    /** A receive chain with a device-readable descriptor. */
    READABLE_IN_RX(Scope.RING, "desc[%d] of a receive chain is device-readable (flags 0x%x)"),
    /** A transmit chain shorter than the 12-byte virtio-net header. */
    TX_HEADER_SHORT(Scope.RING, "a transmit chain of %d bytes is shorter than the %d-byte virtio-net header"),
    /** A receive buffer with no room for the 12-byte virtio-net header. */
    RX_BUFFER_SHORT(Scope.RING, "a receive chain of %d bytes cannot hold the %d-byte virtio-net header"),
    /** An unexpected exception on the data path (a bug, or memory that vanished under the device). */
    INTERNAL(Scope.RING, "internal error on the data path (%d, %d)"),

    // ---- the control messages
    /** Header flags: a version other than 1, or the reply bit on a request. */
    BAD_HEADER(Scope.DEVICE, "header flags 0x%x (version must be 1, no reply bit; request %d)"),
    /** A request number the spec does not define. */
    UNKNOWN_REQUEST(Scope.DEVICE, "request %d is not a vhost-user request (%d)"),
    /** A request the device did not offer (e.g. SET_LOG_BASE without LOG_SHMFD). */
    UNSUPPORTED_REQUEST(Scope.DEVICE, "request %d was not offered (protocol features 0x%x)"),
    /** A payload size other than the request's. */
    BAD_SIZE(Scope.DEVICE, "payload size %d, the request needs %d (-1: above the limit)"),
    /** A request that needs a descriptor came without one. */
    MISSING_FD(Scope.DEVICE, "%d descriptors attached, %d needed"),
    /** Descriptors on a request that takes none (or more than it takes). */
    EXTRA_FD(Scope.DEVICE, "%d descriptors attached, %d expected"),
    /** A descriptor of the wrong kind (a call/kick/err fd that is not an eventfd, a region fd without a size). */
    BAD_FD(Scope.DEVICE, "descriptor %d is not what the request needs (%d)"),
    /** SET_FEATURES / SET_PROTOCOL_FEATURES with bits the device did not offer. */
    BAD_FEATURES(Scope.DEVICE, "features 0x%x acknowledged, not offered: 0x%x"),
    /** A vring index beyond the device's queues. */
    BAD_VRING_INDEX(Scope.DEVICE, "vring index %d out of range [0, %d)"),
    /** A vring size that is not a power of two up to 32768. */
    BAD_VRING_NUM(Scope.DEVICE, "vring size %d is not a power of two in [1, %d]"),
    /** A memory region that overflows, is empty, lies beyond its file, or cannot be mapped. */
    BAD_REGION(Scope.DEVICE, "memory region %d refused (%d)"),
    /** A field with a value the request does not allow (reserved bits, a base above 0xFFFF, enable not 0/1). */
    BAD_VALUE(Scope.DEVICE, "field value 0x%x not allowed (%d)"),
    /** A ring whose mapped address does not have the spec's alignment (desc 16, avail 2, used 4). */
    RING_MISALIGNED(Scope.DEVICE, "vring %d: a ring is misaligned in the device's mapping (address 0x%x)"),
    /** A ring address outside every region (translated when the ring starts). */
    RING_OUTSIDE_MEMORY(Scope.DEVICE, "vring %d: a ring address is outside every memory region (0x%x)"),
    /** A message that stops midway or never completes. */
    MESSAGE_CUT(Scope.DEVICE, "the message stopped midway or did not complete in time (%d, %d)");

    /** Where the fault was found and what it breaks. */
    public enum Scope {
        /** One vring stops. */
        RING,
        /** The connection is closed; the device waits for a fresh front-end. */
        DEVICE
    }

    private final Scope scope;
    private final String format;

    DeviceFault(Scope scope, String format) {
        this.scope = scope;
        this.format = format;
    }

    /** @return what the fault breaks */
    public Scope scope() {
        return scope;
    }

    /** @return the xstats key, e.g. {@code fault_chain_loop} */
    public String xstatName() {
        return "fault_" + name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param value the offending value
     * @param bound the bound it broke (or a second value)
     * @return a sentence naming the field, e.g. {@code "avail.ring[] head 300 out of range [0, 256)"}
     */
    public String describe(long value, long bound) {
        return name() + ": " + String.format(format, value, bound);
    }
}

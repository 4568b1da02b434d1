package io.twinport.virtio.virtq;

/**
 * The ways a device can break a split virtqueue, each naming the field it got wrong. Found on the data path, where
 * nothing may throw: the queue records the first fault with the offending value and the bound it broke, stops
 * moving, and the port reports {@link Virtq#faultMessage()} on the control path.
 */
public enum VirtqFault {
    /** {@code used.idx} moved further than the number of buffers the device holds. */
    USED_IDX_AHEAD("used.idx", "advanced by %d entries, but the device holds only %d buffers"),
    /** {@code used.ring[].id} is not a descriptor index of this queue. */
    USED_ID_OUT_OF_RANGE("used.ring[].id", "is %d, out of range [0, %d)"),
    /** {@code used.ring[].id} names a descriptor that is not the head of a chain the device holds. */
    USED_ID_NOT_IN_FLIGHT("used.ring[].id", "is %d, a descriptor the device does not hold (%d in flight)"),
    /** {@code used.ring[].len} says the device wrote more than the buffer has room for. */
    USED_LEN_BEYOND_BUFFER("used.ring[].len", "is %d, beyond the %d device-writable bytes of the buffer"),
    /** {@code used.ring[].len} is shorter than the virtio-net header the device must write first. */
    USED_LEN_SHORT("used.ring[].len", "is %d, shorter than the %d-byte virtio-net header"),
    /** {@code virtio_net_hdr.num_buffers} is 0 or more than the queue can hold. */
    NUM_BUFFERS("virtio_net_hdr.num_buffers", "is %d, outside [1, %d]");

    private final String field;
    private final String format;

    VirtqFault(String field, String format) {
        this.field = field;
        this.format = format;
    }

    /** @return the ring field the device got wrong, as the spec names it */
    public String field() {
        return field;
    }

    /**
     * @param value the value the device wrote
     * @param bound the bound it broke
     * @return e.g. {@code "used.ring[].id is 300, out of range [0, 256)"}
     */
    public String describe(long value, long bound) {
        return field + " " + String.format(format, value, bound);
    }
}

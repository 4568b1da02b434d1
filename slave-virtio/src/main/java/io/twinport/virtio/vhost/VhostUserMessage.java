package io.twinport.virtio.vhost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One vhost-user message: the header fields, the payload bytes and the file descriptors that travel with it.
 * Control path only. Payload fields are read and written in the machine's byte order at the offsets of
 * {@link VhostUserMessageDescriptor}.
 *
 * @param request the request number (possibly one the spec does not name, as received)
 * @param flags   the flags word
 * @param payload the payload
 * @param fds     descriptors attached (sent with SCM_RIGHTS, or received: the receiver owns them)
 */
public record VhostUserMessage(int request, int flags, byte[] payload, int[] fds) {
    private static final int[] NO_FDS = new int[0];

    /** Checks the fields. */
    public VhostUserMessage {
        Objects.requireNonNull(payload, "payload");
        fds = fds == null ? NO_FDS : fds;
    }

    /**
     * A request from the front-end, protocol version 1.
     *
     * @param request the request
     * @param payload its payload
     * @param fds     descriptors to attach
     * @return the message
     */
    public static VhostUserMessage of(VhostUserRequest request, byte[] payload, int... fds) {
        return new VhostUserMessage(request.id(), VhostUserMessageDescriptor.VERSION, payload, fds);
    }

    /**
     * @param value a u64
     * @return its 8-byte payload
     */
    public static byte[] u64(long value) {
        return buffer(VhostUserMessageDescriptor.U64_SIZE).putLong(0, value).array();
    }

    /**
     * @param index the vring index
     * @param num   the number
     * @return a vring state description payload
     */
    public static byte[] state(int index, int num) {
        return buffer(VhostUserMessageDescriptor.STATE_SIZE).putInt(VhostUserMessageDescriptor.STATE_INDEX, index)
                .putInt(VhostUserMessageDescriptor.STATE_NUM, num).array();
    }

    /**
     * @param size bytes
     * @return a zeroed buffer of that size in the machine's byte order
     */
    public static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    /** @return the payload as a buffer in the machine's byte order */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder());
    }

    /** @return true if the back-end marked this as a reply */
    public boolean isReply() {
        return (flags & VhostUserMessageDescriptor.REPLY_MASK) != 0;
    }

    /** @return the version bits of the flags */
    public int version() {
        return flags & VhostUserMessageDescriptor.VERSION_MASK;
    }

    /** @return the header and payload as sent on the socket */
    public byte[] encode() {
        ByteBuffer b = buffer(VhostUserMessageDescriptor.HEADER_SIZE + payload.length);
        b.putInt(VhostUserMessageDescriptor.REQUEST, request);
        b.putInt(VhostUserMessageDescriptor.FLAGS, flags);
        b.putInt(VhostUserMessageDescriptor.SIZE, payload.length);
        b.put(VhostUserMessageDescriptor.HEADER_SIZE, payload);
        return b.array();
    }

    /** @return the request's name and number, e.g. {@code "GET_FEATURES (1)"} */
    public String requestName() {
        return VhostUserRequest.describe(request & 0xFFFF_FFFFL);
    }

    @Override
    public String toString() {
        return "VhostUserMessage[" + requestName() + ", flags 0x" + Integer.toHexString(flags) + ", "
                + payload.length + " bytes, " + fds.length + " fds]";
    }
}

package io.twinport.virtio;

/**
 * The layout of {@code struct virtio_net_hdr} (virtio 1.2, section 5.1.6 "Device Operation"), which precedes every
 * frame in a receive or transmit buffer. With VIRTIO_F_VERSION_1 it is always 12 bytes, {@code num_buffers}
 * included, whether or not VIRTIO_NET_F_MRG_RXBUF was negotiated (5.1.6: "the num_buffers field is always
 * present"). Little-endian.
 *
 * <pre>
 *  0      1         2        4         6          8           10          12
 *  | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset | num_buffers |
 * </pre>
 *
 * This driver negotiates no offload, so it transmits an all-zero header ({@code flags} 0,
 * {@code gso_type} {@link #VIRTIO_NET_HDR_GSO_NONE}) and reads only {@code num_buffers} on receive.
 */
public final class VirtioNetHdrDescriptor {
    /** Bytes of the header with VIRTIO_F_VERSION_1. */
    public static final int SIZE = 12;
    /** {@code u8 flags}. */
    public static final int FLAGS = 0;
    /** {@code u8 gso_type}. */
    public static final int GSO_TYPE = 1;
    /** {@code le16 hdr_len}. */
    public static final int HDR_LEN = 2;
    /** {@code le16 gso_size}. */
    public static final int GSO_SIZE = 4;
    /** {@code le16 csum_start}. */
    public static final int CSUM_START = 6;
    /** {@code le16 csum_offset}. */
    public static final int CSUM_OFFSET = 8;
    /** {@code le16 num_buffers}: how many receive buffers hold the frame (1 without merging). */
    public static final int NUM_BUFFERS = 10;
    /** {@code gso_type}: not a GSO frame. */
    public static final int VIRTIO_NET_HDR_GSO_NONE = 0;
    /** {@code flags}: the checksum at csum_start + csum_offset still has to be computed. */
    public static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    /** {@code flags}: the checksum was validated. */
    public static final int VIRTIO_NET_HDR_F_DATA_VALID = 2;

    private VirtioNetHdrDescriptor() {
    }
}

package io.twinport.virtio;

/**
 * The control virtqueue's commands (virtio 1.2, 5.1.6.5 "Control Virtqueue"). A command is one descriptor chain:
 *
 * <pre>
 *  struct virtio_net_ctrl { u8 class; u8 command; u8 command-specific-data[]; u8 ack; }
 *  device-readable: class, command, data              device-writable: ack
 * </pre>
 */
public final class VirtioNetCtrl {
    /** {@code ack}: the command succeeded. */
    public static final int VIRTIO_NET_OK = 0;
    /** {@code ack}: the command failed. */
    public static final int VIRTIO_NET_ERR = 1;

    /** Class 0: receive filtering (5.1.6.5.1), with VIRTIO_NET_F_CTRL_RX. */
    public static final int VIRTIO_NET_CTRL_RX = 0;
    /** RX command: promiscuous mode, data {@code u8 on}. */
    public static final int VIRTIO_NET_CTRL_RX_PROMISC = 0;
    /** RX command: all-multicast mode, data {@code u8 on}. */
    public static final int VIRTIO_NET_CTRL_RX_ALLMULTI = 1;

    /** Class 1: MAC address filtering (5.1.6.5.2). */
    public static final int VIRTIO_NET_CTRL_MAC = 1;
    /** MAC command: set the filter tables. */
    public static final int VIRTIO_NET_CTRL_MAC_TABLE_SET = 0;
    /** MAC command: set the default MAC address, data {@code u8 mac[6]}, with VIRTIO_NET_F_CTRL_MAC_ADDR. */
    public static final int VIRTIO_NET_CTRL_MAC_ADDR_SET = 1;

    /** Class 3: gratuitous packet sending (5.1.6.5.3), with VIRTIO_NET_F_GUEST_ANNOUNCE. */
    public static final int VIRTIO_NET_CTRL_ANNOUNCE = 3;
    /** ANNOUNCE command: the driver has announced itself; the device clears VIRTIO_NET_S_ANNOUNCE. */
    public static final int VIRTIO_NET_CTRL_ANNOUNCE_ACK = 0;

    /** Class 4: multiqueue (5.1.6.5.5), with VIRTIO_NET_F_MQ. */
    public static final int VIRTIO_NET_CTRL_MQ = 4;
    /** MQ command: how many queue pairs to use, data {@code le16 virtqueue_pairs}. */
    public static final int VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET = 0;
    /** Fewest pairs. */
    public static final int VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN = 1;
    /** Most pairs. */
    public static final int VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX = 0x8000;

    /** Bytes of the chain's first buffer: class and command. */
    public static final int HEADER_SIZE = 2;
    /** Most command-specific bytes this driver sends. */
    public static final int MAX_DATA = 64;

    private VirtioNetCtrl() {
    }

    /**
     * @param cls     a class
     * @param command a command
     * @return e.g. {@code "RX PROMISC"}, for messages
     */
    public static String describe(int cls, int command) {
        return switch (cls) {
            case VIRTIO_NET_CTRL_RX -> "RX " + (command == VIRTIO_NET_CTRL_RX_PROMISC ? "PROMISC"
                    : command == VIRTIO_NET_CTRL_RX_ALLMULTI ? "ALLMULTI" : "command " + command);
            case VIRTIO_NET_CTRL_MAC -> "MAC " + (command == VIRTIO_NET_CTRL_MAC_ADDR_SET ? "ADDR_SET"
                    : command == VIRTIO_NET_CTRL_MAC_TABLE_SET ? "TABLE_SET" : "command " + command);
            case VIRTIO_NET_CTRL_ANNOUNCE -> "ANNOUNCE " + (command == VIRTIO_NET_CTRL_ANNOUNCE_ACK ? "ACK"
                    : "command " + command);
            case VIRTIO_NET_CTRL_MQ -> "MQ " + (command == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET ? "VQ_PAIRS_SET"
                    : "command " + command);
            default -> "class " + cls + " command " + command;
        };
    }
}

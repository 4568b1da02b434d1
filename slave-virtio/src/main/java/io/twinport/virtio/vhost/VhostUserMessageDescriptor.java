package io.twinport.virtio.vhost;

/**
 * The layout of vhost-user messages (vhost-user.rst, "Message Specification"), in bytes, in the machine's byte
 * order. A message is a 12-byte header and {@code size} bytes of payload:
 *
 * <pre>
 *  +---------+-------+------+---------+
 *  | request | flags | size | payload |      request, flags, size: u32
 *  +---------+-------+------+---------+
 * </pre>
 *
 * and the payloads this front-end sends or reads, each a fixed layout below.
 */
public final class VhostUserMessageDescriptor {
    /** Bytes of the header. */
    public static final int HEADER_SIZE = 12;
    /** Offset of {@code request}. */
    public static final int REQUEST = 0;
    /** Offset of {@code flags}. */
    public static final int FLAGS = 4;
    /** Offset of {@code size}. */
    public static final int SIZE = 8;

    /** {@code flags} bits 0-1: the protocol version. */
    public static final int VERSION_MASK = 0x3;
    /** The protocol version this front-end speaks. */
    public static final int VERSION = 0x1;
    /** {@code flags} bit 2: a reply from the back-end. */
    public static final int REPLY_MASK = 0x4;
    /** {@code flags} bit 3: need_reply (vhost-user.rst, "REPLY_ACK"). */
    public static final int NEED_REPLY_MASK = 0x8;
    /**
     * The largest payload this front-end accepts. The spec bounds none; the largest payloads defined (memory table
     * with 8 regions: 264 bytes, config space: 12 + 256) fit well below it.
     */
    public static final int MAX_PAYLOAD = 4096;

    /** Payload "A single 64-bit integer". */
    public static final int U64_SIZE = 8;

    /** Payload "A vring state description": {@code index} u32. */
    public static final int STATE_INDEX = 0;
    /** {@code num} u32. */
    public static final int STATE_NUM = 4;
    /** Bytes of a vring state description. */
    public static final int STATE_SIZE = 8;

    /** Payload "A vring address description": {@code index} u32. */
    public static final int ADDR_INDEX = 0;
    /** {@code flags} u32 ({@code VHOST_VRING_F_LOG} = bit 0). */
    public static final int ADDR_FLAGS = 4;
    /** {@code descriptor} u64: address of the descriptor table (a user address here). */
    public static final int ADDR_DESC = 8;
    /** {@code used} u64. */
    public static final int ADDR_USED = 16;
    /** {@code available} u64. */
    public static final int ADDR_AVAIL = 24;
    /** {@code log} u64. */
    public static final int ADDR_LOG = 32;
    /** Bytes of a vring address description. */
    public static final int ADDR_SIZE = 40;

    /** Payload "Memory regions description": {@code num regions} u32, then u32 padding. */
    public static final int MEM_NREGIONS = 0;
    /** Offset of the first region. */
    public static final int MEM_REGIONS = 8;
    /** Regions in one SET_MEM_TABLE (VHOST_MEMORY_BASELINE_NREGIONS). */
    public static final int MEM_MAX_REGIONS = 8;
    /** A region: {@code guest address} u64. */
    public static final int REGION_GUEST_ADDR = 0;
    /** {@code size} u64. */
    public static final int REGION_SIZE = 8;
    /** {@code user address} u64. */
    public static final int REGION_USER_ADDR = 16;
    /** {@code mmap offset} u64. */
    public static final int REGION_MMAP_OFFSET = 24;
    /** Bytes of a region. */
    public static final int REGION_BYTES = 32;

    /** Payload "Virtio device config space": {@code offset} u32. */
    public static final int CONFIG_OFFSET = 0;
    /** {@code size} u32. */
    public static final int CONFIG_SIZE = 4;
    /** {@code flags} u32. */
    public static final int CONFIG_FLAGS = 8;
    /** The config bytes. */
    public static final int CONFIG_PAYLOAD = 12;
    /** Largest config space access (VHOST_USER_MAX_CONFIG_SIZE). */
    public static final int CONFIG_MAX_SIZE = 256;

    /** SET_VRING_KICK/CALL/ERR u64: bits 0-7 carry the vring index. */
    public static final long VRING_IDX_MASK = 0xFF;
    /** SET_VRING_KICK/CALL/ERR u64: bit 8, "invalid FD flag": no descriptor attached. */
    public static final long VRING_NOFD_MASK = 0x100;

    private VhostUserMessageDescriptor() {
    }

    /**
     * @param nregions regions in the table
     * @return payload bytes of SET_MEM_TABLE with that many regions
     */
    public static int memTableSize(int nregions) {
        return MEM_REGIONS + nregions * REGION_BYTES;
    }
}

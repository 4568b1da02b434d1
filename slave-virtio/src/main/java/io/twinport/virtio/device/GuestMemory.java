package io.twinport.virtio.device;

import io.twinport.sys.Libc;
import io.twinport.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The front-end's memory as the device maps it (SET_MEM_TABLE): up to eight regions, each mapped from the file
 * descriptor the front-end sent, at its {@code mmap_offset}. Translates the two kinds of addresses vhost-user uses
 * (vhost-user.rst, "Memory regions description"): guest-physical addresses (descriptor {@code addr}) and the
 * front-end's user addresses (SET_VRING_ADDR). Immutable once built; data-path threads read it without a lock.
 *
 * <p>What a hostile table cannot do: a region that is empty, wraps past 2^64, overlaps another, or reaches beyond
 * the end of its file is refused before anything is mapped (a mapping past the end of a file would fault with
 * SIGBUS on access); every translation checks {@code [addr, addr + len)} against one region, so no access falls
 * outside a mapping. What it still can: shrink its file after the mapping (ftruncate), so that pages vanish under
 * the device; vhost-user has no defence against that short of sealed memfds, which front-ends do not send.
 */
public final class GuestMemory implements AutoCloseable {
    private static final long STAT_SIZE = 144;
    private static final long ST_SIZE = 48;
    private static final long ST_BLKSIZE = 56;
    private static final MethodHandle MMAP = Libc.downcall("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle FSTAT = Libc.downcall("fstat", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    /**
     * One region of SET_MEM_TABLE as received.
     *
     * @param guestAddress guest-physical address of its first byte
     * @param size         bytes
     * @param userAddress  the front-end's virtual address of its first byte
     * @param mmapOffset   where it starts in the file
     */
    public record Region(long guestAddress, long size, long userAddress, long mmapOffset) {
    }

    /** A region the device refused, with the reason. */
    public static final class BadRegionException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int region;

        BadRegionException(int region, String message) {
            super(message);
            this.region = region;
        }

        /** @return the index of the region in the table */
        public int region() {
            return region;
        }
    }

    private final Region[] regions;
    private final long[] gpa;
    private final long[] uva;
    private final long[] size;
    private final MemorySegment[] seg;
    private final long[] mapAddr;
    private final long[] mapLen;
    private boolean closed;

    private GuestMemory(Region[] regions, long[] mapAddr, long[] mapLen) {
        int n = regions.length;
        this.regions = regions;
        this.gpa = new long[n];
        this.uva = new long[n];
        this.size = new long[n];
        this.seg = new MemorySegment[n];
        this.mapAddr = mapAddr;
        this.mapLen = mapLen;
        for (int i = 0; i < n; i++) {
            gpa[i] = regions[i].guestAddress();
            uva[i] = regions[i].userAddress();
            size[i] = regions[i].size();
            seg[i] = Libc.segmentAt(mapAddr[i] + regions[i].mmapOffset(), regions[i].size());
        }
    }

    /**
     * Checks the table and maps every region from its descriptor. The descriptors stay the caller's.
     *
     * @param regions the regions
     * @param fds     one descriptor per region
     * @return the mapped memory
     * @throws BadRegionException naming the region and what is wrong with it; nothing stays mapped
     */
    public static GuestMemory map(Region[] regions, int[] fds) throws BadRegionException {
        int n = regions.length;
        for (int i = 0; i < n; i++) {
            Region r = regions[i];
            if (r.size() <= 0) {
                throw new BadRegionException(i, "size " + Long.toUnsignedString(r.size())
                        + " must be in [1, 2^63)");
            }
            if (wraps(r.guestAddress(), r.size()) || wraps(r.userAddress(), r.size())
                    || r.mmapOffset() < 0 || r.mmapOffset() > Long.MAX_VALUE - r.size()) {
                throw new BadRegionException(i, "guest address 0x" + Long.toHexString(r.guestAddress())
                        + ", user address 0x" + Long.toHexString(r.userAddress()) + ", mmap offset 0x"
                        + Long.toHexString(r.mmapOffset()) + " + size 0x" + Long.toHexString(r.size())
                        + " wrap past 2^64");
            }
            for (int j = 0; j < i; j++) {
                Region o = regions[j];
                if (overlap(r.guestAddress(), r.size(), o.guestAddress(), o.size())
                        || overlap(r.userAddress(), r.size(), o.userAddress(), o.size())) {
                    throw new BadRegionException(i, "overlaps region " + j);
                }
            }
        }
        long[] mapAddr = new long[n];
        long[] mapLen = new long[n];
        int mapped = 0;
        try {
            for (int i = 0; i < n; i++) {
                Region r = regions[i];
                long[] st = fstat(i, fds[i]);
                long end = r.mmapOffset() + r.size();
                if (end > st[0]) {
                    throw new BadRegionException(i, "mmap offset 0x" + Long.toHexString(r.mmapOffset()) + " + size 0x"
                            + Long.toHexString(r.size()) + " reaches beyond the end of its file (0x"
                            + Long.toHexString(st[0]) + " bytes)");
                }
                long block = Math.max(4096, st[1]);
                // from offset 0 (mmap_offset need not be page-aligned), rounded up to the file's block size:
                // hugetlbfs maps and unmaps whole huge pages only; nothing past `end` is ever touched
                long len = (end + block - 1) / block * block;
                mapAddr[i] = mmap(i, fds[i], len);
                mapLen[i] = len;
                mapped++;
            }
            return new GuestMemory(regions.clone(), mapAddr, mapLen);
        } catch (BadRegionException | RuntimeException e) {
            for (int i = 0; i < mapped; i++) {
                try {
                    Libc.munmap(mapAddr[i], mapLen[i]);
                } catch (RuntimeException ignored) {
                    // best effort while failing
                }
            }
            throw e;
        }
    }

    private static boolean wraps(long base, long len) {
        return Long.compareUnsigned(base + len, base) < 0 && base + len != 0;
    }

    private static boolean overlap(long a, long alen, long b, long blen) {
        // [a, a + alen) and [b, b + blen), unsigned, neither wraps (checked before)
        return Long.compareUnsigned(a, b + blen - 1) <= 0 && Long.compareUnsigned(b, a + alen - 1) <= 0;
    }

    private static long[] fstat(int region, int fd) throws BadRegionException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(a);
            MemorySegment st = a.allocate(STAT_SIZE, 8);
            int rc = (int) FSTAT.invokeExact(errno, fd, st);
            if (rc != 0) {
                throw new BadRegionException(region, "fstat(fd " + fd + ") failed: " + Libc.strerror(Libc.errno(errno)));
            }
            return new long[] {st.get(ValueLayout.JAVA_LONG, ST_SIZE), st.get(ValueLayout.JAVA_LONG, ST_BLKSIZE)};
        } catch (BadRegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fstat downcall failed", t);
        }
    }

    private static long mmap(int region, int fd, long len) throws BadRegionException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(a);
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, len,
                    Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0L);
            if (addr.address() == Libc.MAP_FAILED) {
                throw new BadRegionException(region, new SyscallException("mmap(fd=" + fd + ", size=" + len + ")",
                        Libc.errno(errno)).getMessage());
            }
            return addr.address();
        } catch (BadRegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
    }

    /** @return how many regions */
    public int regions() {
        return regions.length;
    }

    /**
     * @param i a region index
     * @return the region as received
     */
    public Region region(int i) {
        return regions[i];
    }

    /**
     * @param i a region index
     * @return its bytes, {@code size} long, starting at its guest address
     */
    public MemorySegment segment(int i) {
        return seg[i];
    }

    /**
     * Finds the region that holds {@code [addr, addr + len)} entirely, as a guest-physical range. Data path: no
     * allocation.
     *
     * @param addr a guest-physical address
     * @param len  bytes, {@code >= 0}
     * @return the region index, or -1
     */
    public int regionOfGuest(long addr, long len) {
        for (int i = 0; i < gpa.length; i++) {
            long off = addr - gpa[i];
            if (Long.compareUnsigned(off, size[i]) < 0 && len <= size[i] - off) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param i    a region index
     * @param addr a guest-physical address
     * @param len  bytes, {@code >= 0}
     * @return true if region i holds {@code [addr, addr + len)} entirely
     */
    public boolean holdsGuest(int i, long addr, long len) {
        long off = addr - gpa[i];
        return Long.compareUnsigned(off, size[i]) < 0 && len <= size[i] - off;
    }

    /**
     * @param i    a region
     * @param addr a guest-physical address inside it
     * @return its offset in {@link #segment(int)}
     */
    public long guestOffset(int i, long addr) {
        return addr - gpa[i];
    }

    /**
     * Translates a front-end user address range (SET_VRING_ADDR) to the device's view. Control path.
     *
     * @param addr a user address
     * @param len  bytes
     * @return the bytes, or null if no region holds the whole range
     */
    public MemorySegment userRange(long addr, long len) {
        for (int i = 0; i < uva.length; i++) {
            long off = addr - uva[i];
            if (Long.compareUnsigned(off, size[i]) < 0 && len <= size[i] - off) {
                return seg[i].asSlice(off, len);
            }
        }
        return null;
    }

    /** Unmaps every region; idempotent. Only once no data-path thread can reach this memory any more. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < mapAddr.length; i++) {
            Libc.munmap(mapAddr[i], mapLen[i]);
        }
    }
}

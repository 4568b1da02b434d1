package io.twinport.mem;

import io.twinport.sys.Libc;

import java.lang.foreign.MemorySegment;

/**
 * One shared-memory region: a memfd, sized and mapped {@code MAP_SHARED} into this process. Its file descriptor,
 * address and size are what a vhost-user device needs to map the same memory ({@code VHOST_USER_SET_MEM_TABLE}):
 * the device receives the fd and translates our virtual addresses, which twinport uses as guest-physical addresses.
 *
 * <p>Closing unmaps the region and closes the fd; any segment obtained from {@link #segment()} must not be used
 * after that (it is a raw view, not tied to an arena, so that the data path pays no liveness check).
 */
public final class SharedMemory implements AutoCloseable {
    private final String name;
    private final int fd;
    private final long address;
    private final long size;
    private final MemorySegment segment;
    private boolean closed;

    private SharedMemory(String name, int fd, long address, long size) {
        this.name = name;
        this.fd = fd;
        this.address = address;
        this.size = size;
        this.segment = Libc.segmentAt(address, size);
    }

    /**
     * Creates a memfd of {@code size} bytes and maps it, with the pages populated up front.
     *
     * @param name the memfd's name (visible in /proc/PID/fd)
     * @param size bytes, more than 0
     * @return the mapped region
     * @throws IllegalArgumentException if size is not positive
     * @throws io.twinport.sys.SyscallException naming the failed call and errno
     */
    public static SharedMemory create(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("shared memory " + name + ": size " + size + " must be > 0");
        }
        int fd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC);
        try {
            Libc.ftruncate(fd, size);
            long address = Libc.mmapShared(fd, size, Libc.MAP_POPULATE);
            return new SharedMemory(name, fd, address, size);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** @return the memfd's name */
    public String name() {
        return name;
    }

    /** @return the memfd, for passing to a vhost-user device with SCM_RIGHTS */
    public int fd() {
        return fd;
    }

    /** @return the virtual address of the mapping in this process */
    public long address() {
        return address;
    }

    /** @return the size in bytes */
    public long size() {
        return size;
    }

    /** @return the whole region as a segment */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * @param addr a virtual address
     * @return true if {@code [addr, addr + len)} lies inside this region
     * @param len a length in bytes
     */
    public boolean contains(long addr, long len) {
        return len >= 0 && addr >= address && len <= size && addr - address <= size - len;
    }

    /** Unmaps the region and closes the memfd; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.munmap(address, size);
        } finally {
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "SharedMemory[" + name + ", fd=" + fd + ", address=0x" + Long.toHexString(address) + ", size=" + size
                + "]";
    }
}

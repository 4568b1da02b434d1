package io.twinport.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library calls twinport makes, through the FFM API. Control path only: each call that can fail captures
 * errno into a segment allocated for that call and throws {@link SyscallException} naming the call and errno.
 *
 * <p>Driver modules add their own calls with {@link #downcall(String, FunctionDescriptor)} (errno captured as the
 * handle's first argument) and {@link #newErrnoSegment(Arena)}.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret: this class is where twinport touches native code
public final class Libc {
    /** {@code MFD_CLOEXEC} from linux/memfd.h. */
    public static final int MFD_CLOEXEC = 0x0001;
    /** {@code MFD_ALLOW_SEALING} from linux/memfd.h. */
    public static final int MFD_ALLOW_SEALING = 0x0002;
    /** {@code MFD_HUGETLB} from linux/memfd.h. */
    public static final int MFD_HUGETLB = 0x0004;
    /** {@code PROT_READ}. */
    public static final int PROT_READ = 0x1;
    /** {@code PROT_WRITE}. */
    public static final int PROT_WRITE = 0x2;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 0x01;
    /** {@code MAP_POPULATE}: fault the pages in now, not on the data path. */
    public static final int MAP_POPULATE = 0x08000;
    /** {@code MAP_FAILED}, i.e. {@code (void *) -1}. */
    public static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MEMFD_CREATE = downcall("memfd_create",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FTRUNCATE = downcall("ftruncate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Libc() {
    }

    /**
     * A downcall handle for a libc function that captures errno: the handle takes a capture segment (from
     * {@link #newErrnoSegment(Arena)}) as its first argument, then the function's own arguments.
     *
     * @param name       the C symbol
     * @param descriptor its signature
     * @return the handle
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /**
     * @param arena where the segment lives
     * @return a segment that downcalls from {@link #downcall} write errno into
     */
    public static MemorySegment newErrnoSegment(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /**
     * @param errnoSegment a segment from {@link #newErrnoSegment(Arena)} after a call
     * @return the errno that call left
     */
    public static int errno(MemorySegment errnoSegment) {
        return (int) ERRNO.get(errnoSegment, 0L);
    }

    /**
     * @param errno an errno value
     * @return the C library's description of it
     */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "strerror failed: " + t;
        }
    }

    /**
     * {@code memfd_create(2)}.
     *
     * @param name  the name shown in /proc/PID/fd
     * @param flags {@code MFD_*}
     * @return the file descriptor
     */
    public static int memfdCreate(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoSegment(arena);
            int fd = (int) MEMFD_CREATE.invokeExact(errno, arena.allocateFrom(name), flags);
            if (fd < 0) {
                throw new SyscallException("memfd_create(name=" + name + ", flags=0x" + Integer.toHexString(flags)
                        + ")", errno(errno));
            }
            return fd;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("memfd_create downcall failed", t);
        }
    }

    /**
     * {@code ftruncate(2)}.
     *
     * @param fd     the file
     * @param length the new length in bytes
     */
    public static void ftruncate(int fd, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoSegment(arena);
            int rc = (int) FTRUNCATE.invokeExact(errno, fd, length);
            if (rc != 0) {
                throw new SyscallException("ftruncate(fd=" + fd + ", length=" + length + ")", errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ftruncate downcall failed", t);
        }
    }

    /**
     * {@code mmap(2)} of a whole file, shared, read-write.
     *
     * @param fd    the file
     * @param size  bytes to map
     * @param flags extra {@code MAP_*} flags besides {@code MAP_SHARED}
     * @return the address of the mapping (not yet bounded: callers reinterpret it to {@code size})
     */
    public static long mmapShared(int fd, long size, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoSegment(arena);
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(errno, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED | flags, fd, 0L);
            if (addr.address() == MAP_FAILED) {
                throw new SyscallException("mmap(fd=" + fd + ", size=" + size + ")", errno(errno));
            }
            return addr.address();
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
    }

    /**
     * {@code munmap(2)}.
     *
     * @param address the mapping's address
     * @param size    its size
     */
    public static void munmap(long address, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoSegment(arena);
            int rc = (int) MUNMAP.invokeExact(errno, MemorySegment.ofAddress(address), size);
            if (rc != 0) {
                throw new SyscallException("munmap(address=0x" + Long.toHexString(address) + ", size=" + size
                        + ")", errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
    }

    /**
     * {@code close(2)}.
     *
     * @param fd the descriptor
     */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = newErrnoSegment(arena);
            int rc = (int) CLOSE.invokeExact(errno, fd);
            if (rc != 0) {
                throw new SyscallException("close(fd=" + fd + ")", errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close downcall failed", t);
        }
    }

    /**
     * A view of native memory at an address, bounded to {@code size} bytes and never freed by Java.
     *
     * @param address the start
     * @param size    the length in bytes
     * @return the segment
     */
    public static MemorySegment segmentAt(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }
}

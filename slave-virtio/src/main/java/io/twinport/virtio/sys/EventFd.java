package io.twinport.virtio.sys;

import io.twinport.sys.Errno;
import io.twinport.sys.Libc;
import io.twinport.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * An {@code eventfd(2)}: the kick and call notifiers a vhost-user front-end hands to the back-end with
 * {@code VHOST_USER_SET_VRING_KICK} / {@code VHOST_USER_SET_VRING_CALL}. Each signal adds 1 to the counter by
 * writing 8 bytes (vhost-user.rst, "Support for platforms other than Linux": the value itself has no meaning).
 *
 * <p>{@link #signal()} is the data path's one system call (a kick, made only when the device asks for it): it
 * neither allocates nor throws; the 8-byte value lives in native memory allocated with the eventfd.
 */
@SuppressWarnings("restricted") // FFM downcalls
public final class EventFd implements AutoCloseable {
    /** {@code EFD_CLOEXEC}. */
    public static final int EFD_CLOEXEC = 0x80000;
    /** {@code EFD_NONBLOCK}. */
    public static final int EFD_NONBLOCK = 0x800;

    private static final MethodHandle EVENTFD = Libc.downcall("eventfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = Libc.downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    // The kick: no errno capture (nothing to allocate on the data path), critical (no thread-state transition).
    private static final MethodHandle WRITE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("write"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG),
            Linker.Option.critical(false));

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one;
    private long failedSignals;
    private boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
        this.one = arena.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    /**
     * Creates a non-blocking, close-on-exec eventfd with counter 0.
     *
     * @return the eventfd
     * @throws SyscallException naming the call and errno
     */
    public static EventFd create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(a);
            int fd = (int) EVENTFD.invokeExact(errno, 0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (fd < 0) {
                throw new SyscallException("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)", Libc.errno(errno));
            }
            return new EventFd(fd);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd downcall failed", t);
        }
    }

    /**
     * Takes ownership of an eventfd received from a peer (a vhost-user call or error fd). The caller checks that it
     * is an eventfd ({@link #isEventFd(int)}).
     *
     * @param fd the descriptor; closed by {@link #close()}
     * @return the eventfd
     */
    public static EventFd adopt(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("eventfd " + fd + " is not a descriptor");
        }
        return new EventFd(fd);
    }

    /**
     * @param fd a descriptor of this process
     * @return true if it is an eventfd ({@code /proc/self/fd/N} links to {@code anon_inode:[eventfd]}): a write of
     *         8 bytes to it never blocks for long and never lands in a file or a pipe
     */
    public static boolean isEventFd(int fd) {
        return "anon_inode:[eventfd]".equals(fdTarget(fd));
    }

    /**
     * @param fd a descriptor of this process
     * @return what {@code /proc/self/fd/N} links to (e.g. {@code socket:[123]}, {@code /memfd:x (deleted)}), or
     *         null if it cannot be read (not open)
     */
    public static String fdTarget(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** @return the descriptor, to pass with SCM_RIGHTS */
    public int fd() {
        return fd;
    }

    /**
     * Adds 1 to the counter (one {@code write(2)}). Data path: no allocation, no exception; a failed write (the
     * counter cannot overflow in practice) is counted in {@link #failedSignals()}.
     */
    public void signal() {
        try {
            long n = (long) WRITE.invokeExact(fd, one, 8L);
            if (n != 8) {
                failedSignals++;
            }
        } catch (Throwable t) {
            failedSignals++;
        }
    }

    /** @return signals whose write failed; read on the signalling thread */
    public long failedSignals() {
        return failedSignals;
    }

    /**
     * Reads and resets the counter. Control path (tests, and the call side when it is used).
     *
     * @return the counter, 0 if nothing was signalled
     */
    public long drain() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(ValueLayout.JAVA_LONG);
            MemorySegment errno = Libc.newErrnoSegment(a);
            long n = (long) READ.invokeExact(errno, fd, value, 8L);
            if (n == 8) {
                return value.get(ValueLayout.JAVA_LONG, 0);
            }
            int e = Libc.errno(errno);
            if (n < 0 && e == Errno.EAGAIN) {
                return 0;
            }
            throw new SyscallException("read(eventfd " + fd + ")", e);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("read downcall failed", t);
        }
    }

    /** Closes the descriptor; idempotent. The peer keeps its own copy until it closes it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd);
        } finally {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "EventFd[" + fd + "]";
    }
}

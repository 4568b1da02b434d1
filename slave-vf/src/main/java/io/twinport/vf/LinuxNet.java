package io.twinport.vf;

import io.twinport.sys.Libc;
import io.twinport.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The socket calls slave-vf makes through the FFM API, on top of {@link Libc}'s errno plumbing. Every handle takes
 * an errno capture segment first ({@link Libc#downcall}).
 *
 * <p>Control-path wrappers ({@link #socket}, {@link #setsockoptInt}, ...) allocate what they need in a confined
 * arena and throw {@link SyscallException} naming the call and errno. The data path ({@link TxRing}'s kick, the
 * poll idle strategy, {@link RxRing}'s statistics read) calls the raw handles without errno capture
 * ({@link #SENDTO_NO_ERRNO}, {@link #POLL_NO_ERRNO}, {@link #GETSOCKOPT_NO_ERRNO}) with segments allocated once per
 * queue, so it allocates nothing and never throws; after a failed kick it repeats the call once with capture
 * ({@link #SENDTO}, into the queue's errno segment) to learn why.
 */
@SuppressWarnings("restricted") // FFM downcalls: this class and Libc are where slave-vf touches native code
final class LinuxNet {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    /** {@code int socket(int domain, int type, int protocol)}. */
    static final MethodHandle SOCKET = Libc.downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    /** {@code int bind(int fd, const struct sockaddr *addr, socklen_t len)}. */
    static final MethodHandle BIND = Libc.downcall("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    /** {@code int setsockopt(int fd, int level, int name, const void *val, socklen_t len)}. */
    static final MethodHandle SETSOCKOPT = Libc.downcall("setsockopt",
            FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
    /** {@code int getsockopt(int fd, int level, int name, void *val, socklen_t *len)}. */
    static final MethodHandle GETSOCKOPT = Libc.downcall("getsockopt",
            FunctionDescriptor.of(INT, INT, INT, INT, PTR, PTR));
    /** {@code int getsockname(int fd, struct sockaddr *addr, socklen_t *len)}. */
    static final MethodHandle GETSOCKNAME = Libc.downcall("getsockname", FunctionDescriptor.of(INT, INT, PTR, PTR));
    /** {@code ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)}. */
    static final MethodHandle SENDTO = Libc.downcall("sendto",
            FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, INT));
    /** {@code ssize_t recv(int fd, void *buf, size_t len, int flags)}. */
    static final MethodHandle RECV = Libc.downcall("recv", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT));
    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}. */
    static final MethodHandle POLL = Libc.downcall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));

    // Data-path handles without errno capture: the JDK's capture path slices the capture segment on every call
    // (SharedUtils.checkCaptureSegment), an allocation that escape analysis removes only when it inlines deeply
    // enough, which a test caught it not doing. The data path uses these and asks for errno only after a failure.
    private static final java.lang.foreign.Linker LINKER = java.lang.foreign.Linker.nativeLinker();
    /** {@code sendto} without errno capture (the TX kick's fast path). */
    static final MethodHandle SENDTO_NO_ERRNO = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("sendto"), FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, INT));
    /** {@code poll} without errno capture (the idle strategy). */
    static final MethodHandle POLL_NO_ERRNO = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("poll"), FunctionDescriptor.of(INT, PTR, LONG, INT));
    /** {@code getsockopt} without errno capture (the RX drop counter read). */
    static final MethodHandle GETSOCKOPT_NO_ERRNO = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("getsockopt"), FunctionDescriptor.of(INT, INT, INT, INT, PTR, PTR));

    private LinuxNet() {
    }

    /**
     * {@code socket(2)}.
     *
     * @param domain   e.g. {@code AF_PACKET}
     * @param type     e.g. {@code SOCK_RAW | SOCK_CLOEXEC}
     * @param protocol e.g. 0
     * @return the descriptor
     */
    static int socket(int domain, int type, int protocol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int fd = (int) SOCKET.invokeExact(errno, domain, type, protocol);
            if (fd < 0) {
                throw new SyscallException("socket(domain=" + domain + ", type=0x" + Integer.toHexString(type)
                        + ", protocol=" + protocol + ")", Libc.errno(errno));
            }
            return fd;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("socket downcall failed", t);
        }
    }

    /**
     * {@code bind(2)}.
     *
     * @param fd   the socket
     * @param addr the address structure
     * @param what the call as it should appear in an error, e.g. {@code "bind(AF_PACKET, ifindex=4)"}
     */
    static void bind(int fd, MemorySegment addr, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int rc = (int) BIND.invokeExact(errno, fd, addr, (int) addr.byteSize());
            if (rc != 0) {
                throw new SyscallException(what, Libc.errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("bind downcall failed", t);
        }
    }

    /**
     * {@code setsockopt(2)} with a structure.
     *
     * @param fd    the socket
     * @param level e.g. {@code SOL_PACKET}
     * @param name  the option
     * @param value the value
     * @param what  the call as it should appear in an error
     */
    static void setsockopt(int fd, int level, int name, MemorySegment value, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int rc = (int) SETSOCKOPT.invokeExact(errno, fd, level, name, value, (int) value.byteSize());
            if (rc != 0) {
                throw new SyscallException(what, Libc.errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setsockopt downcall failed", t);
        }
    }

    /**
     * {@code setsockopt(2)} with an {@code int}.
     *
     * @param fd    the socket
     * @param level e.g. {@code SOL_PACKET}
     * @param name  the option
     * @param value the value
     * @param what  the option's name for an error, e.g. {@code "PACKET_VERSION"}
     */
    static void setsockoptInt(int fd, int level, int name, int value, String what) {
        try (Arena arena = Arena.ofConfined()) {
            setsockopt(fd, level, name, arena.allocateFrom(INT, value),
                    "setsockopt(fd=" + fd + ", " + what + "=" + value + ")");
        }
    }

    /**
     * {@code getsockopt(2)} of an {@code int}.
     *
     * @param fd    the socket
     * @param level e.g. {@code SOL_SOCKET}
     * @param name  the option
     * @param what  the option's name for an error
     * @return the value
     */
    static int getsockoptInt(int fd, int level, int name, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            MemorySegment val = arena.allocate(INT);
            MemorySegment len = arena.allocateFrom(INT, 4);
            int rc = (int) GETSOCKOPT.invokeExact(errno, fd, level, name, val, len);
            if (rc != 0) {
                throw new SyscallException("getsockopt(fd=" + fd + ", " + what + ")", Libc.errno(errno));
            }
            return val.get(INT, 0);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("getsockopt downcall failed", t);
        }
    }

    /**
     * The interface index an AF_PACKET socket is bound to ({@code getsockname(2)}, {@code sll_ifindex}); the kernel
     * sets it to -1 when the device is unregistered (deleted or moved to another namespace).
     *
     * @param fd an AF_PACKET socket
     * @return the ifindex, -1 once the device is gone
     */
    static int boundIfindex(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            MemorySegment addr = arena.allocate(PacketRingDescriptor.SOCKADDR_LL_SIZE, 4);
            MemorySegment len = arena.allocateFrom(INT, PacketRingDescriptor.SOCKADDR_LL_SIZE);
            int rc = (int) GETSOCKNAME.invokeExact(errno, fd, addr, len);
            if (rc != 0) {
                throw new SyscallException("getsockname(fd=" + fd + ")", Libc.errno(errno));
            }
            return addr.get(INT, 4);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("getsockname downcall failed", t);
        }
    }

    /**
     * {@code close(2)} that never throws: for cleanup paths.
     *
     * @param fd the descriptor, ignored if negative
     * @return null, or the failure
     */
    static RuntimeException closeQuietly(int fd) {
        if (fd < 0) {
            return null;
        }
        try {
            Libc.close(fd);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }
}

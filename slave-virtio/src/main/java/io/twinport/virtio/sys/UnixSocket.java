package io.twinport.virtio.sys;

import io.twinport.sys.Errno;
import io.twinport.sys.Libc;
import io.twinport.sys.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An AF_UNIX stream socket through the FFM API, with what vhost-user needs and Java's own channels lack: several file
 * descriptors in one {@code sendmsg(2)} as one {@code SCM_RIGHTS} control message (unix(7)), descriptors received
 * with {@code recvmsg(2)} ({@code MSG_CMSG_CLOEXEC}), and {@code poll(2)} for bounded waits. Control path only: every
 * call allocates its native structures in a confined arena and throws {@link SyscallException} naming the call and
 * errno.
 *
 * <p>The socket is blocking; callers bound their waits with {@link #poll(int, int)} first. {@code EINTR} is retried.
 */
@SuppressWarnings("restricted") // FFM downcalls
public final class UnixSocket implements AutoCloseable {
    /** {@code AF_UNIX} (sys/socket.h). */
    public static final int AF_UNIX = 1;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_CLOEXEC}. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SCM_RIGHTS}: the control message carries file descriptors. */
    public static final int SCM_RIGHTS = 1;
    /** {@code MSG_NOSIGNAL}: EPIPE instead of SIGPIPE when the peer is gone. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** {@code MSG_CTRUNC}: the control buffer was too small, descriptors were lost. */
    public static final int MSG_CTRUNC = 0x8;
    /** {@code MSG_CMSG_CLOEXEC}: received descriptors are close-on-exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** {@code POLLIN}. */
    public static final int POLLIN = 0x1;
    /** {@code poll(2)} event: writable without blocking. */
    public static final int POLLOUT = 0x4;
    /** {@code POLLERR}. */
    public static final int POLLERR = 0x8;
    /** {@code POLLHUP}. */
    public static final int POLLHUP = 0x10;
    /** {@code POLLNVAL}. */
    public static final int POLLNVAL = 0x20;
    /** {@code POLLRDHUP}: the peer closed its end (Linux). */
    public static final int POLLRDHUP = 0x2000;
    /** Most descriptors one message may carry here (vhost-user sends at most 8 memory regions at once). */
    public static final int MAX_FDS = 16;
    /** {@code ENOTCONN} (not in bond-core's table): shutdown of a socket that is not connected. */
    public static final int ENOTCONN = 107;
    /** {@code sizeof(sockaddr_un.sun_path)}. */
    public static final int SUN_PATH_MAX = 108;

    // struct iovec { void *iov_base; size_t iov_len; }
    private static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"), ValueLayout.JAVA_LONG.withName("iov_len"));
    // struct msghdr (x86-64 and aarch64 LP64)
    private static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("msg_name"),
            ValueLayout.JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("msg_iov"),
            ValueLayout.JAVA_LONG.withName("msg_iovlen"),
            ValueLayout.ADDRESS.withName("msg_control"),
            ValueLayout.JAVA_LONG.withName("msg_controllen"),
            ValueLayout.JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
    private static final long MSG_IOV = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iov"));
    private static final long MSG_IOVLEN = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iovlen"));
    private static final long MSG_CONTROL = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_control"));
    private static final long MSG_CONTROLLEN =
            MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_controllen"));
    private static final long MSG_FLAGS = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_flags"));
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char data[]; } (CMSG_ALIGN 8)
    private static final long CMSG_HDR = 16;
    private static final long CMSG_LEVEL = 8;
    private static final long CMSG_TYPE = 12;

    private static final MethodHandle SOCKET = Libc.downcall("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle CONNECT = Libc.downcall("connect",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = Libc.downcall("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle LISTEN = Libc.downcall("listen",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle ACCEPT4 = Libc.downcall("accept4",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDMSG = Libc.downcall("sendmsg",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMSG = Libc.downcall("recvmsg",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle POLL = Libc.downcall("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle SHUTDOWN = Libc.downcall("shutdown",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UNLINK = Libc.downcall("unlink",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SOCKETPAIR = Libc.downcall("socketpair",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private final String name;
    private final int fd;
    private volatile boolean closed;

    private UnixSocket(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Connects to a listening socket, {@code socket(AF_UNIX, SOCK_STREAM)} then {@code connect(2)}.
     *
     * @param path the socket file
     * @return the connected socket
     * @throws SyscallException naming the call, the path and errno (e.g. ENOENT, ECONNREFUSED)
     */
    public static UnixSocket connect(String path) {
        int fd = newSocket(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            while (true) {
                MemorySegment errno = Libc.newErrnoSegment(arena);
                int rc = (int) CONNECT.invokeExact(errno, fd, addr, (int) addr.byteSize());
                if (rc == 0) {
                    return new UnixSocket(path, fd);
                }
                int e = Libc.errno(errno);
                if (e != Errno.EINTR) {
                    throw new SyscallException("connect(path=" + path + ")", e);
                }
            }
        } catch (SyscallException e) {
            Libc.close(fd);
            throw e;
        } catch (Throwable t) {
            Libc.close(fd);
            throw new IllegalStateException("connect downcall failed", t);
        }
    }

    /**
     * Creates a listening socket at {@code path}: {@code bind(2)} then {@code listen(2)}. A stale socket file of
     * that name is not removed: the caller decides ({@link #unlink}).
     *
     * @param path    the socket file to create
     * @param backlog the listen backlog
     * @return the listening socket
     * @throws SyscallException naming the call, the path and errno (e.g. EADDRINUSE)
     */
    public static UnixSocket listen(String path, int backlog) {
        int fd = newSocket(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            MemorySegment errno = Libc.newErrnoSegment(arena);
            if ((int) BIND.invokeExact(errno, fd, addr, (int) addr.byteSize()) != 0) {
                throw new SyscallException("bind(path=" + path + ")", Libc.errno(errno));
            }
            if ((int) LISTEN.invokeExact(errno, fd, backlog) != 0) {
                throw new SyscallException("listen(path=" + path + ")", Libc.errno(errno));
            }
            return new UnixSocket(path, fd);
        } catch (SyscallException e) {
            Libc.close(fd);
            throw e;
        } catch (Throwable t) {
            Libc.close(fd);
            throw new IllegalStateException("listen downcall failed", t);
        }
    }

    /**
     * Two connected sockets ({@code socketpair(2)}), for tests that play the peer.
     *
     * @param name a name for messages
     * @return the two ends
     */
    public static UnixSocket[] pair(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int rc = (int) SOCKETPAIR.invokeExact(errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            if (rc != 0) {
                throw new SyscallException("socketpair(" + name + ")", Libc.errno(errno));
            }
            return new UnixSocket[] {new UnixSocket(name + "[0]", fds.getAtIndex(ValueLayout.JAVA_INT, 0)),
                    new UnixSocket(name + "[1]", fds.getAtIndex(ValueLayout.JAVA_INT, 1))};
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("socketpair downcall failed", t);
        }
    }

    /**
     * Removes a socket file ({@code unlink(2)}); a missing file is not an error.
     *
     * @param path the file
     */
    public static void unlink(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int rc = (int) UNLINK.invokeExact(errno, arena.allocateFrom(path));
            if (rc != 0 && Libc.errno(errno) != Errno.ENOENT) {
                throw new SyscallException("unlink(path=" + path + ")", Libc.errno(errno));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("unlink downcall failed", t);
        }
    }

    private static int newSocket(String path) {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.getBytes(StandardCharsets.UTF_8).length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path '" + path + "' must be 1 to " + (SUN_PATH_MAX - 1)
                    + " bytes long");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int fd = (int) SOCKET.invokeExact(errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new SyscallException("socket(AF_UNIX, SOCK_STREAM) for " + path, Libc.errno(errno));
            }
            return fd;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("socket downcall failed", t);
        }
    }

    private static MemorySegment sockaddr(Arena arena, String path) {
        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        MemorySegment addr = arena.allocate(2 + SUN_PATH_MAX, 2);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
        return addr.asSlice(0, 2 + p.length + 1);
    }

    /**
     * Takes ownership of a connected socket descriptor received from a peer (e.g. the vhost-user back-end request
     * channel of SET_BACKEND_REQ_FD). The caller checks that it is a socket.
     *
     * @param name for messages
     * @param fd   the descriptor; closed by {@link #close()}
     * @return the socket
     */
    public static UnixSocket adopt(String name, int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("socket " + name + ": fd " + fd + " is not a descriptor");
        }
        return new UnixSocket(name, fd);
    }

    /** @return the file descriptor */
    public int fd() {
        return fd;
    }

    /** @return the path (or name) this socket was made for */
    public String name() {
        return name;
    }

    /**
     * Accepts one connection ({@code accept4(2)}), waiting at most {@code timeoutMillis}.
     *
     * @param timeoutMillis most milliseconds to wait; negative waits forever
     * @return the connection, or null on timeout
     */
    public UnixSocket accept(int timeoutMillis) {
        checkOpen("accept");
        int revents = poll(POLLIN, timeoutMillis);
        if ((revents & POLLIN) == 0) {
            if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
                throw new SyscallException("accept(path=" + name + "): listening socket failed, poll revents 0x"
                        + Integer.toHexString(revents), Errno.EBADF);
            }
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            while (true) {
                MemorySegment errno = Libc.newErrnoSegment(arena);
                int c = (int) ACCEPT4.invokeExact(errno, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (c >= 0) {
                    return new UnixSocket(name, c);
                }
                int e = Libc.errno(errno);
                if (e == Errno.EAGAIN) {
                    return null;
                }
                if (e != Errno.EINTR) {
                    throw new SyscallException("accept4(path=" + name + ")", e);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("accept4 downcall failed", t);
        }
    }

    /**
     * Waits for events ({@code poll(2)} on this socket alone).
     *
     * @param events        {@code POLL*} bits wanted
     * @param timeoutMillis most milliseconds to wait; 0 checks, negative waits forever
     * @return the {@code revents} (0 on timeout)
     */
    public int poll(int events, int timeoutMillis) {
        checkOpen("poll");
        try (Arena arena = Arena.ofConfined()) {
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pfd = arena.allocate(8, 4);
            long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                pfd.set(ValueLayout.JAVA_INT, 0, fd);
                pfd.set(ValueLayout.JAVA_SHORT, 4, (short) events);
                pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                MemorySegment errno = Libc.newErrnoSegment(arena);
                int wait = timeoutMillis < 0 ? -1
                        : (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                int rc = (int) POLL.invokeExact(errno, pfd, 1L, wait);
                if (rc >= 0) {
                    return rc == 0 ? 0 : pfd.get(ValueLayout.JAVA_SHORT, 6) & 0xFFFF;
                }
                int e = Libc.errno(errno);
                if (e != Errno.EINTR) {
                    throw new SyscallException("poll(fd=" + fd + ", path=" + name + ")", e);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll downcall failed", t);
        }
    }

    /**
     * Sends {@code data} with {@code fds} attached as one {@code SCM_RIGHTS} control message, all in one
     * {@code sendmsg(2)} (a partial send is finished with further calls that carry no descriptors).
     *
     * @param data the bytes
     * @param fds  descriptors to pass (may be empty), at most {@value #MAX_FDS}
     * @throws SyscallException naming sendmsg and errno (EPIPE when the peer is gone)
     */
    public void send(byte[] data, int[] fds) {
        checkOpen("sendmsg");
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("socket " + name + ": " + fds.length + " descriptors in one message, "
                    + "at most " + MAX_FDS);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment iov = arena.allocate(IOVEC);
            MemorySegment msg = arena.allocate(MSGHDR);
            long sent = 0;
            boolean withFds = fds.length > 0;
            while (sent < data.length || withFds) {
                iov.set(ValueLayout.ADDRESS, 0, buf.asSlice(sent));
                iov.set(ValueLayout.JAVA_LONG, 8, data.length - sent);
                msg.fill((byte) 0);
                msg.set(ValueLayout.ADDRESS, MSG_IOV, iov);
                msg.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1L);
                if (withFds) {
                    long space = CMSG_HDR + align8(4L * fds.length);
                    MemorySegment control = arena.allocate(space, 8);
                    control.set(ValueLayout.JAVA_LONG, 0, CMSG_HDR + 4L * fds.length); // CMSG_LEN
                    control.set(ValueLayout.JAVA_INT, CMSG_LEVEL, SOL_SOCKET);
                    control.set(ValueLayout.JAVA_INT, CMSG_TYPE, SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++) {
                        control.set(ValueLayout.JAVA_INT, CMSG_HDR + 4L * i, fds[i]);
                    }
                    msg.set(ValueLayout.ADDRESS, MSG_CONTROL, control);
                    msg.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, space);
                }
                MemorySegment errno = Libc.newErrnoSegment(arena);
                long n = (long) SENDMSG.invokeExact(errno, fd, msg, MSG_NOSIGNAL);
                if (n < 0) {
                    int e = Libc.errno(errno);
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new SyscallException("sendmsg(path=" + name + ", bytes=" + (data.length - sent) + ", fds="
                            + fds.length + ")", e);
                }
                sent += n;
                withFds = false;
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sendmsg downcall failed", t);
        }
    }

    /** What one {@link #receive} call got. */
    public static final class Received {
        private final int bytes;
        private final int[] fds;

        Received(int bytes, int[] fds) {
            this.bytes = bytes;
            this.fds = fds;
        }

        /** @return bytes received; 0 means the peer closed the connection */
        public int bytes() {
            return bytes;
        }

        /** @return descriptors that came with them (the caller owns and must close them) */
        public int[] fds() {
            return fds;
        }
    }

    /**
     * One {@code recvmsg(2)} of up to {@code len} bytes into {@code dst[off..]}, with any descriptors attached.
     *
     * @param dst destination
     * @param off offset in dst
     * @param len most bytes
     * @return what was received; 0 bytes means end of stream
     * @throws SyscallException naming recvmsg and errno, or if descriptors were truncated (they are closed)
     */
    public Received receive(byte[] dst, int off, int len) {
        checkOpen("recvmsg");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, len));
            MemorySegment iov = arena.allocate(IOVEC);
            iov.set(ValueLayout.ADDRESS, 0, buf);
            iov.set(ValueLayout.JAVA_LONG, 8, (long) len);
            long space = CMSG_HDR + align8(4L * MAX_FDS);
            MemorySegment control = arena.allocate(space, 8);
            MemorySegment msg = arena.allocate(MSGHDR);
            while (true) {
                msg.fill((byte) 0);
                control.fill((byte) 0);
                msg.set(ValueLayout.ADDRESS, MSG_IOV, iov);
                msg.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1L);
                msg.set(ValueLayout.ADDRESS, MSG_CONTROL, control);
                msg.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, space);
                MemorySegment errno = Libc.newErrnoSegment(arena);
                long n = (long) RECVMSG.invokeExact(errno, fd, msg, MSG_CMSG_CLOEXEC);
                if (n < 0) {
                    int e = Libc.errno(errno);
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new SyscallException("recvmsg(path=" + name + ")", e);
                }
                int[] fds = parseRights(control, msg.get(ValueLayout.JAVA_LONG, MSG_CONTROLLEN));
                if ((msg.get(ValueLayout.JAVA_INT, MSG_FLAGS) & MSG_CTRUNC) != 0) {
                    closeAll(fds);
                    throw new SyscallException("recvmsg(path=" + name + "): more than " + MAX_FDS
                            + " descriptors in one message, control data truncated", Errno.ENOBUFS);
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, dst, off, (int) n);
                return new Received((int) n, fds);
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("recvmsg downcall failed", t);
        }
    }

    /** Refuses calls on a closed socket: its descriptor number may already belong to someone else. */
    private void checkOpen(String call) {
        if (closed) {
            throw new SyscallException(call + "(path=" + name + "): the socket is closed", Errno.EBADF);
        }
    }

    private static int[] parseRights(MemorySegment control, long controlLen) {
        int[] fds = new int[0];
        long off = 0;
        while (off + CMSG_HDR <= controlLen) {
            long len = control.get(ValueLayout.JAVA_LONG, off);
            if (len < CMSG_HDR || off + len > controlLen) {
                break;
            }
            if (control.get(ValueLayout.JAVA_INT, off + CMSG_LEVEL) == SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, off + CMSG_TYPE) == SCM_RIGHTS) {
                int n = (int) ((len - CMSG_HDR) / 4);
                int base = fds.length;
                fds = Arrays.copyOf(fds, base + n);
                for (int i = 0; i < n; i++) {
                    fds[base + i] = control.get(ValueLayout.JAVA_INT, off + CMSG_HDR + 4L * i);
                }
            }
            off += align8(len);
        }
        return fds;
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /**
     * Closes descriptors, ignoring errors (for descriptors received that nobody will use).
     *
     * @param fds the descriptors
     */
    public static void closeAll(int[] fds) {
        for (int f : fds) {
            try {
                Libc.close(f);
            } catch (RuntimeException ignored) {
                // already closed or invalid: nothing more to release
            }
        }
    }

    /**
     * Shuts both directions down ({@code shutdown(SHUT_RDWR)}), waking a peer or a thread blocked on it; no-op once
     * closed (the descriptor number may already belong to someone else).
     */
    public synchronized void shutdown() {
        if (closed) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoSegment(arena);
            int rc = (int) SHUTDOWN.invokeExact(errno, fd, 2);
            if (rc != 0) {
                int e = Libc.errno(errno);
                if (e != ENOTCONN) {
                    throw new SyscallException("shutdown(path=" + name + ")", e);
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("shutdown downcall failed", t);
        }
    }

    /** Closes the socket; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(fd);
    }

    @Override
    public String toString() {
        return "UnixSocket[" + name + ", fd=" + fd + "]";
    }
}

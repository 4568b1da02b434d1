package io.twinport.sys;

import java.io.Serial;

/**
 * A system call failed. The message names the call, what it was called on and the errno, e.g.
 * {@code "memfd_create(name=pool0) failed: ENOMEM (Cannot allocate memory)"}.
 */
public class SyscallException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call  the call and its interesting arguments, e.g. {@code "mmap(size=2097152)"}
     * @param errno the errno it left
     */
    public SyscallException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + Libc.strerror(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** @return the call and its arguments as given */
    public String call() {
        return call;
    }

    /** @return the errno the call left */
    public int errno() {
        return errno;
    }
}

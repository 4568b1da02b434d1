/**
 * System calls through the FFM API ({@code java.lang.foreign}): memfd, mmap and the errno plumbing the drivers
 * reuse. Every failure is a {@link io.twinport.sys.SyscallException} naming the call and the errno.
 */
package io.twinport.sys;

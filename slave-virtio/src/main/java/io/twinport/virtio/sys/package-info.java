/**
 * The system calls slave-virtio needs beyond bond-core's {@link io.twinport.sys.Libc}, through the FFM API:
 * {@link io.twinport.virtio.sys.UnixSocket} (AF_UNIX stream sockets with {@code sendmsg}/{@code recvmsg} carrying
 * several file descriptors in one SCM_RIGHTS control message, {@code poll} for bounded waits) and
 * {@link io.twinport.virtio.sys.EventFd} (the kick and call notifiers of vhost-user). Failures are
 * {@link io.twinport.sys.SyscallException}s naming the call and errno.
 */
package io.twinport.virtio.sys;

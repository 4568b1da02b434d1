/**
 * The virtio-net member: a virtio-net driver (virtio 1.2, section 5.1) whose device is reached over vhost-user,
 * the way QEMU's {@code virtio-net-pci} with a vhost-user netdev reaches its back-end, and which negotiates
 * VIRTIO_NET_F_STANDBY so that a failover port can form around it. The split virtqueues are in
 * {@link io.twinport.virtio.virtq}, the vhost-user protocol in {@link io.twinport.virtio.vhost}, the system calls in
 * {@link io.twinport.virtio.sys}.
 */
package io.twinport.virtio;

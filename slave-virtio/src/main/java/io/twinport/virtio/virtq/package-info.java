/**
 * Split virtqueues, driver side (virtio 1.2, section 2.7 "Split Virtqueues"): {@link
 * io.twinport.virtio.virtq.VirtqDescriptor} holds every offset, size and flag of the ring layout, in one place
 * (Agrona's {@code RingBufferDescriptor} idea); {@link io.twinport.virtio.virtq.Virtq} is the access code: the
 * descriptor table, the available ring the driver publishes with a release store, the used ring it reads with an
 * acquire load, a private free-descriptor list, and notification suppression. Everything the device writes is
 * checked before use; a device that breaks the rules puts the queue in a failed state described by a
 * {@link io.twinport.virtio.virtq.VirtqFault} naming the field.
 */
package io.twinport.virtio.virtq;

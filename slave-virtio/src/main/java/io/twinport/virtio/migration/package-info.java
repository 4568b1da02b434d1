/**
 * The host side of a live migration with a failover pair, the part QEMU and libvirt play: a state machine
 * ({@link io.twinport.virtio.migration.MigrationSequence}, states in
 * {@link io.twinport.virtio.migration.MigrationState}) that asks the guest to let its VF go, waits for it with a
 * timeout, unplugs the VF keeping its resources, moves the virtio device to the target, has the guest announce
 * itself and plugs the target's VF, or rolls back and re-plugs the same VF on the source; every step an event
 * ({@link io.twinport.virtio.migration.MigrationEvent}), also on the management socket.
 *
 * <p>The host's operations are three small interfaces that a host implements:
 * {@link io.twinport.virtio.migration.HostVf} (plug, request unplug, cancel the request, unplug, release),
 * {@link io.twinport.virtio.migration.HostDevice} (move the device's state to the target, request an announcement)
 * and the guest's answer {@link io.twinport.virtio.migration.PrimaryReleased}; a
 * {@link io.twinport.virtio.migration.MigrationHost} groups a host's device and VF.
 */
package io.twinport.virtio.migration;

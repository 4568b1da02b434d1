/**
 * The vhost-user protocol, front-end side (QEMU, docs/interop/vhost-user.rst): the requests with the spec's names
 * and numbers ({@link io.twinport.virtio.vhost.VhostUserRequest}), the protocol feature bits
 * ({@link io.twinport.virtio.vhost.VhostUserProtocolFeature}), the message layout
 * ({@link io.twinport.virtio.vhost.VhostUserMessageDescriptor}), framing and checking of messages on the control
 * socket ({@link io.twinport.virtio.vhost.VhostUserChannel}) and the typed requests a front-end makes
 * ({@link io.twinport.virtio.vhost.VhostUserFrontend}). Every check of what the back-end sends fails with a
 * {@link io.twinport.virtio.vhost.VhostUserException} naming the message and the field.
 */
package io.twinport.virtio.vhost;

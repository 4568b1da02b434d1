package io.twinport.virtio.virtq;

/**
 * How a queue notifies the device of new available buffers (a "kick", virtio 1.2 section 2.7.13.4): for
 * vhost-user, a write to the queue's kick eventfd. Called on the data path, only when the device did not suppress
 * notifications; must not allocate or throw.
 */
@FunctionalInterface
public interface Notifier {
    /** A notifier that does nothing (a device that polls, or tests). */
    Notifier NONE = () -> { };

    /** Notifies the device. */
    void kick();
}

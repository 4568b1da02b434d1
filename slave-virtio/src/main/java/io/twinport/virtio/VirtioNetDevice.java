package io.twinport.virtio;

import io.twinport.mem.SharedMemory;
import io.twinport.virtio.virtq.Notifier;
import io.twinport.virtio.virtq.Virtq;

import java.util.List;

/**
 * A virtio-net device as its driver sees it (virtio 1.2, 3.1 "Device Initialization"): offered features, the
 * driver's acknowledgement (FEATURES_OK), the configuration space, queue notifications and DRIVER_OK (the queues
 * go live). {@link VirtioUserDevice} implements it over vhost-user, playing the part QEMU plays for a guest.
 *
 * <p>Control path; one thread at a time, except {@link Notifier#kick()} of data queues, which the queue's thread
 * calls.
 */
public interface VirtioNetDevice extends AutoCloseable {
    /** What the device tells its driver from its own control thread. Never called while the device holds a lock. */
    interface Listener {
        /** @param up the link state in the config space (VIRTIO_NET_S_LINK_UP) changed to this */
        void onLinkChange(boolean up);

        /** @param reason the device is gone or broke a rule, for good; the message names what happened */
        void onFailure(String reason);

        /** The config space changed (e.g. VIRTIO_NET_S_ANNOUNCE was set): the driver reads it again. */
        default void onConfigChange() {
        }
    }

    /** @return for messages, e.g. the socket path */
    String name();

    /** @return the device features (3.1.1 step 4) */
    long deviceFeatures();

    /**
     * The driver's features (3.1.1 steps 5-6, FEATURES_OK).
     *
     * @param features a subset of {@link #deviceFeatures()}
     * @throws IllegalArgumentException naming the bits the device refuses
     */
    void setDriverFeatures(long features);

    /** @return the configuration space now */
    VirtioNetConfig config();

    /**
     * @param queueIndex a virtqueue index
     * @return how a driver notifies the device about that queue
     */
    Notifier notifier(int queueIndex);

    /**
     * DRIVER_OK: the device starts using the queues, which lie in {@code memory} with their buffers.
     *
     * @param queues the queues, in no particular order, each with its virtqueue index (the control queue included)
     * @param memory every region queues and buffers lie in
     */
    void startQueues(List<Virtq> queues, List<SharedMemory> memory);

    /** The device stops using every queue; afterwards the driver may reclaim their buffers. */
    void stopQueues();

    /** @param listener where link changes and failures go */
    void setListener(Listener listener);

    /** @return true while the device is reachable (a vhost-user back-end is connected) */
    boolean connected();

    /** Releases the device. */
    @Override
    void close();
}

package io.twinport.netty;

import io.netty.channel.IoHandle;

/**
 * What a {@link TwinportIoHandler} polls: a {@link TwinportChannel}'s unsafe. Both methods run on the event loop.
 */
interface TwinportIoHandle extends IoHandle {
    /**
     * One poll round: the port's state, pending TX, RX bursts (when a read is pending).
     *
     * @return work done (frames moved, or a state change); 0 lets the loop idle
     */
    int poll();

    /** Closes the channel at once (the event loop shuts down). */
    void closeNow();

    /** Closes the channel; never throws. */
    @Override
    void close();
}

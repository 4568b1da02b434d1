package io.twinport.testing;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.registry.PortRegistry;

/**
 * What the {@link PortContractTest} needs from a driver: the port under test, and a peer on the other side of its
 * wire that can send frames to it and take the frames it sent. Each driver module writes one of these.
 */
public interface PortFixture extends AutoCloseable {
    /** @return the port under test, created and not configured, registered in {@link #registry()} */
    Port port();

    /** @return the pool test packets come from and the port receives into */
    PacketPool pool();

    /** @return a registry driven by hand ({@code doWork()}), where the port is registered */
    PortRegistry registry();

    /**
     * Makes the peer send frames towards the port's RX queue {@code queue}; the port must be started.
     *
     * @param queue  the port's RX queue to aim at (ignored by drivers that cannot steer, see {@link #canSteer()})
     * @param count  frames to send
     * @param length bytes per frame (at least 60)
     * @return frames the peer managed to send
     */
    int injectRx(int queue, int count, int length);

    /**
     * Takes every frame the port has transmitted so far out of the peer, frees them, and counts them. Waits a
     * bounded time for frames still on their way.
     *
     * @param expected how many frames the caller expects, to stop waiting early
     * @return frames taken
     */
    int collectTx(int expected);

    /** @return true if {@link #setPeerLink} works for this driver */
    default boolean canControlLink() {
        return true;
    }

    /**
     * Brings the link as the port sees it down or up (the peer stops, a cable is pulled, a carrier drops).
     *
     * @param up the link state wanted
     */
    void setPeerLink(boolean up);

    /** @return true if frames injected for queue q arrive on RX queue q */
    default boolean canSteer() {
        return true;
    }

    /** @return true if TX refuses frames once the peer stops taking them (so partial TX can be provoked) */
    default boolean txCanFill() {
        return true;
    }

    @Override
    void close();
}

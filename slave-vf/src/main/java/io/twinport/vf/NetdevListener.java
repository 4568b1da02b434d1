package io.twinport.vf;

/**
 * Told by a {@link NetdevWatcher} about what the port registry has no event for. Called on the registry's control
 * thread, in order with the port events (through {@link io.twinport.registry.PortRegistry#execute}).
 */
@FunctionalInterface
public interface NetdevListener {
    /**
     * A netdev a port is bound to was renamed. The port keeps working (it is bound by ifindex) and keeps its name
     * in the registry; {@link AfPacketPort#ifName()} is the new name.
     *
     * @param port the port
     * @param from the old netdev name
     * @param to   the new netdev name
     */
    void onRenamed(AfPacketPort port, String from, String to);
}

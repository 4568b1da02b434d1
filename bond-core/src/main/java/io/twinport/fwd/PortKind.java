package io.twinport.fwd;

import io.twinport.port.Port;
import io.twinport.port.PortConfig;

import java.util.List;

/**
 * A kind of port that can be opened from a DPDK-devargs-style spec, {@code KIND,key=value,...}: the service
 * provider interface through which each driver module offers its ports to the fwd tool (and to anything else that
 * opens ports from text). Implementations are found with {@link java.util.ServiceLoader}: a driver module lists
 * its kind in {@code META-INF/services/io.twinport.fwd.PortKind}, and bond-core never names it.
 *
 * <p>Life of a spec: {@link PortSpec#parse} finds the kind by {@link #name()}, checks every key against
 * {@link #keys()} and fills in defaults, then calls {@link #validate}; all of that happens for every spec before
 * anything is opened. Then {@link #open} creates the ports, and the caller configures them with
 * {@link #portConfig} and starts them. Closing a port releases everything {@link #open} created for it.
 */
public interface PortKind {
    /** @return the kind's name, the first word of a spec, e.g. {@code wire} */
    String name();

    /** @return one line for the help text */
    String description();

    /** @return the keys this kind accepts, in the order the help text lists them */
    List<SpecKey> keys();

    /**
     * Checks rules that span several keys; single values are already checked against their {@link SpecKey}.
     *
     * @param spec the parsed spec, defaults filled in
     * @throws PortSpecException naming the keys and what is expected
     */
    default void validate(PortSpec spec) {
    }

    /**
     * Adapts the configuration the caller proposes (queue counts, promiscuous mode) to this spec, e.g. its ring
     * size. The default returns it unchanged.
     *
     * @param spec     the spec
     * @param proposed the caller's configuration
     * @return the configuration to apply to every port the spec opened
     */
    default PortConfig portConfig(PortSpec spec, PortConfig proposed) {
        return proposed;
    }

    /**
     * Opens the ports a spec describes, in a fixed order (the fwd tool pairs them 0-1, 2-3, ...). They are created,
     * not configured, and added to {@link PortContext#registry()}. On failure nothing stays open.
     *
     * @param spec    the validated spec
     * @param context the packet pool, the registry, a naming helper
     * @return the ports, one or more
     * @throws io.twinport.port.PortException or another runtime exception naming what failed
     */
    List<Port> open(PortSpec spec, PortContext context);
}

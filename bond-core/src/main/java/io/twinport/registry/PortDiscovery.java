package io.twinport.registry;

import io.twinport.mem.PacketPool;

import java.util.Map;

/**
 * A source of ports that appear by themselves: netdevs of this network namespace, vhost-user sockets in a
 * directory, ... The service provider interface through which a driver module offers them to a config-free
 * application ({@code fwd --auto}): a module lists its discovery in
 * {@code META-INF/services/io.twinport.registry.PortDiscovery}, and bond-core never names it.
 *
 * <p>A running discovery ({@link Session}) adds a port to the registry when it appears (created, not configured:
 * whoever uses it configures it; usually a {@link io.twinport.failover.FailoverManager} claims it as a member and
 * the failover port configures it) and removes it when it goes. It is driven Agrona-style, without threads of its
 * own: {@link #start} and every {@link Session#doWork()} run on the registry's control thread (the thread that calls
 * {@link PortRegistry#doWork()}), so the ports it adds and removes are in order with every other control-path
 * event. Closing the session removes from the registry, and closes, every port it added that is still there.
 *
 * <p>Settings are text, from the application's command line or environment; each discovery reads the keys it knows
 * and ignores the others, so a new discovery plugs in without the application knowing it. Keys in use:
 * {@value #NETDEVS} (the netdev discovery: a regular expression the whole netdev name must match),
 * {@value #VHOST_DIR} (the vhost-user directory discovery: the directory whose sockets become virtio-user ports).
 */
public interface PortDiscovery {
    /** Setting: which netdevs the netdev discovery takes, a regular expression matched against the whole name. */
    String NETDEVS = "netdevs";
    /** Setting: the directory in which the vhost-user discovery looks for back-end sockets. */
    String VHOST_DIR = "vhost-dir";

    /** @return the discovery's name, e.g. {@code netdev} */
    String name();

    /** @return one line for the help text */
    String description();

    /**
     * Checks the settings this discovery reads, before anything is opened. The default accepts everything.
     *
     * @param settings the settings
     * @throws IllegalArgumentException one line naming the key, the value and what is expected
     */
    default void validate(Map<String, String> settings) {
    }

    /**
     * Starts discovering, on the registry's control thread: ports that exist now are added before this returns
     * (or on the first {@link Session#doWork()}), later ones as they appear.
     *
     * @param registry where ports are added and removed
     * @param pool     the pool the ports it creates receive into
     * @param settings the settings (see the class comment)
     * @return the running discovery
     * @throws RuntimeException naming what could not be opened; nothing stays open
     */
    Session start(PortRegistry registry, PacketPool pool, Map<String, String> settings);

    /** A running discovery. Every method is called on the registry's control thread. */
    interface Session extends AutoCloseable {
        /**
         * The duty cycle: looks for ports that appeared or went, without blocking.
         *
         * @return how much it did (0: idle)
         */
        int doWork();

        /** @return what it watches, for messages, e.g. {@code netdevs ~ /eth.+/} */
        String describe();

        /**
         * Stops discovering; every port it added that is still registered leaves the registry
         * ({@link io.twinport.port.RemovalReason#CLOSED}) and is closed, which returns its buffers to their pool.
         * Release a port's claim (close its failover port) first. Never throws.
         */
        @Override
        void close();
    }
}

package io.twinport.port;

import io.twinport.policy.MacAddress;

import io.twinport.mem.Packet;

import java.util.Map;
import java.util.Optional;

/**
 * A port: anything with RX and TX bursts, a MAC, queues, link state and counters (DPDK's ethdev, in Java).
 *
 * <h2>Control path</h2>
 * {@link #configure} (while stopped), {@link #start}, {@link #stop}, {@link #close}; one {@link PortState}.
 * Misuse throws {@link PortException} naming the port and the value. A port claimed by an owner (a failover port
 * claims its members) refuses these calls from anyone but the owner, who makes them through its {@link Claim}.
 *
 * <h2>Data path</h2>
 * {@link #rxBurst} and {@link #txBurst} work on caller-owned arrays and return counts. Each queue is polled by one
 * thread at a time. They never throw, log, block or allocate: misuse (a bad queue id, a null array, a range outside
 * the array) returns 0 and is counted in the port's errors; a port that is not started returns 0. The application
 * stops polling a port before calling {@link #stop} or {@link #close} on it.
 */
public interface Port extends AutoCloseable {
    /** @return a process-wide unique id; received packets carry it ({@link Packet#port()}) */
    int id();

    /** @return what the driver reports about the device */
    PortInfo info();

    /** @return the port's name */
    default String name() {
        return info().name();
    }

    /** @return the MAC address in use: the configured one, else the device's */
    MacAddress mac();

    /** @return the life-cycle state */
    PortState state();

    /** @return the configuration last applied, or null before the first {@link #configure} */
    PortConfig config();

    /**
     * Applies a configuration; the port must be stopped ({@link PortState#CREATED} or {@link PortState#CONFIGURED}).
     *
     * @param config queue counts, ring size, MTU, MAC, receive modes
     * @throws PortException if started, gone, owned by someone else, or a value is out of range
     */
    void configure(PortConfig config);

    /**
     * Starts the data path.
     *
     * @throws PortException if not configured, already started, gone, or owned by someone else
     */
    void start();

    /**
     * Stops the data path; the port can be reconfigured and started again.
     *
     * @throws PortException if not started, or owned by someone else
     */
    void stop();

    /**
     * Stops the port if needed and releases everything it holds: every packet it owns goes back to its pool.
     * Idempotent.
     *
     * @throws PortException if owned by someone else
     */
    @Override
    void close();

    /**
     * Receives up to {@code max} packets from RX queue {@code queue} into {@code pkts[offset..]}. The caller owns the
     * packets it gets and must transmit or free them.
     *
     * @param queue  RX queue id
     * @param pkts   destination array
     * @param offset first slot to fill
     * @param max    most packets to receive
     * @return how many were received (0 on misuse, counted as an RX error)
     */
    int rxBurst(int queue, Packet[] pkts, int offset, int max);

    /**
     * Offers {@code count} packets from {@code pkts[offset..]} to TX queue {@code queue}. The port takes the first
     * {@code n} (the return value) and frees them once sent; the caller keeps {@code pkts[offset+n..offset+count)}
     * and must retry or free them.
     *
     * @param queue  TX queue id
     * @param pkts   the packets
     * @param offset first slot
     * @param count  how many are offered
     * @return how many the port took (0 on misuse, counted as a TX error)
     */
    int txBurst(int queue, Packet[] pkts, int offset, int count);

    /** @return true if the link is up */
    boolean linkUp();

    /** @return the basic counters; each one never goes backwards */
    PortStats stats();

    /**
     * @return named extended counters (DPDK's xstats): the basic ones, per-queue ones such as
     *         {@code rx_q0_packets}, and the driver's own; insertion-ordered
     */
    Map<String, Long> xstats();

    /**
     * Claims the port for {@code owner}: from now on only the returned {@link Claim} may configure, start, stop or
     * close it.
     *
     * @param owner the owner's name (shown in refusals)
     * @return the claim
     * @throws PortException naming the current owner if the port is already claimed, or if it is gone
     */
    Claim claim(String owner);

    /** @return the current owner's name, if claimed */
    Optional<String> owner();

    /**
     * Where this port posts its events ({@link PortEventType#LINK_UP}, {@link PortEventType#LINK_DOWN}); called by
     * the registry when the port is added.
     *
     * @param sink the sink
     */
    void bindEvents(PortEventSink sink);
}

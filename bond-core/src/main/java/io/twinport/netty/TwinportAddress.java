package io.twinport.netty;

import java.io.Serial;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * A {@link TwinportChannel}'s local address: the port and the queues the channel polls. There is no remote address:
 * frames go to whatever the wire reaches.
 */
public final class TwinportAddress extends SocketAddress {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The port's name. */
    private final String port;
    /** The first queue. */
    private final int firstQueue;
    /** How many queues. */
    private final int queues;

    /**
     * @param port       the port's name
     * @param firstQueue the first queue
     * @param queues     how many queues, from {@code firstQueue}
     */
    public TwinportAddress(String port, int firstQueue, int queues) {
        this.port = Objects.requireNonNull(port, "port");
        this.firstQueue = firstQueue;
        this.queues = queues;
    }

    /** @return the port's name */
    public String port() {
        return port;
    }

    /** @return the first queue */
    public int firstQueue() {
        return firstQueue;
    }

    /** @return how many queues, from {@link #firstQueue()} */
    public int queues() {
        return queues;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TwinportAddress a && a.port.equals(port) && a.firstQueue == firstQueue
                && a.queues == queues;
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, firstQueue, queues);
    }

    @Override
    public String toString() {
        return port + (queues == 1 ? "[q" + firstQueue + "]" : "[q" + firstQueue + "..q" + (firstQueue + queues - 1)
                + "]");
    }
}

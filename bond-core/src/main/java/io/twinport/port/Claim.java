package io.twinport.port;

/**
 * Ownership of a port (DPDK's {@code rte_eth_dev_owner}). While a claim is held, the port's control calls are
 * refused to everyone else, with a message that names this owner; the owner makes them through the claim.
 * The data path is not checked per burst: the owner is the only party that has a reason to poll the port.
 */
public final class Claim implements AutoCloseable {
    private final AbstractPort port;
    private final String owner;

    Claim(AbstractPort port, String owner) {
        this.port = port;
        this.owner = owner;
    }

    /** @return the claimed port */
    public Port port() {
        return port;
    }

    /** @return the owner's name */
    public String owner() {
        return owner;
    }

    /**
     * @param config the configuration
     * @see Port#configure(PortConfig)
     */
    public void configure(PortConfig config) {
        port.configureAs(this, config);
    }

    /** @see Port#start() */
    public void start() {
        port.startAs(this);
    }

    /** @see Port#stop() */
    public void stop() {
        port.stopAs(this);
    }

    /** Closes the port (see {@link Port#close()}) and ends the claim. */
    public void closePort() {
        port.closeAs(this);
    }

    /** @return true while this claim is the port's current one */
    public boolean valid() {
        return port.currentClaim() == this;
    }

    /** Gives the port back: it can be claimed or used directly again. Idempotent. */
    public void release() {
        port.release(this);
    }

    /** Same as {@link #release()}. */
    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Claim[" + port.name() + " by " + owner + "]";
    }
}

package io.twinport.netty;

import io.twinport.port.PortState;
import io.twinport.port.RemovalReason;

import java.io.IOException;

/**
 * Why a {@link TwinportChannel} closed by itself: its port went away under it. It is fired as
 * {@code exceptionCaught}, fails every write still queued, and is kept as {@link TwinportChannel#closeCause()}.
 */
public final class PortGoneException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The port's name. */
    private final String port;
    /** The reason the registry gave with REMOVED, or null if the port's state said it first. */
    private final transient RemovalReason reason;
    /** The port's state when the channel saw it gone. */
    private final transient PortState state;

    PortGoneException(String port, RemovalReason reason, PortState state, String message) {
        super(message);
        this.port = port;
        this.reason = reason;
        this.state = state;
    }

    /** @return the port's name */
    public String port() {
        return port;
    }

    /** @return the reason the registry gave with REMOVED, or null when the port's own state said it first */
    public RemovalReason reason() {
        return reason;
    }

    /** @return the port's state when the channel saw it gone ({@code REMOVED}, {@code CLOSED}, or stopped) */
    public PortState state() {
        return state;
    }
}

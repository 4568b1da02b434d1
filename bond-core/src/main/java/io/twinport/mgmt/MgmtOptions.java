package io.twinport.mgmt;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the management server runs: where it listens and its limits, each with its default, checked once here.
 *
 * @param socket           the socket path
 * @param maxLineBytes     the longest command line accepted, newline excluded; a longer one is discarded and
 *                         answered with a {@code LineTooLong} error, the connection stays usable
 * @param maxOutboundBytes the most bytes of replies and events that may wait unsent for one client; a client that
 *                         lets more pile up (it does not read) is disconnected (never silently skipped: a client that
 *                         sees the connection close knows it may have missed events)
 * @param maxClients       the most clients connected at once; one more gets a {@code TooManyClients} error and is
 *                         disconnected
 */
public record MgmtOptions(Path socket, int maxLineBytes, int maxOutboundBytes, int maxClients) {
    /** Default {@link #maxLineBytes()}: 64 KiB. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
    /** Default {@link #maxOutboundBytes()}: 1 MiB. */
    public static final int DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;
    /** Default {@link #maxClients()}. */
    public static final int DEFAULT_MAX_CLIENTS = 32;

    /** Checks the fields. */
    public MgmtOptions {
        Objects.requireNonNull(socket, "socket");
        if (maxLineBytes < 256 || maxLineBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("management socket: max line " + maxLineBytes
                    + " bytes out of range [256, 16777216]");
        }
        if (maxOutboundBytes < 4096 || maxOutboundBytes > 1 << 30) {
            throw new IllegalArgumentException("management socket: max outbound " + maxOutboundBytes
                    + " bytes out of range [4096, 1073741824]");
        }
        if (maxClients < 1 || maxClients > 1024) {
            throw new IllegalArgumentException("management socket: max clients " + maxClients
                    + " out of range [1, 1024]");
        }
    }

    /**
     * @param socket the socket path
     * @return options with the default limits
     */
    public static MgmtOptions of(Path socket) {
        return new MgmtOptions(socket, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_OUTBOUND_BYTES, DEFAULT_MAX_CLIENTS);
    }

    /** @return options for {@link MgmtSocket#defaultPath()} with the default limits */
    public static MgmtOptions defaults() {
        return of(MgmtSocket.defaultPath());
    }

    /**
     * @param bytes the outbound limit
     * @return a copy with it
     */
    public MgmtOptions withMaxOutboundBytes(int bytes) {
        return new MgmtOptions(socket, maxLineBytes, bytes, maxClients);
    }

    /**
     * @param bytes the line limit
     * @return a copy with it
     */
    public MgmtOptions withMaxLineBytes(int bytes) {
        return new MgmtOptions(socket, bytes, maxOutboundBytes, maxClients);
    }

    /**
     * @param n the client limit
     * @return a copy with it
     */
    public MgmtOptions withMaxClients(int n) {
        return new MgmtOptions(socket, maxLineBytes, maxOutboundBytes, n);
    }
}

package io.twinport.virtio.vhost;

import java.io.Serial;

/**
 * The vhost-user conversation failed: the back-end sent something the protocol does not allow (the message names
 * the request and the field, e.g. {@code "vhost-user /tmp/vu.sock: reply to GET_FEATURES (1): request field is
 * SET_FEATURES (2)"}), refused a request, timed out, or closed the connection.
 */
public class VhostUserException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @param message names the socket, the message and the field */
    public VhostUserException(String message) {
        super(message);
    }

    /**
     * @param message names the socket and the message
     * @param cause   the failed system call
     */
    public VhostUserException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.twinport.port;

import java.io.Serial;

/**
 * A control-path call on a port was refused. The message names the port and the offending value, e.g.
 * {@code "port wire0: rx queues 9 out of range [1, 8]"}.
 */
public class PortException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @param message names the port and the value */
    public PortException(String message) {
        super(message);
    }

    /**
     * @param message names the port and the value
     * @param cause   the underlying failure (e.g. a {@link io.twinport.sys.SyscallException})
     */
    public PortException(String message, Throwable cause) {
        super(message, cause);
    }
}

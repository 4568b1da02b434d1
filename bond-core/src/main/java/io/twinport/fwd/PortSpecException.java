package io.twinport.fwd;

import java.io.Serial;

/**
 * A port spec was refused before anything was opened. The message is one line that names what is wrong and what
 * is accepted, e.g. {@code "unknown key 'foo' for kind wire; accepted keys: name, queues, ringsize"}.
 */
public class PortSpecException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @param message one line: what is wrong, and what is accepted */
    public PortSpecException(String message) {
        super(message);
    }
}

package io.twinport.fwd;

import java.io.Serial;

/** The command line was refused: one line naming the option and what was expected. Exit status 2. */
final class UsageException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}

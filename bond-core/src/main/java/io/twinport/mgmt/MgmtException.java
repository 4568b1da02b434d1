package io.twinport.mgmt;

import java.io.Serial;
import java.util.Objects;

/** A command the server refuses: becomes an error reply of {@link #errorClass()} with the message as its desc. */
final class MgmtException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final MgmtErrorClass errorClass;

    MgmtException(MgmtErrorClass errorClass, String desc) {
        super(desc, null, false, false);
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
    }

    MgmtErrorClass errorClass() {
        return errorClass;
    }
}

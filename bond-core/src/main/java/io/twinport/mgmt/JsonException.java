package io.twinport.mgmt;

import java.io.Serial;

/** Text that is not the JSON expected; the message names the offset and what was wrong. */
public final class JsonException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Where in the text, in chars. */
    private final int offset;

    /**
     * @param message what was wrong, and where
     * @param offset  the offset in chars
     */
    public JsonException(String message, int offset) {
        super(message);
        this.offset = offset;
    }

    /** @return the offset in the text (chars) where the problem was found */
    public int offset() {
        return offset;
    }
}

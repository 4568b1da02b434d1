package io.twinport.mgmt;

/**
 * The {@code "class"} of an error reply ({@code {"error":{"class":...,"desc":...}}}), QMP-style; the
 * {@code "desc"} says in one line what was wrong.
 */
public enum MgmtErrorClass {
    /** The line is not JSON (or not UTF-8). */
    PARSE_ERROR("ParseError"),
    /** The line is JSON but not a command: not an object, no {@code "execute"}, an unknown member. */
    INVALID_COMMAND("InvalidCommand"),
    /** {@code "execute"} names no command. */
    COMMAND_NOT_FOUND("CommandNotFound"),
    /** An argument is missing, unknown, of the wrong type or out of range. */
    INVALID_ARGUMENT("InvalidArgument"),
    /** No port (or failover port) of the name given. */
    PORT_NOT_FOUND("PortNotFound"),
    /** {@code set-active} named a member the failover port does not have. */
    MEMBER_NOT_PRESENT("MemberNotPresent"),
    /** The line was longer than the limit; it was discarded. */
    LINE_TOO_LONG("LineTooLong"),
    /** The server has as many clients as it takes; the connection is closed after this line. */
    TOO_MANY_CLIENTS("TooManyClients"),
    /** Something failed inside the server; the desc says what. */
    INTERNAL_ERROR("InternalError");

    private final String wireName;

    MgmtErrorClass(String wireName) {
        this.wireName = wireName;
    }

    /** @return the class as sent, e.g. {@code CommandNotFound} */
    public String wireName() {
        return wireName;
    }
}

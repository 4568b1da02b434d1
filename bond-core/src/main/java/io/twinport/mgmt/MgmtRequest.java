package io.twinport.mgmt;

import java.util.Map;

/**
 * One command line, checked: the command, its arguments (names checked, values checked when it runs) and the id to
 * echo. Parsed on the connection's I/O thread; touches no port.
 *
 * @param command   the command
 * @param arguments its arguments (empty if none were given)
 * @param hasId     whether the line carried an {@code "id"}
 * @param id        the id to echo back (any JSON value), if {@code hasId}
 */
record MgmtRequest(MgmtCommand command, Map<String, Object> arguments, boolean hasId, Object id) {
    /** Thrown for a line that is not a command; carries the id, if the line had one, for the error reply. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final transient MgmtException error;
        final boolean hasId;
        final transient Object id;

        Refused(MgmtException error, boolean hasId, Object id) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.hasId = hasId;
            this.id = id;
        }
    }

    /**
     * @param line one line, without its newline
     * @return the request
     * @throws Refused naming what is wrong: not JSON, not an object, no or a bad {@code "execute"}, an unknown
     *                 member, an unknown command, arguments that are not an object or not the command's
     */
    @SuppressWarnings("unchecked")
    static MgmtRequest parse(String line) throws Refused {
        Object value;
        try {
            value = Json.parse(line);
        } catch (JsonException e) {
            throw new Refused(new MgmtException(MgmtErrorClass.PARSE_ERROR, "not JSON: " + e.getMessage()), false,
                    null);
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new Refused(new MgmtException(MgmtErrorClass.INVALID_COMMAND, "a command is a JSON object such as"
                    + " {\"execute\":\"query-ports\"}, not " + describe(value)), false, null);
        }
        Map<String, Object> m = (Map<String, Object>) map;
        boolean hasId = m.containsKey("id");
        Object id = m.get("id");
        try {
            for (String key : m.keySet()) {
                if (!key.equals("execute") && !key.equals("arguments") && !key.equals("id")) {
                    throw new MgmtException(MgmtErrorClass.INVALID_COMMAND, "unknown member \"" + key
                            + "\"; a command has \"execute\", and optionally \"arguments\" and \"id\"");
                }
            }
            if (!m.containsKey("execute")) {
                throw new MgmtException(MgmtErrorClass.INVALID_COMMAND, "missing \"execute\" (the command's name;"
                        + " commands: " + String.join(", ", MgmtCommand.wireNames()) + ")");
            }
            if (!(m.get("execute") instanceof String name)) {
                throw new MgmtException(MgmtErrorClass.INVALID_COMMAND, "\"execute\" must be a string, not "
                        + describe(m.get("execute")));
            }
            MgmtCommand command = MgmtCommand.fromWireName(name);
            if (command == null) {
                throw new MgmtException(MgmtErrorClass.COMMAND_NOT_FOUND, "unknown command \"" + name
                        + "\"; commands: " + String.join(", ", MgmtCommand.wireNames()));
            }
            Map<String, Object> arguments = Map.of();
            if (m.containsKey("arguments")) {
                if (!(m.get("arguments") instanceof Map<?, ?> args)) {
                    throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"arguments\" must be an object, not "
                            + describe(m.get("arguments")));
                }
                arguments = (Map<String, Object>) args;
                for (String a : arguments.keySet()) {
                    if (!command.argumentSet().contains(a)) {
                        throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, command.wireName()
                                + (command.arguments().isEmpty() ? " takes no arguments, got \"" + a + "\""
                                : " has no argument \"" + a + "\"; its arguments: "
                                + String.join(", ", command.arguments())));
                    }
                }
            }
            return new MgmtRequest(command, arguments, hasId, id);
        } catch (MgmtException e) {
            throw new Refused(e, hasId, id);
        }
    }

    /**
     * @param value a parsed JSON value
     * @return its JSON type in words, for a message: "an array", "a string", ...
     */
    static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case Map<?, ?> _ -> "an object";
            case java.util.List<?> _ -> "an array";
            case String _ -> "a string";
            case Boolean b -> b ? "true" : "false";
            case Number _ -> "a number";
            default -> value.getClass().getSimpleName();
        };
    }
}

package io.twinport.mgmt;

import java.util.List;
import java.util.Set;

/**
 * The management socket's commands, with the arguments each accepts: the one place they are defined. The greeting,
 * the errors and the README list them from here.
 */
public enum MgmtCommand {
    /** Every registered port: name, driver, MAC, state, link, owner, features. */
    QUERY_PORTS("query-ports", List.of(), "every registered port: name, driver, mac, state, link, owner, features"),
    /** Basic counters per port; xstats too with {@code extended}. */
    QUERY_STATS("query-stats", List.of("port", "extended"),
            "counters of every port, or of {\"port\":NAME}; {\"extended\":true} adds the xstats"),
    /** Every failover port: members, active member, selection reason, switching. */
    QUERY_FAILOVER("query-failover", List.of(),
            "every failover port: mac, standby, primary, active, selection reason, switching, override"),
    /** A manual override with expiry, or back to automatic selection. */
    SET_ACTIVE("set-active", List.of("port", "member", "seconds"),
            "{\"port\":NAME,\"member\":\"primary\"|\"standby\",\"seconds\":N} makes that member active for N"
                    + " seconds (while it is healthy); \"member\":\"auto\" cancels the override"),
    /**
     * The host-side live-migration sequences of this process, one entry each, as their owners contribute them
     * ({@link MgmtServer#addQueryEntry}); an empty list when there are none.
     */
    QUERY_MIGRATION("query-migration", List.of(),
            "the host-side migration sequences: vm, state, host, vf, target, the last outcome", true);

    /** The longest override {@code set-active} accepts, in seconds (one day: an override always expires). */
    public static final long MAX_OVERRIDE_SECONDS = 86_400;

    private final String wireName;
    private final List<String> arguments;
    private final String summary;
    private final boolean contributed;

    MgmtCommand(String wireName, List<String> arguments, String summary) {
        this(wireName, arguments, summary, false);
    }

    MgmtCommand(String wireName, List<String> arguments, String summary, boolean contributed) {
        this.wireName = wireName;
        this.arguments = arguments;
        this.summary = summary;
        this.contributed = contributed;
    }

    /** @return the name on the socket, e.g. {@code query-ports} */
    public String wireName() {
        return wireName;
    }

    /** @return the argument names it accepts, in the order they are documented */
    public List<String> arguments() {
        return arguments;
    }

    /**
     * @return true if the command returns the list of entries that other components contribute
     *         ({@link MgmtServer#addQueryEntry}) rather than something bond-core computes
     */
    public boolean contributed() {
        return contributed;
    }

    /** @return one line for documentation */
    public String summary() {
        return summary;
    }

    /**
     * @param name a command name as sent
     * @return the command, or null
     */
    public static MgmtCommand fromWireName(String name) {
        for (MgmtCommand c : values()) {
            if (c.wireName.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** @return every command's wire name, in order */
    public static List<String> wireNames() {
        return java.util.Arrays.stream(values()).map(MgmtCommand::wireName).toList();
    }

    /** @return the argument names as a set */
    Set<String> argumentSet() {
        return Set.copyOf(arguments);
    }
}

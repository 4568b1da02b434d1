package io.twinport.failover;

/** What a failover port or its manager reports, for people and for management software. */
public enum FailoverEventType {
    /**
     * A standby (STANDBY and a MAC) formed a new failover port (data: standby, mac, key), or came back to its
     * failover port after a restart (data: standby, mac).
     */
    FAILOVER_NEGOTIATED,
    /** A primary joined a failover port. Data: member, role. */
    PRIMARY_ATTACHED,
    /** A member could not join (config replay failed and was rolled back). Data: member, role, error. */
    ATTACH_FAILED,
    /** The active member changed on every queue. Data: from, to, reason, switch_ns (until every queue acked). */
    SWITCHED,
    /** The primary left (surprise or graceful). Data: member, reason. */
    PRIMARY_UNPLUGGED,
    /** Announcement frames (RARP, and gratuitous ARP when an IPv4 address is set) went out. Data: via, round. */
    ANNOUNCED,
    /** Pairing found two candidates for one place. Data: kind, key, ports. */
    CONFLICT;

    /** @return the name used on the management socket, e.g. {@code "SWITCHED"} */
    public String wireName() {
        return name();
    }
}

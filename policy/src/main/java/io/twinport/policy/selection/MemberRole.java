package io.twinport.policy.selection;

/** The two members of a failover port. */
public enum MemberRole {
    /** The fast member (the VF). */
    PRIMARY,
    /** The paravirtual member (virtio-net with STANDBY negotiated), the anchor of the pair. */
    STANDBY
}

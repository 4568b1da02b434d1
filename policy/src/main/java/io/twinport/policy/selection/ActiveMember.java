package io.twinport.policy.selection;

/** Which member carries TX: one of the two, or none when neither is present and started. */
public enum ActiveMember {
    /** No member can be used. */
    NONE,
    /** The primary is active. */
    PRIMARY,
    /** The standby is active. */
    STANDBY;

    /**
     * The active member for a role.
     *
     * @param role a member role
     * @return {@link #PRIMARY} or {@link #STANDBY}
     */
    public static ActiveMember of(MemberRole role) {
        return switch (role) {
            case PRIMARY -> PRIMARY;
            case STANDBY -> STANDBY;
        };
    }
}

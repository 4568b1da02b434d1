package io.twinport.policy.selection;

/**
 * What one member looks like now, as the caller observes it.
 *
 * <p>{@code linkSinceNanos} is the time of the member's last link change (the time stamp of its last LINK_UP or
 * LINK_DOWN event, or the time it was attached when it has had none), on the same clock as
 * {@link SelectionInput#nowNanos()}. The selector debounces with it, so the caller must ask again whenever a
 * member's view changes. A change that the caller did not report (the link went down and up again between two
 * calls, visible only as a new {@code linkSinceNanos} with the same {@code linkUp}) is taken as an instantaneous
 * blip at {@code linkSinceNanos}.
 *
 * @param present the member exists (attached and not unplugged)
 * @param started the member is started; only a present member can be started
 * @param linkUp the member's link is up; only a present member can have its link up
 * @param linkSinceNanos when the link entered its current state; ignored when the member is absent
 */
public record MemberView(boolean present, boolean started, boolean linkUp, long linkSinceNanos) {

    /** An absent member. */
    public static final MemberView ABSENT = new MemberView(false, false, false, 0);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if an absent member is said to be started or up
     */
    public MemberView {
        if (!present && (started || linkUp)) {
            throw new IllegalArgumentException(
                    "an absent member can be neither started nor up: started=" + started + ", linkUp=" + linkUp);
        }
    }

    /**
     * A present, started member.
     *
     * @param linkUp whether its link is up
     * @param linkSinceNanos when the link entered that state
     * @return the view
     */
    public static MemberView started(boolean linkUp, long linkSinceNanos) {
        return new MemberView(true, true, linkUp, linkSinceNanos);
    }

    /**
     * A present member that is not started.
     *
     * @param linkUp whether its link is up
     * @param linkSinceNanos when the link entered that state
     * @return the view
     */
    public static MemberView stopped(boolean linkUp, long linkSinceNanos) {
        return new MemberView(true, false, linkUp, linkSinceNanos);
    }

    /**
     * Whether the member can carry traffic at all: present and started (its link may be down).
     *
     * @return true if present and started
     */
    public boolean usable() {
        return present && started;
    }
}

package io.twinport.policy.selection;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Decides which member of one failover port is active. Immutable; {@link #select} is a pure function of its input
 * and the options, so it can be called from any thread and tested with a fake clock.
 *
 * <p>The rules, first match wins (healthy = present, started and link counting as up after the up-delay /
 * down-delay debounce; usable = present and started):
 * <ol>
 *   <li>Mode {@code standby-only} and the standby is usable: the standby ({@link SwitchoverReason#PINNED_STANDBY}).</li>
 *   <li>A manual override in force whose member is healthy: that member
 *       ({@link SwitchoverReason#MANUAL_OVERRIDE}).</li>
 *   <li>Both healthy: the primary, unless the fail-back policy keeps the standby
 *       ({@link SwitchoverReason#STANDBY_HELD}): {@code failure} keeps a held standby, {@code never} keeps an
 *       active standby.</li>
 *   <li>Only the primary healthy: the primary; only the standby healthy: the standby, with the primary's problem as
 *       the reason.</li>
 *   <li>None healthy: the active member if still usable, else the primary if usable, else the standby if usable
 *       ({@link SwitchoverReason#NO_HEALTHY_MEMBER}), else none ({@link SwitchoverReason#NO_USABLE_MEMBER}).</li>
 * </ol>
 * Hence a usable member is active whenever one exists. Asking again with the answer passed back and nothing
 * changed, before {@link Selection#reevaluateAtNanos()}, returns an equal answer. The caller must ask again whenever a member's view, the
 * mode or the override changes, and at {@link Selection#reevaluateAtNanos()}.
 */
public final class ActiveSelector {

    private final SelectionOptions options;
    private final LinkDebounce debounce;

    /**
     * A selector with fixed options.
     *
     * @param options the delays and the fail-back policy
     */
    public ActiveSelector(SelectionOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.debounce = new LinkDebounce(options.upDelayNanos(), options.downDelayNanos());
    }

    /**
     * The options.
     *
     * @return the options given at construction
     */
    public SelectionOptions options() {
        return options;
    }

    /**
     * Decides the active member.
     *
     * @param input the members, the mode, the override, the previous answer and the clock
     * @return the answer; pass it back as the next input's {@link SelectionInput#previous()}
     */
    public Selection select(SelectionInput input) {
        long now = input.nowNanos();
        Selection previous = input.previous().orElse(null);
        MemberView primary = input.primary();
        MemberView standby = input.standby();
        MemberLink primaryLink = debounce.observe(
                previous == null ? MemberLink.UNKNOWN : previous.primaryLink(), primary, now);
        MemberLink standbyLink = debounce.observe(
                previous == null ? MemberLink.UNKNOWN : previous.standbyLink(), standby, now);
        boolean primaryHealthy = primary.usable() && primaryLink.countsUp();
        boolean standbyHealthy = standby.usable() && standbyLink.countsUp();
        ActiveMember wasActive = previous == null ? ActiveMember.NONE : previous.active();
        boolean wasHeld = previous != null && previous.standbyHeld();

        ActiveMember active;
        SwitchoverReason reason;
        OptionalLong overrideExpiry = OptionalLong.empty();
        ManualOverride override = input.override().filter(o -> o.inForceAt(now)).orElse(null);
        if (input.mode() == SelectionMode.STANDBY_ONLY && standby.usable()) {
            active = ActiveMember.STANDBY;
            reason = SwitchoverReason.PINNED_STANDBY;
        } else if (override != null
                && (override.member() == MemberRole.PRIMARY ? primaryHealthy : standbyHealthy)) {
            active = ActiveMember.of(override.member());
            reason = SwitchoverReason.MANUAL_OVERRIDE;
            overrideExpiry = OptionalLong.of(override.expiresAtNanos());
        } else if (primaryHealthy && standbyHealthy) {
            boolean keepStandby = wasActive == ActiveMember.STANDBY && switch (options.failBack()) {
                case ALWAYS -> false;
                case FAILURE -> wasHeld;
                case NEVER -> true;
            };
            active = keepStandby ? ActiveMember.STANDBY : ActiveMember.PRIMARY;
            reason = keepStandby ? SwitchoverReason.STANDBY_HELD : SwitchoverReason.PRIMARY_PREFERRED;
        } else if (primaryHealthy) {
            active = ActiveMember.PRIMARY;
            reason = SwitchoverReason.PRIMARY_PREFERRED;
        } else if (standbyHealthy) {
            active = ActiveMember.STANDBY;
            reason = !primary.present() ? SwitchoverReason.PRIMARY_ABSENT
                    : !primary.started() ? SwitchoverReason.PRIMARY_STOPPED
                    : SwitchoverReason.PRIMARY_LINK_DOWN;
        } else if (wasActive == ActiveMember.PRIMARY && primary.usable()
                || wasActive == ActiveMember.STANDBY && standby.usable()) {
            active = wasActive;
            reason = SwitchoverReason.NO_HEALTHY_MEMBER;
        } else if (primary.usable() || standby.usable()) {
            active = primary.usable() ? ActiveMember.PRIMARY : ActiveMember.STANDBY;
            reason = SwitchoverReason.NO_HEALTHY_MEMBER;
        } else {
            active = ActiveMember.NONE;
            reason = SwitchoverReason.NO_USABLE_MEMBER;
        }

        // The hold starts when the standby takes over from the primary and ends when the standby fails or hands over.
        boolean held = active == ActiveMember.STANDBY && standbyHealthy
                && (wasHeld || wasActive == ActiveMember.PRIMARY);
        OptionalLong reevaluateAt = earliest(earliest(debounce.deadline(primaryLink), debounce.deadline(standbyLink)),
                overrideExpiry);
        return new Selection(active, reason, held, primaryLink, standbyLink, reevaluateAt);
    }

    private static OptionalLong earliest(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.getAsLong() - b.getAsLong() <= 0 ? a : b;
    }
}

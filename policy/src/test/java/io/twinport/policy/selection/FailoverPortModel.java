package io.twinport.policy.selection;

import java.util.Optional;

/**
 * The caller's side of selection in a few lines, as bond-core's failover port will hold it: the members' views,
 * the mode, the override and the last answer; time is whatever the test says it is.
 */
final class FailoverPortModel {

    static final long MS = 1_000_000L;

    final ActiveSelector selector;
    MemberView primary = MemberView.ABSENT;
    MemberView standby = MemberView.ABSENT;
    SelectionMode mode = SelectionMode.AUTO;
    ManualOverride override;
    Selection last;
    long now;

    FailoverPortModel(SelectionOptions options) {
        this.selector = new ActiveSelector(options);
    }

    FailoverPortModel(long upDelayNanos, long downDelayNanos, FailBack failBack) {
        this(new SelectionOptions(upDelayNanos, downDelayNanos, failBack));
    }

    SelectionInput input() {
        return new SelectionInput(primary, standby, mode, Optional.ofNullable(override), Optional.ofNullable(last),
                now);
    }

    /** Asks at time {@code t} (absolute nanos) and keeps the answer. */
    Selection at(long t) {
        now = t;
        last = selector.select(input());
        return last;
    }

    /** The primary's link changes at {@code t}; ask at {@code t}. */
    Selection primaryLink(boolean up, long t) {
        primary = new MemberView(true, primary.started(), up, t);
        return at(t);
    }

    /** The standby's link changes at {@code t}; ask at {@code t}. */
    Selection standbyLink(boolean up, long t) {
        standby = new MemberView(true, standby.started(), up, t);
        return at(t);
    }

    ActiveMember active() {
        return last.active();
    }
}

package io.twinport.policy.selection;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything one selection depends on, besides the fixed {@link SelectionOptions}.
 *
 * @param primary the primary as observed now ({@link MemberView#ABSENT} when there is none)
 * @param standby the standby as observed now
 * @param mode automatic, or pinned to the standby
 * @param override a manual override, if an operator gave one (expired ones are ignored)
 * @param previous the previous answer for this failover port, empty on the first call; it carries the debounced
 *        links, the active member and the fail-back hold
 * @param nowNanos the clock, e.g. {@link System#nanoTime()}; times are compared by the sign of their difference
 */
public record SelectionInput(MemberView primary, MemberView standby, SelectionMode mode,
                             Optional<ManualOverride> override, Optional<Selection> previous, long nowNanos) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     */
    public SelectionInput {
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(standby, "standby");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(override, "override");
        Objects.requireNonNull(previous, "previous");
    }

    /**
     * The input of a first selection: automatic mode, no override, no previous answer.
     *
     * @param primary the primary
     * @param standby the standby
     * @param nowNanos the clock
     * @return the input
     */
    public static SelectionInput first(MemberView primary, MemberView standby, long nowNanos) {
        return new SelectionInput(primary, standby, SelectionMode.AUTO, Optional.empty(), Optional.empty(), nowNanos);
    }

    /**
     * The same input with another primary view.
     *
     * @param view the primary
     * @return a new input
     */
    public SelectionInput withPrimary(MemberView view) {
        return new SelectionInput(view, standby, mode, override, previous, nowNanos);
    }

    /**
     * The same input with another standby view.
     *
     * @param view the standby
     * @return a new input
     */
    public SelectionInput withStandby(MemberView view) {
        return new SelectionInput(primary, view, mode, override, previous, nowNanos);
    }

    /**
     * The same input with another mode.
     *
     * @param newMode the mode
     * @return a new input
     */
    public SelectionInput withMode(SelectionMode newMode) {
        return new SelectionInput(primary, standby, newMode, override, previous, nowNanos);
    }

    /**
     * The same input with an override, or none.
     *
     * @param newOverride the override, or null for none
     * @return a new input
     */
    public SelectionInput withOverride(ManualOverride newOverride) {
        return new SelectionInput(primary, standby, mode, Optional.ofNullable(newOverride), previous, nowNanos);
    }

    /**
     * The same input with a previous answer, or none.
     *
     * @param newPrevious the previous answer, or null for none
     * @return a new input
     */
    public SelectionInput withPrevious(Selection newPrevious) {
        return new SelectionInput(primary, standby, mode, override, Optional.ofNullable(newPrevious), nowNanos);
    }

    /**
     * The same input at another time.
     *
     * @param newNowNanos the clock
     * @return a new input
     */
    public SelectionInput withNow(long newNowNanos) {
        return new SelectionInput(primary, standby, mode, override, previous, newNowNanos);
    }
}

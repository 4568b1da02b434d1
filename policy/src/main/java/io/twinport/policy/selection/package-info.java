/**
 * Active-member selection for one failover port, as a pure function.
 *
 * <p>{@link io.twinport.policy.selection.ActiveSelector#select} takes a
 * {@link io.twinport.policy.selection.SelectionInput} (what each member looks like now, the mode, a manual
 * override, the clock as a {@code long nowNanos}, and the previous {@link io.twinport.policy.selection.Selection})
 * and answers with a new {@code Selection}: the active member, the {@link io.twinport.policy.selection.SwitchoverReason},
 * the debounced link of each member and, when a timer is pending, the absolute time to ask again. The state that
 * carries across calls is the previous {@code Selection}, which the caller passes back; nothing else is
 * remembered, so the same input always gives the same answer.
 */
package io.twinport.policy.selection;

package io.twinport.policy.selection;

import java.util.Objects;

/**
 * An operator's order to make one member active until a deadline. It is honoured only while the named member is
 * healthy (present, started, link counting as up), so it can never send traffic into a dead member, and it yields
 * to the {@code standby-only} pin. It always expires; an operator who wants longer renews it.
 *
 * @param member the member to make active
 * @param expiresAtNanos when the override stops applying, on the clock of {@link SelectionInput#nowNanos()}
 */
public record ManualOverride(MemberRole member, long expiresAtNanos) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if {@code member} is null
     */
    public ManualOverride {
        Objects.requireNonNull(member, "member");
    }

    /**
     * Whether the override still applies at a time: {@code nowNanos} is before {@code expiresAtNanos} (compared as
     * {@link System#nanoTime()} values are, by the sign of the difference).
     *
     * @param nowNanos the time
     * @return true before the expiry, false from it on
     */
    public boolean inForceAt(long nowNanos) {
        return nowNanos - expiresAtNanos < 0;
    }
}

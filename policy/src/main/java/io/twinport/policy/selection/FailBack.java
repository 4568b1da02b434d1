package io.twinport.policy.selection;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * When to return to a healthy primary while a healthy standby is active. In every policy the primary is taken
 * when the standby fails (a failover, not a fail-back), and the primary is preferred when no member is active yet.
 */
public enum FailBack {
    /** The primary is active whenever it is healthy: after a failover, switch back as soon as it recovers. */
    ALWAYS("always"),
    /**
     * Once the active member has moved from the primary to the standby (for any reason: failure, unplug, pin,
     * override), stay on the standby until the standby fails (Linux bonding's {@code primary_reselect=failure}). A
     * primary that joins while the standby is active without ever having handed over from a primary (the VF
     * appears after the virtio device, as QEMU does it) is still taken.
     */
    FAILURE("failure"),
    /**
     * Sticky: the active member changes only when it fails. A healthy primary never displaces a healthy standby,
     * not even a primary that joins later; only a manual override or a failure of the standby moves back.
     */
    NEVER("never");

    private final String word;

    FailBack(String word) {
        this.word = word;
    }

    /**
     * The word used in configuration.
     *
     * @return {@code always}, {@code failure} or {@code never}
     */
    public String word() {
        return word;
    }

    /**
     * The policy for a configuration word.
     *
     * @param word {@code always}, {@code failure} or {@code never} (exact, lower case)
     * @return the policy
     * @throws IllegalArgumentException naming the word and the accepted words if it is unknown
     */
    public static FailBack fromWord(String word) {
        for (FailBack failBack : values()) {
            if (failBack.word.equals(word)) {
                return failBack;
            }
        }
        throw new IllegalArgumentException("unknown fail-back \"" + word + "\": expected " + words());
    }

    /**
     * The accepted words, for messages.
     *
     * @return e.g. {@code always, failure or never}
     */
    public static String words() {
        String all = Arrays.stream(values()).map(FailBack::word).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}

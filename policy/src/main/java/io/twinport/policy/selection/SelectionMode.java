package io.twinport.policy.selection;

/** Whether selection is automatic or pinned to the standby. */
public enum SelectionMode {
    /** Automatic: prefer the primary when it is healthy, within the fail-back policy. */
    AUTO("auto"),
    /**
     * Pinned to the standby, for migrations: the standby is active whenever it is present and started, even with its
     * link down and even against a manual override. The pin yields only when the standby cannot be used at all
     * (absent or stopped), because a usable member must be active whenever one exists.
     */
    STANDBY_ONLY("standby-only");

    private final String word;

    SelectionMode(String word) {
        this.word = word;
    }

    /**
     * The word used in configuration.
     *
     * @return {@code auto} or {@code standby-only}
     */
    public String word() {
        return word;
    }

    /**
     * The mode for a configuration word.
     *
     * @param word {@code auto} or {@code standby-only} (exact, lower case)
     * @return the mode
     * @throws IllegalArgumentException naming the word and the accepted words if it is unknown
     */
    public static SelectionMode fromWord(String word) {
        for (SelectionMode mode : values()) {
            if (mode.word.equals(word)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown mode \"" + word + "\": expected auto or standby-only");
    }
}

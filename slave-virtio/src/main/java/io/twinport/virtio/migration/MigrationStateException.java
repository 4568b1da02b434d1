package io.twinport.virtio.migration;

import java.util.Set;
import java.util.stream.Collectors;

/** A request the sequence refuses in its current state; the message names the state and what was expected. */
public final class MigrationStateException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final MigrationState state;
    private final transient Set<MigrationState> expected;

    MigrationStateException(String vm, String request, MigrationState state, Set<MigrationState> expected) {
        super("migration of " + vm + ": cannot " + request + " in state " + state + "; expected "
                + (expected.size() == 1 ? expected.iterator().next().toString() : "one of "
                + expected.stream().sorted().map(Enum::name).collect(Collectors.joining(", "))));
        this.state = state;
        this.expected = Set.copyOf(expected);
    }

    /** @return the state the sequence was in */
    public MigrationState state() {
        return state;
    }

    /** @return the states in which the request would have been accepted */
    public Set<MigrationState> expected() {
        return expected;
    }
}

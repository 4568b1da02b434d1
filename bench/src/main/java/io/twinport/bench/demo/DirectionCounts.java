package io.twinport.bench.demo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What happened to one direction's numbered frames.
 *
 * @param direction  {@code guest->network} or {@code network->guest}
 * @param sent       frames TX took (sequence numbers 0 to sent - 1)
 * @param received   distinct frames that arrived
 * @param lost       sent but never arrived ({@code sent - received})
 * @param duplicated arrivals of a frame that had arrived before
 * @param reordered  arrivals after a frame with a higher number
 * @param unsent     numbered at the end but never taken by TX (still in the sender's backlog: not lost)
 * @param givenUp    numbers the receiver's window moved past before they arrived (0 unless frames went missing)
 */
public record DirectionCounts(String direction, long sent, long received, long lost, long duplicated, long reordered,
                              long unsent, long givenUp) {
    /**
     * @param direction the direction's name
     * @param sender    its sender
     * @param tracker   its receiver's counts
     * @param unsent    what was left in the sender's backlog
     * @return the counts
     */
    public static DirectionCounts of(String direction, PacedSender sender, SequenceTracker tracker, long unsent) {
        long sent = sender.sent();
        return new DirectionCounts(direction, sent, tracker.unique(), tracker.lost(sent), tracker.duplicates(),
                tracker.reordered(), Math.max(0, unsent), tracker.givenUp());
    }

    /** @return the counts as a JSON object */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("direction", direction);
        m.put("sent", sent);
        m.put("received", received);
        m.put("lost", lost);
        m.put("duplicated", duplicated);
        m.put("reordered", reordered);
        m.put("unsent", unsent);
        m.put("given_up", givenUp);
        return m;
    }
}

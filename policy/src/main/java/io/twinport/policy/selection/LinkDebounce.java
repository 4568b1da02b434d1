package io.twinport.policy.selection;

import java.util.OptionalLong;

/**
 * Up-delay and down-delay as a pure state machine over {@link MemberLink}: Linux bonding's link monitor with
 * event times instead of polling. A link that goes up counts as up after it stayed up for the up-delay; one that
 * goes down counts as down after it stayed down for the down-delay; a shorter down blip of a link that counts as
 * up is masked, and a shorter up blip of a link that counts as down never counts.
 */
final class LinkDebounce {

    private final long upDelayNanos;
    private final long downDelayNanos;

    LinkDebounce(long upDelayNanos, long downDelayNanos) {
        this.upDelayNanos = upDelayNanos;
        this.downDelayNanos = downDelayNanos;
    }

    /** The debounced link after observing {@code view} at {@code nowNanos}, given the previous one. */
    MemberLink observe(MemberLink previous, MemberView view, long nowNanos) {
        if (!view.present()) {
            return MemberLink.UNKNOWN;
        }
        boolean up = view.linkUp();
        long since = view.linkSinceNanos();
        MemberLink link;
        if (previous.phase() == LinkPhase.UNKNOWN) {
            MemberLink down = new MemberLink(LinkPhase.DOWN, since);
            link = up ? edge(down, true, since) : down;
        } else if (previous.phase().linkUp() != up) {
            link = edge(advance(previous, earlier(since, nowNanos)), up, since);
        } else if (previous.sinceNanos() != since) {
            // two unreported edges: an instantaneous blip at 'since'
            MemberLink atBlip = advance(previous, earlier(since, nowNanos));
            link = edge(edge(atBlip, !up, since), up, since);
        } else {
            link = previous;
        }
        return advance(link, nowNanos);
    }

    /** When the link's pending timer fires, if one is pending. */
    OptionalLong deadline(MemberLink link) {
        return switch (link.phase()) {
            case GOING_UP -> OptionalLong.of(link.sinceNanos() + upDelayNanos);
            case GOING_DOWN -> OptionalLong.of(link.sinceNanos() + downDelayNanos);
            case UNKNOWN, DOWN, UP -> OptionalLong.empty();
        };
    }

    /** Fires the pending timer if it is due at {@code atNanos}. */
    private MemberLink advance(MemberLink link, long atNanos) {
        long elapsed = atNanos - link.sinceNanos();
        return switch (link.phase()) {
            case GOING_UP -> elapsed >= upDelayNanos ? new MemberLink(LinkPhase.UP, link.sinceNanos()) : link;
            case GOING_DOWN -> elapsed >= downDelayNanos ? new MemberLink(LinkPhase.DOWN, link.sinceNanos()) : link;
            case UNKNOWN, DOWN, UP -> link;
        };
    }

    /** Applies one link change at {@code atNanos}; a zero delay takes effect at once. */
    private MemberLink edge(MemberLink link, boolean up, long atNanos) {
        LinkPhase next = switch (link.phase()) {
            case DOWN -> up ? LinkPhase.GOING_UP : LinkPhase.DOWN;
            case GOING_UP -> up ? LinkPhase.GOING_UP : LinkPhase.DOWN;
            case UP -> up ? LinkPhase.UP : LinkPhase.GOING_DOWN;
            case GOING_DOWN -> up ? LinkPhase.UP : LinkPhase.GOING_DOWN;
            case UNKNOWN -> throw new IllegalStateException("no edge from an unknown link");
        };
        return advance(new MemberLink(next, atNanos), atNanos);
    }

    /** The earlier of two clock values, compared by the sign of their difference. */
    private static long earlier(long a, long b) {
        return a - b < 0 ? a : b;
    }
}

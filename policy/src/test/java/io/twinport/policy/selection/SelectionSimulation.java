package io.twinport.policy.selection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;

import static io.twinport.policy.selection.FailoverPortModel.MS;

/**
 * Random event sequences for one failover port, with hand-written generators over {@link SplittableRandom} and a
 * fixed list of seeds. A simulated world holds both members (present, started, link, with the full history of link
 * changes), the mode and the override; each step advances the clock, applies one random event and asks the
 * decider, after first honouring any {@link Selection#reevaluateAtNanos()} that falls before the event, as a real
 * caller must. A {@link Property} checks every answer; a failure names the seed, the step and the last steps.
 *
 * <p>Replay one seed alone with {@code -Dtwinport.policy.seed=N}.
 */
final class SelectionSimulation {

    static final int SEQUENCES = 500;
    static final int STEPS = 200;
    private static final int TRACE_LINES = 40;

    /** What decides: the real selector, or a deliberately wrong variant. */
    interface Decider {
        Selection select(SelectionInput input);
    }

    /** Which seeds and what kind of sequences a property wants. */
    record Plan(FailBack failBack, boolean commands) {
        /** Any fail-back policy (chosen per seed), with pin and override commands. */
        static final Plan ANYTHING = new Plan(null, true);

        static Plan only(FailBack failBack) {
            return new Plan(failBack, false);
        }
    }

    /** One evaluation, as a property sees it. */
    record Step(SelectionInput input, Selection previous, Selection selection, World world, SelectionOptions options,
                Decider decider, SplittableRandom random, Map<String, Integer> counts) {

        ActiveMember wasActive() {
            return previous == null ? ActiveMember.NONE : previous.active();
        }

        void count(String what) {
            counts.merge(what, 1, Integer::sum);
        }
    }

    /** A property checked at every evaluation; it throws {@link AssertionError} when violated. */
    interface Property {
        void check(Step step);

        /** Called once per sequence with every evaluation in order. */
        default void afterSequence(List<Step> steps, Function<SelectionOptions, Decider> factory) {
        }
    }

    /** The members as the world knows them, with their raw link history for the reference model. */
    static final class Member {
        final String name;
        boolean present;
        boolean started;
        boolean up;
        long since;
        final List<long[]> edges = new ArrayList<>(); // {time, 1 if up}

        Member(String name) {
            this.name = name;
        }

        MemberView view() {
            return present ? new MemberView(true, started, up, since) : MemberView.ABSENT;
        }

        boolean usable() {
            return present && started;
        }

        void plug(boolean isStarted, boolean isUp, long at) {
            present = true;
            started = isStarted;
            up = isUp;
            since = at;
            edges.clear();
            edges.add(new long[] {at, isUp ? 1 : 0});
        }

        void unplug() {
            present = false;
            started = false;
            up = false;
            edges.clear();
        }

        void edge(boolean isUp, long at) {
            up = isUp;
            since = at;
            edges.add(new long[] {at, isUp ? 1 : 0});
        }

        /** Down and up again (or up and down) at one instant, reported only as a new time stamp. */
        void blip(long at) {
            boolean wasUp = up;
            edge(!wasUp, at);
            edge(wasUp, at);
        }

        /**
         * The reference model of up-delay and down-delay, written independently of {@link LinkDebounce}: as
         * hysteresis over the intervals of the raw history. The link starts counting as down; it starts counting
         * as up once an up interval has lasted the up-delay, and as down once a down interval has lasted the
         * down-delay.
         */
        boolean countsUp(long now, long upDelay, long downDelay) {
            boolean counted = false;
            for (int i = 0; i < edges.size(); i++) {
                long start = edges.get(i)[0];
                long end = i + 1 < edges.size() ? edges.get(i + 1)[0] : now;
                long length = end - start;
                boolean intervalUp = edges.get(i)[1] == 1;
                if (intervalUp && !counted && length >= upDelay) {
                    counted = true;
                } else if (!intervalUp && counted && length >= downDelay) {
                    counted = false;
                }
            }
            return counted;
        }

        /** Whether the raw link was up for a while and went down again before the up-delay, at least once. */
        boolean flappedFasterThan(long upDelay) {
            for (int i = 0; i + 1 < edges.size(); i++) {
                if (edges.get(i)[1] == 1 && edges.get(i + 1)[0] - edges.get(i)[0] < upDelay
                        && edges.get(i + 1)[0] > edges.get(i)[0]) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return !present ? name + "[absent]"
                    : name + "[" + (started ? "started" : "stopped") + (up ? " up" : " down") + " since " + since + "]";
        }
    }

    /** The simulated world of one failover port. */
    static final class World {
        final Member primary = new Member("P");
        final Member standby = new Member("S");
        SelectionMode mode = SelectionMode.AUTO;
        ManualOverride override;
        long now;
        long start;

        boolean healthy(Member member, SelectionOptions options) {
            return member.usable() && member.countsUp(now, options.upDelayNanos(), options.downDelayNanos());
        }

        Member member(ActiveMember active) {
            return switch (active) {
                case PRIMARY -> primary;
                case STANDBY -> standby;
                case NONE -> throw new IllegalArgumentException("no member");
            };
        }
    }

    /** One evaluation for the failure report, formatted only when a property fails. */
    private record TraceLine(long elapsed, String event, SelectionInput input, Selection selection, long start) {
        @Override
        public String toString() {
            return String.format("  t=%+.6fms %-24s P=%s S=%s %s%s -> %s %s%s links P:%s S:%s next=%s",
                    elapsed / 1e6, event, view(input.primary()), view(input.standby()), input.mode().word(),
                    input.override().map(o -> " override " + o.member() + " until "
                            + (o.expiresAtNanos() - start) / 1e6 + "ms").orElse(""),
                    selection.active(), selection.reason(), selection.standbyHeld() ? " held" : "",
                    selection.primaryLink().phase(), selection.standbyLink().phase(),
                    selection.reevaluateAtNanos().isPresent()
                            ? String.format("%+.6fms", (selection.reevaluateAtNanos().getAsLong() - start) / 1e6)
                            : "-");
        }

        private String view(MemberView view) {
            return !view.present() ? "absent" : (view.started() ? "started" : "stopped")
                    + (view.linkUp() ? "/up" : "/down") + String.format("@%+.6fms", (view.linkSinceNanos() - start) / 1e6);
        }
    }

    static List<Long> seeds() {
        String one = System.getProperty("twinport.policy.seed");
        if (one != null) {
            return List.of(Long.parseLong(one));
        }
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            seeds.add(0x7_1A2B_0000L + i);
        }
        return seeds;
    }

    /**
     * Runs a property over every seed and returns how often each interesting case occurred.
     *
     * @throws AssertionError naming the seed if the property fails
     */
    static Map<String, Integer> run(String name, Plan plan, Function<SelectionOptions, Decider> factory,
                                    Property property) {
        Map<String, Integer> counts = new TreeMap<>();
        for (long seed : seeds()) {
            runOne(name, seed, plan, factory, property, counts);
        }
        return counts;
    }

    static Function<SelectionOptions, Decider> real() {
        return options -> new ActiveSelector(options)::select;
    }

    private static void runOne(String name, long seed, Plan plan, Function<SelectionOptions, Decider> factory,
                               Property property, Map<String, Integer> counts) {
        SplittableRandom random = new SplittableRandom(seed);
        long upDelay = pickDelay(random);
        long downDelay = pickDelay(random);
        FailBack failBack = plan.failBack() != null ? plan.failBack()
                : FailBack.values()[random.nextInt(FailBack.values().length)];
        SelectionOptions options = new SelectionOptions(upDelay, downDelay, failBack);
        Decider decider = factory.apply(options);
        World world = new World();
        world.now = switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE - random.nextLong(1_000 * MS); // the clock wraps during the sequence
            default -> random.nextLong();
        };
        world.start = world.now;
        if (random.nextInt(10) < 7) {
            world.primary.plug(random.nextInt(10) < 8, random.nextInt(10) < 7,
                    world.now - random.nextLong(2 * upDelay + 1));
        }
        if (random.nextInt(20) > 0) {
            world.standby.plug(random.nextInt(10) < 9, random.nextInt(10) < 8,
                    world.now - random.nextLong(2 * upDelay + 1));
        }
        Deque<TraceLine> trace = new ArrayDeque<>();
        List<Step> steps = new ArrayList<>();
        Selection[] last = {null};
        String context = name + " with " + options + ", seed " + seed;
        int stepIndex = 0;
        try {
            evaluate(world, options, decider, random, counts, property, steps, last, trace, "start");
            for (stepIndex = 1; stepIndex <= STEPS; stepIndex++) {
                long next = world.now + pickStep(random, options);
                int timers = 0;
                while (last[0].reevaluateAtNanos().isPresent()
                        && last[0].reevaluateAtNanos().getAsLong() - next <= 0) {
                    if (++timers > 4) {
                        throw new AssertionError("timer asks again and again before the next event");
                    }
                    world.now = last[0].reevaluateAtNanos().getAsLong();
                    evaluate(world, options, decider, random, counts, property, steps, last, trace, "timer");
                }
                world.now = next;
                String event = applyEvent(world, random, plan.commands(), options);
                evaluate(world, options, decider, random, counts, property, steps, last, trace, event);
            }
            property.afterSequence(steps, factory);
        } catch (AssertionError e) {
            String where = stepIndex > STEPS ? "after the sequence" : "step " + stepIndex;
            throw new AssertionError(context + ", " + where + ": " + e.getMessage()
                    + "\n(rerun this sequence alone with -Dtwinport.policy.seed=" + seed + ")\nlast steps:\n"
                    + String.join("\n", trace.stream().map(TraceLine::toString).toList()), e);
        }
    }

    private static void evaluate(World world, SelectionOptions options, Decider decider, SplittableRandom random,
                                 Map<String, Integer> counts, Property property, List<Step> steps,
                                 Selection[] last, Deque<TraceLine> trace, String event) {
        SelectionInput input = new SelectionInput(world.primary.view(), world.standby.view(), world.mode,
                Optional.ofNullable(world.override), Optional.ofNullable(last[0]), world.now);
        Selection selection = decider.select(input);
        trace.addLast(new TraceLine(world.now - world.start, event, input, selection, world.start));
        if (trace.size() > TRACE_LINES) {
            trace.removeFirst();
        }
        Step step = new Step(input, last[0], selection, world, options, decider, random, counts);
        steps.add(step);
        property.check(step);
        last[0] = selection;
    }

    private static long pickDelay(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 10 * MS;
            case 3 -> 50 * MS;
            default -> random.nextLong(1, 100 * MS);
        };
    }

    /** Time to the next event: often zero, often close to a delay (just under, exact, just over), sometimes long. */
    private static long pickStep(SplittableRandom random, SelectionOptions options) {
        long delay = random.nextBoolean() ? options.upDelayNanos() : options.downDelayNanos();
        return switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> Math.max(0, delay - 1);
            case 2 -> delay;
            case 3 -> delay + 1;
            case 4, 5 -> random.nextLong(delay / 2 + 2);
            case 6 -> random.nextLong(2 * delay + 2);
            default -> random.nextLong(10 * delay + 10 * MS);
        };
    }

    private static String applyEvent(World world, SplittableRandom random, boolean commands,
                                     SelectionOptions options) {
        Member primary = world.primary;
        Member standby = world.standby;
        int roll = random.nextInt(100);
        long now = world.now;
        if (roll < 30) {
            if (!primary.present) {
                return "nothing";
            }
            primary.edge(!primary.up, now);
            return "P link " + (primary.up ? "up" : "down");
        } else if (roll < 45) {
            if (!standby.present) {
                return "nothing";
            }
            standby.edge(!standby.up, now);
            return "S link " + (standby.up ? "up" : "down");
        } else if (roll < 53) {
            if (primary.present) {
                primary.unplug();
                return "P unplugged";
            }
            primary.plug(random.nextInt(10) < 7, random.nextBoolean(), now);
            return "P plugged";
        } else if (roll < 59) {
            if (!primary.present) {
                return "nothing";
            }
            primary.started = !primary.started;
            return primary.started ? "P started" : "P stopped";
        } else if (roll < 62) {
            // the standby is the anchor: it comes back more readily than it goes away
            if (standby.present) {
                if (random.nextInt(3) > 0) {
                    return "nothing";
                }
                standby.unplug();
                return "S unplugged";
            }
            standby.plug(random.nextInt(10) < 7, random.nextBoolean(), now);
            return "S plugged";
        } else if (roll < 65) {
            if (!standby.present || standby.started && random.nextInt(3) > 0) {
                return "nothing";
            }
            standby.started = !standby.started;
            return standby.started ? "S started" : "S stopped";
        } else if (roll < 70) {
            Member member = random.nextBoolean() ? primary : standby;
            if (!member.present || member.since == now) {
                return "nothing"; // a blip at the instant of the last change would be invisible to any caller
            }
            member.blip(now);
            return member.name + " unreported blip";
        } else if (commands && roll < 75) {
            world.mode = world.mode == SelectionMode.AUTO ? SelectionMode.STANDBY_ONLY : SelectionMode.AUTO;
            return "mode " + world.mode.word();
        } else if (commands && roll < 80) {
            if (world.override != null && random.nextBoolean()) {
                world.override = null;
                return "override cleared";
            }
            MemberRole role = random.nextBoolean() ? MemberRole.PRIMARY : MemberRole.STANDBY;
            world.override = new ManualOverride(role, now + random.nextLong(
                    3 * Math.max(options.upDelayNanos(), options.downDelayNanos()) + 50 * MS));
            return "override " + role;
        }
        return "nothing";
    }

    private SelectionSimulation() {
    }
}

package io.twinport.policy.selection;

import io.twinport.policy.selection.SelectionSimulation.Decider;
import io.twinport.policy.selection.SelectionSimulation.Plan;
import io.twinport.policy.selection.SelectionSimulation.Property;
import io.twinport.policy.selection.SelectionSimulation.Step;
import io.twinport.policy.selection.SelectionSimulation.World;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.Function;

import static io.twinport.policy.selection.FailoverPortModel.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Properties of {@link ActiveSelector} over random event sequences ({@link SelectionSimulation}: 500 fixed seeds ×
 * 200 steps each). Each property asserts that its interesting cases occurred, and {@link PropertiesCanFail} runs
 * each one against a deliberately wrong decider to show that it catches it.
 */
class SelectionPropertiesTest {

    // ---- the properties ----

    /** A usable (present and started) member is active whenever one exists; otherwise none is. */
    static final Property ACTIVE_IS_USABLE = step -> {
        World world = step.world();
        ActiveMember active = step.selection().active();
        if (world.primary.usable() || world.standby.usable()) {
            if (active == ActiveMember.NONE || !world.member(active).usable()) {
                fail("active " + active + " is not usable while a usable member exists");
            }
            if (step.wasActive() != ActiveMember.NONE && !world.member(step.wasActive()).usable()) {
                step.count("active member became unusable, another was usable");
            }
            if (world.primary.usable() != world.standby.usable()) {
                step.count("exactly one usable member");
            }
        } else {
            assertEquals(ActiveMember.NONE, active, "no usable member");
            step.count("no usable member");
        }
        if (step.input().mode() == SelectionMode.STANDBY_ONLY && !world.standby.usable()
                && world.primary.usable()) {
            step.count("pin yields to the invariant");
        }
    };

    /** The debounced link of every member equals the reference hysteresis over its raw history. */
    static final Property LINK_MATCHES_REFERENCE = step -> {
        World world = step.world();
        SelectionOptions options = step.options();
        checkLink(step, world.primary, step.selection().primaryLink(), options);
        checkLink(step, world.standby, step.selection().standbyLink(), options);
    };

    private static void checkLink(Step step, SelectionSimulation.Member member, MemberLink link,
                                  SelectionOptions options) {
        if (!member.present) {
            assertEquals(LinkPhase.UNKNOWN, link.phase(), member.name + " absent");
            return;
        }
        boolean expected = member.countsUp(step.world().now, options.upDelayNanos(), options.downDelayNanos());
        assertEquals(expected, link.countsUp(), member.name + " counts up");
        assertEquals(member.up, link.phase().linkUp(), member.name + " raw link");
        if (expected && !member.up) {
            step.count("down link still counts up (down-delay)");
        }
        if (!expected && member.up) {
            step.count("up link does not count yet (up-delay)");
        }
        if (options.upDelayNanos() > 0 && member.flappedFasterThan(options.upDelayNanos())) {
            step.count("link flapped faster than the up-delay");
        }
    }

    /** With fail-back never, the active member changes only when it fails (unusable, or link not counting up). */
    static final Property NEVER_CHANGES_ONLY_ON_FAILURE = step -> {
        World world = step.world();
        ActiveMember was = step.wasActive();
        ActiveMember now = step.selection().active();
        if (was != ActiveMember.NONE && now != was) {
            assertTrue(!world.healthy(world.member(was), step.options()),
                    "active changed " + was + " -> " + now + " although " + was + " is healthy");
            step.count("switch on failure");
        }
        if (was == ActiveMember.STANDBY && world.healthy(world.primary, step.options())
                && world.healthy(world.standby, step.options())) {
            step.count("healthy primary while a healthy standby is active");
        }
    };

    /** With fail-back always, a healthy primary is active. */
    static final Property ALWAYS_PREFERS_HEALTHY_PRIMARY = step -> {
        World world = step.world();
        if (world.healthy(world.primary, step.options())) {
            assertEquals(ActiveMember.PRIMARY, step.selection().active(), "healthy primary");
            if (step.wasActive() == ActiveMember.STANDBY) {
                step.count("fail-back to the primary");
            }
        }
    };

    /**
     * With fail-back failure: once the standby has taken over from the primary, it stays active while healthy;
     * otherwise a healthy primary is active. The hold is tracked here independently of {@link Selection#standbyHeld()}.
     */
    static Property failureHoldsTheStandby() {
        boolean[] held = {false};
        return step -> {
            World world = step.world();
            SelectionOptions options = step.options();
            if (step.previous() == null) {
                held[0] = false;
            }
            boolean standbyHealthy = world.healthy(world.standby, options);
            boolean primaryHealthy = world.healthy(world.primary, options);
            ActiveMember was = step.wasActive();
            ActiveMember now = step.selection().active();
            if (was == ActiveMember.STANDBY && held[0] && standbyHealthy) {
                assertEquals(ActiveMember.STANDBY, now, "held standby is healthy");
                if (primaryHealthy) {
                    step.count("standby held against a healthy primary");
                }
            } else if (primaryHealthy) {
                assertEquals(ActiveMember.PRIMARY, now, "healthy primary, no hold");
                if (was == ActiveMember.STANDBY) {
                    step.count("primary taken from an unheld standby");
                }
            }
            held[0] = now == ActiveMember.STANDBY && standbyHealthy && (held[0] || was == ActiveMember.PRIMARY);
        };
    }

    /**
     * The decision is a function of its inputs: the same input twice gives equal answers, and every input of the
     * sequence, replayed in a shuffled order by a new decider, gives the answer it gave in the sequence.
     */
    static final Property SAME_INPUT_SAME_ANSWER = new Property() {
        @Override
        public void check(Step step) {
            assertEquals(step.selection(), step.decider().select(step.input()), "asked twice");
            if (step.selection().changedFrom(step.previous())) {
                step.count("switchover");
            }
        }

        @Override
        public void afterSequence(List<Step> steps, Function<SelectionOptions, Decider> factory) {
            Decider fresh = factory.apply(steps.getFirst().options());
            List<Step> shuffled = new ArrayList<>(steps);
            Collections.shuffle(shuffled, new Random(steps.size()));
            for (Step step : shuffled) {
                assertEquals(step.selection(), fresh.select(step.input()), "replayed out of order: " + step.input());
            }
        }
    };

    /**
     * Nothing changes before the time to ask again: at any instant from now until then (or any later instant when
     * no timer is pending), the same input gives an equal answer, and so does asking again with the answer passed
     * back. The time to ask again, when present, is in the future.
     */
    static final Property NOTHING_CHANGES_BEFORE_THE_TIMER = step -> {
        SelectionInput input = step.input();
        Selection selection = step.selection();
        OptionalLong at = selection.reevaluateAtNanos();
        long span;
        if (at.isPresent()) {
            span = at.getAsLong() - input.nowNanos();
            assertTrue(span > 0, "time to ask again " + at.getAsLong() + " is not after now " + input.nowNanos());
            step.count("timer pending");
        } else {
            span = 10_000 * MS;
        }
        long later = input.nowNanos() + step.random().nextLong(span);
        assertEquals(selection, step.decider().select(input.withNow(later)), "same input, " + (later
                - input.nowNanos()) + " ns later");
        assertEquals(selection, step.decider().select(input.withPrevious(selection).withNow(later)),
                "asked again with the answer passed back, " + (later - input.nowNanos()) + " ns later");
    };

    static void assertAllOccurred(Map<String, Integer> counts, String... cases) {
        System.out.println("interesting cases: " + counts);
        if (System.getProperty("twinport.policy.seed") != null) {
            return; // one replayed sequence need not contain every case
        }
        for (String name : cases) {
            assertTrue(counts.getOrDefault(name, 0) > 0, "the generator never produced \"" + name + "\": " + counts);
        }
    }

    // ---- running them against the real selector ----

    @Test
    void theActiveMemberIsUsableWheneverOneIs() {
        Map<String, Integer> counts = SelectionSimulation.run("active-is-usable", Plan.ANYTHING,
                SelectionSimulation.real(), ACTIVE_IS_USABLE);
        assertAllOccurred(counts, "active member became unusable, another was usable", "exactly one usable member",
                "no usable member", "pin yields to the invariant");
    }

    @Test
    void debouncedLinksMatchTheReferenceModel() {
        Map<String, Integer> counts = SelectionSimulation.run("link-matches-reference", Plan.ANYTHING,
                SelectionSimulation.real(), LINK_MATCHES_REFERENCE);
        assertAllOccurred(counts, "down link still counts up (down-delay)", "up link does not count yet (up-delay)",
                "link flapped faster than the up-delay");
    }

    @Test
    void withFailBackNeverTheActiveMemberChangesOnlyWhenItFails() {
        Map<String, Integer> counts = SelectionSimulation.run("never-changes-only-on-failure",
                Plan.only(FailBack.NEVER), SelectionSimulation.real(), NEVER_CHANGES_ONLY_ON_FAILURE);
        assertAllOccurred(counts, "switch on failure", "healthy primary while a healthy standby is active");
    }

    @Test
    void withFailBackAlwaysAHealthyPrimaryIsActive() {
        Map<String, Integer> counts = SelectionSimulation.run("always-prefers-healthy-primary",
                Plan.only(FailBack.ALWAYS), SelectionSimulation.real(), ALWAYS_PREFERS_HEALTHY_PRIMARY);
        assertAllOccurred(counts, "fail-back to the primary");
    }

    @Test
    void withFailBackFailureTheStandbyIsHeldUntilItFails() {
        Map<String, Integer> counts = SelectionSimulation.run("failure-holds-the-standby",
                Plan.only(FailBack.FAILURE), SelectionSimulation.real(), failureHoldsTheStandby());
        assertAllOccurred(counts, "standby held against a healthy primary", "primary taken from an unheld standby");
    }

    @Test
    void theDecisionIsAFunctionOfItsInputs() {
        Map<String, Integer> counts = SelectionSimulation.run("same-input-same-answer", Plan.ANYTHING,
                SelectionSimulation.real(), SAME_INPUT_SAME_ANSWER);
        assertAllOccurred(counts, "switchover");
    }

    @Test
    void nothingChangesBeforeTheTimeToAskAgain() {
        Map<String, Integer> counts = SelectionSimulation.run("nothing-changes-before-the-timer", Plan.ANYTHING,
                SelectionSimulation.real(), NOTHING_CHANGES_BEFORE_THE_TIMER);
        assertAllOccurred(counts, "timer pending");
    }

    // ---- and against wrong deciders, to show that each property can fail ----

    @Nested
    class PropertiesCanFail {

        @BeforeEach
        void allSeeds() {
            assumeTrue(System.getProperty("twinport.policy.seed") == null,
                    "skipped: replaying one seed, which need not catch every wrong selector");
        }

        private static void assertCaught(String name, Plan plan, Function<SelectionOptions, Decider> wrong,
                                         Property property) {
            AssertionError e = assertThrows(AssertionError.class,
                    () -> SelectionSimulation.run(name, plan, wrong, property), name + " must catch the mutant");
            assertTrue(e.getMessage().contains("seed") && e.getMessage().contains("-Dtwinport.policy.seed="),
                    "the failure names the seed: " + e.getMessage());
            System.out.println("caught as expected: " + e.getMessage().lines().findFirst().orElseThrow());
        }

        @Test
        void aDeciderThatIgnoresStartedIsCaught() {
            assertCaught("active-is-usable", Plan.ANYTHING, options -> {
                ActiveSelector real = new ActiveSelector(options);
                return input -> real.select(input.withPrimary(input.primary().present()
                        ? MemberView.started(input.primary().linkUp(), input.primary().linkSinceNanos())
                        : MemberView.ABSENT));
            }, ACTIVE_IS_USABLE);
        }

        @Test
        void anOffByOneUpDelayIsCaught() {
            assertCaught("link-matches-reference", Plan.ANYTHING, options -> new ActiveSelector(new SelectionOptions(
                    options.upDelayNanos() + 1, options.downDelayNanos(), options.failBack()))::select,
                    LINK_MATCHES_REFERENCE);
        }

        @Test
        void aDownDelayThatIsIgnoredIsCaught() {
            assertCaught("link-matches-reference", Plan.ANYTHING, options -> new ActiveSelector(new SelectionOptions(
                    options.upDelayNanos(), 0, options.failBack()))::select, LINK_MATCHES_REFERENCE);
        }

        @Test
        void failBackAlwaysUnderNeverIsCaught() {
            assertCaught("never-changes-only-on-failure", Plan.only(FailBack.NEVER), options -> new ActiveSelector(
                    new SelectionOptions(options.upDelayNanos(), options.downDelayNanos(), FailBack.ALWAYS))::select,
                    NEVER_CHANGES_ONLY_ON_FAILURE);
        }

        @Test
        void failBackNeverUnderAlwaysIsCaught() {
            assertCaught("always-prefers-healthy-primary", Plan.only(FailBack.ALWAYS), options -> new ActiveSelector(
                    new SelectionOptions(options.upDelayNanos(), options.downDelayNanos(), FailBack.NEVER))::select,
                    ALWAYS_PREFERS_HEALTHY_PRIMARY);
        }

        @Test
        void failBackAlwaysOrNeverUnderFailureIsCaught() {
            for (FailBack wrong : new FailBack[] {FailBack.ALWAYS, FailBack.NEVER}) {
                assertCaught("failure-holds-the-standby", Plan.only(FailBack.FAILURE), options -> new ActiveSelector(
                        new SelectionOptions(options.upDelayNanos(), options.downDelayNanos(), wrong))::select,
                        failureHoldsTheStandby());
            }
        }

        @Test
        void hiddenStateIsCaught() {
            // a selector that keeps its last answer in a field instead of reading input.previous(): right in a
            // sequence where the caller passes every answer back, wrong as soon as it is asked out of turn
            assertCaught("same-input-same-answer", Plan.ANYTHING, options -> {
                ActiveSelector real = new ActiveSelector(options);
                Selection[] remembered = {null};
                return input -> remembered[0] = real.select(input.withPrevious(remembered[0]));
            }, SAME_INPUT_SAME_ANSWER);
        }

        @Test
        void aMissingTimerIsCaught() {
            assertCaught("nothing-changes-before-the-timer", Plan.ANYTHING, options -> {
                ActiveSelector real = new ActiveSelector(options);
                return input -> {
                    Selection s = real.select(input);
                    return new Selection(s.active(), s.reason(), s.standbyHeld(), s.primaryLink(), s.standbyLink(),
                            OptionalLong.empty());
                };
            }, NOTHING_CHANGES_BEFORE_THE_TIMER);
        }

        @Test
        void aLateTimerIsCaught() {
            assertCaught("nothing-changes-before-the-timer", Plan.ANYTHING, options -> {
                ActiveSelector real = new ActiveSelector(options);
                return input -> {
                    Selection s = real.select(input);
                    OptionalLong late = s.reevaluateAtNanos().isPresent()
                            ? OptionalLong.of(s.reevaluateAtNanos().getAsLong() + 1) : OptionalLong.empty();
                    return new Selection(s.active(), s.reason(), s.standbyHeld(), s.primaryLink(), s.standbyLink(),
                            late);
                };
            }, NOTHING_CHANGES_BEFORE_THE_TIMER);
        }

        @Test
        void theSeedListIsFixed() {
            List<Long> seeds = SelectionSimulation.seeds();
            assertEquals(SelectionSimulation.SEQUENCES, seeds.size());
            assertEquals(seeds, SelectionSimulation.seeds());
            assertEquals(0x7_1A2B_0000L, seeds.getFirst());
        }
    }
}

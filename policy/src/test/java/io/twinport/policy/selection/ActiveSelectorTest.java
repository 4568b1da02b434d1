package io.twinport.policy.selection;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalLong;

import static io.twinport.policy.selection.ActiveMember.NONE;
import static io.twinport.policy.selection.ActiveMember.PRIMARY;
import static io.twinport.policy.selection.ActiveMember.STANDBY;
import static io.twinport.policy.selection.FailoverPortModel.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActiveSelectorTest {

    static FailoverPortModel bothUp(long upDelay, long downDelay, FailBack failBack) {
        FailoverPortModel port = new FailoverPortModel(upDelay, downDelay, failBack);
        port.primary = MemberView.started(true, -10_000 * MS);
        port.standby = MemberView.started(true, -10_000 * MS);
        return port;
    }

    @Nested
    class Basics {

        @Test
        void prefersThePrimaryWhenPresentStartedAndUp() {
            Selection s = bothUp(0, 0, FailBack.ALWAYS).at(0);
            assertEquals(PRIMARY, s.active());
            assertEquals(SwitchoverReason.PRIMARY_PREFERRED, s.reason());
            assertEquals(OptionalLong.empty(), s.reevaluateAtNanos());
            assertTrue(s.changedFrom(null));
        }

        @Test
        void theStandbyCarriesWhileThePrimaryIsAbsentStoppedOrDown() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.primary = MemberView.ABSENT;
            assertEquals(SwitchoverReason.PRIMARY_ABSENT, port.at(0).reason());
            assertEquals(STANDBY, port.active());
            port.primary = MemberView.stopped(true, 0);
            assertEquals(SwitchoverReason.PRIMARY_STOPPED, port.at(1).reason());
            port.primary = MemberView.started(false, 2);
            assertEquals(SwitchoverReason.PRIMARY_LINK_DOWN, port.at(2).reason());
            assertEquals(STANDBY, port.active());
            port.primary = MemberView.started(true, 3);
            assertEquals(PRIMARY, port.at(3).active());
        }

        @Test
        void aPrimaryThatJoinsLaterIsTaken() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.primary = MemberView.ABSENT;
            assertEquals(STANDBY, port.at(0).active());
            port.primary = MemberView.stopped(false, 5 * MS);
            assertEquals(STANDBY, port.at(5 * MS).active());
            port.primary = MemberView.started(false, 5 * MS);
            assertEquals(STANDBY, port.at(6 * MS).active());
            Selection s = port.primaryLink(true, 7 * MS);
            assertEquals(PRIMARY, s.active());
            assertTrue(s.changedFrom(new Selection(STANDBY, SwitchoverReason.PRIMARY_LINK_DOWN, false,
                    MemberLink.UNKNOWN, MemberLink.UNKNOWN, OptionalLong.empty())));
        }

        @Test
        void noHealthyMemberKeepsTheActiveOneIfUsable() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.at(0);
            port.standbyLink(false, 1 * MS);
            Selection s = port.primaryLink(false, 2 * MS);
            assertEquals(PRIMARY, s.active(), "nothing better: stay");
            assertEquals(SwitchoverReason.NO_HEALTHY_MEMBER, s.reason());
            port.primary = MemberView.stopped(false, 2 * MS);
            assertEquals(STANDBY, port.at(3 * MS).active(), "a usable member beats an unusable one");
            assertEquals(SwitchoverReason.NO_HEALTHY_MEMBER, port.last.reason());
        }

        @Test
        void noHealthyMemberAtFirstPicksThePrimaryThenTheStandby() {
            FailoverPortModel port = new FailoverPortModel(SelectionOptions.DEFAULT);
            port.primary = MemberView.started(false, 0);
            port.standby = MemberView.started(false, 0);
            assertEquals(PRIMARY, port.at(0).active());
            port.last = null;
            port.primary = MemberView.stopped(false, 0);
            assertEquals(STANDBY, port.at(0).active());
        }

        @Test
        void noUsableMemberMeansNone() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.at(0);
            port.primary = MemberView.stopped(true, 0);
            port.standby = MemberView.ABSENT;
            Selection s = port.at(1);
            assertEquals(NONE, s.active());
            assertEquals(SwitchoverReason.NO_USABLE_MEMBER, s.reason());
            assertEquals(LinkPhase.UNKNOWN, s.standbyLink().phase(), "an absent member's link is forgotten");
        }
    }

    @Nested
    class UpDelay {

        @Test
        void aLinkCountsOnlyAfterStayingUpForTheUpDelay() {
            FailoverPortModel port = bothUp(50 * MS, 0, FailBack.ALWAYS);
            port.primary = MemberView.started(false, 0);
            assertEquals(STANDBY, port.at(0).active());
            Selection s = port.primaryLink(true, 10 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(LinkPhase.GOING_UP, s.primaryLink().phase());
            assertEquals(OptionalLong.of(60 * MS), s.reevaluateAtNanos(), "ask again when the up-delay ends");
            assertEquals(STANDBY, port.at(60 * MS - 1).active());
            s = port.at(60 * MS);
            assertEquals(PRIMARY, s.active());
            assertEquals(LinkPhase.UP, s.primaryLink().phase());
            assertEquals(OptionalLong.empty(), s.reevaluateAtNanos());
        }

        @Test
        void aLinkThatFlapsFasterThanTheUpDelayNeverBecomesActive() {
            FailoverPortModel port = bothUp(50 * MS, 0, FailBack.ALWAYS);
            port.primary = MemberView.started(false, 0);
            port.at(0);
            long t = 0;
            for (int flap = 0; flap < 100; flap++) {
                t += 5 * MS;
                assertEquals(STANDBY, port.primaryLink(true, t).active(), "up at " + t);
                // the caller honours the timer if one falls before the next event
                assertTrue(port.last.reevaluateAtNanos().getAsLong() > t + 45 * MS - 1);
                t += 45 * MS - 1; // up for just under 50 ms
                assertEquals(STANDBY, port.primaryLink(false, t).active(), "down at " + t);
                assertFalse(port.last.primaryLink().countsUp());
            }
            // once it stays up for the whole up-delay, it counts
            t += MS;
            port.primaryLink(true, t);
            assertEquals(STANDBY, port.at(t + 50 * MS - 1).active());
            assertEquals(PRIMARY, port.at(t + 50 * MS).active());
        }

        @Test
        void aLinkReportedLateIsDebouncedFromItsOwnTimestamp() {
            FailoverPortModel port = bothUp(50 * MS, 0, FailBack.ALWAYS);
            port.primary = MemberView.started(false, 0);
            port.at(0);
            port.primary = MemberView.started(true, 10 * MS);
            Selection s = port.at(40 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(OptionalLong.of(60 * MS), s.reevaluateAtNanos());
            port.last = null;
            port.at(0);
            port.primary = MemberView.started(true, 10 * MS);
            assertEquals(PRIMARY, port.at(70 * MS).active(), "up since 10 ms, asked at 70 ms: counts");
        }

        @Test
        void aMemberPresentAtTheFirstCallWithAnOldLinkCountsAtOnce() {
            FailoverPortModel port = bothUp(50 * MS, 50 * MS, FailBack.ALWAYS);
            assertEquals(PRIMARY, port.at(0).active());
            assertEquals(LinkPhase.UP, port.last.primaryLink().phase());
        }
    }

    @Nested
    class DownDelay {

        @Test
        void aShortBlipIsMasked() {
            FailoverPortModel port = bothUp(0, 100 * MS, FailBack.ALWAYS);
            port.at(0);
            Selection s = port.primaryLink(false, 10 * MS);
            assertEquals(PRIMARY, s.active());
            assertEquals(LinkPhase.GOING_DOWN, s.primaryLink().phase());
            assertEquals(OptionalLong.of(110 * MS), s.reevaluateAtNanos());
            s = port.primaryLink(true, 60 * MS);
            assertEquals(PRIMARY, s.active());
            assertEquals(LinkPhase.UP, s.primaryLink().phase(), "back before the down-delay: never counted down");
            assertEquals(OptionalLong.empty(), s.reevaluateAtNanos());
        }

        @Test
        void aLongOutageSwitchesWhenTheDownDelayEnds() {
            FailoverPortModel port = bothUp(0, 100 * MS, FailBack.ALWAYS);
            port.at(0);
            port.primaryLink(false, 10 * MS);
            assertEquals(PRIMARY, port.at(110 * MS - 1).active());
            Selection s = port.at(110 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(SwitchoverReason.PRIMARY_LINK_DOWN, s.reason());
        }

        @Test
        void theDownDelayDoesNotProtectALinkThatNeverCountedUp() {
            FailoverPortModel port = bothUp(50 * MS, 100 * MS, FailBack.ALWAYS);
            port.primary = MemberView.started(false, 0);
            port.at(0);
            port.primaryLink(true, 0);
            Selection s = port.primaryLink(false, 10 * MS);
            assertEquals(LinkPhase.DOWN, s.primaryLink().phase());
            assertEquals(STANDBY, s.active());
        }

        @Test
        void anExpiredDownDelayBetweenTwoCallsStillCounts() {
            FailoverPortModel port = bothUp(20 * MS, 50 * MS, FailBack.ALWAYS);
            port.at(0);
            port.primaryLink(false, 0); // counts down at 50 ms, but nobody asks then
            Selection s = port.primaryLink(true, 70 * MS);
            assertEquals(LinkPhase.GOING_UP, s.primaryLink().phase(),
                    "down for 70 ms > down-delay: it went down, so the up-delay applies");
            assertEquals(STANDBY, s.active());
            assertEquals(OptionalLong.of(90 * MS), s.reevaluateAtNanos());
            assertEquals(PRIMARY, port.at(90 * MS).active());
        }

        @Test
        void anUnreportedBlipIsTakenAsInstantaneous() {
            FailoverPortModel noDownDelay = bothUp(50 * MS, 0, FailBack.ALWAYS);
            noDownDelay.at(0);
            noDownDelay.primary = MemberView.started(true, 10 * MS); // same state, new time stamp
            Selection s = noDownDelay.at(20 * MS);
            assertEquals(LinkPhase.GOING_UP, s.primaryLink().phase());
            assertEquals(STANDBY, s.active());
            assertEquals(OptionalLong.of(60 * MS), s.reevaluateAtNanos());

            FailoverPortModel withDownDelay = bothUp(50 * MS, 1, FailBack.ALWAYS);
            withDownDelay.at(0);
            withDownDelay.primary = MemberView.started(true, 10 * MS);
            assertEquals(PRIMARY, withDownDelay.at(20 * MS).active(), "masked by any down-delay");
        }
    }

    @Nested
    class FailBackPolicies {

        @Test
        void alwaysReturnsToTheRecoveredPrimary() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.at(0);
            assertEquals(STANDBY, port.primaryLink(false, 1 * MS).active());
            Selection s = port.primaryLink(true, 2 * MS);
            assertEquals(PRIMARY, s.active());
            assertEquals(SwitchoverReason.PRIMARY_PREFERRED, s.reason());
        }

        @Test
        void failureStaysOnTheStandbyUntilItFails() {
            FailoverPortModel port = bothUp(0, 0, FailBack.FAILURE);
            port.at(0);
            Selection s = port.primaryLink(false, 1 * MS);
            assertEquals(STANDBY, s.active());
            assertTrue(s.standbyHeld());
            s = port.primaryLink(true, 2 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(SwitchoverReason.STANDBY_HELD, s.reason());
            assertEquals(STANDBY, port.at(3_600_000 * MS).active(), "for as long as the standby is healthy");
            s = port.standbyLink(false, 3_600_001 * MS);
            assertEquals(PRIMARY, s.active(), "the standby failed: take the primary");
            assertFalse(s.standbyHeld());
            assertEquals(PRIMARY, port.standbyLink(true, 3_600_002 * MS).active());
        }

        @Test
        void failureStillTakesAPrimaryThatJoinsForTheFirstTime() {
            FailoverPortModel port = bothUp(0, 0, FailBack.FAILURE);
            port.primary = MemberView.ABSENT;
            assertEquals(STANDBY, port.at(0).active());
            assertFalse(port.last.standbyHeld());
            port.primary = MemberView.started(true, 5 * MS);
            assertEquals(PRIMARY, port.at(5 * MS).active());
        }

        @Test
        void failureHoldAfterAnUnplugSurvivesTheReplug() {
            FailoverPortModel port = bothUp(0, 0, FailBack.FAILURE);
            port.at(0);
            port.primary = MemberView.ABSENT;
            assertEquals(SwitchoverReason.PRIMARY_ABSENT, port.at(1 * MS).reason());
            port.primary = MemberView.started(true, 2 * MS);
            assertEquals(SwitchoverReason.STANDBY_HELD, port.at(2 * MS).reason());
        }

        @Test
        void failureHoldEndsWhenTheStandbyFailsEvenWithNoAlternative() {
            FailoverPortModel port = bothUp(0, 0, FailBack.FAILURE);
            port.at(0);
            port.primaryLink(false, 1 * MS);
            Selection s = port.standbyLink(false, 2 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(SwitchoverReason.NO_HEALTHY_MEMBER, s.reason());
            assertFalse(s.standbyHeld(), "the standby failed");
            port.standbyLink(true, 3 * MS);
            assertEquals(PRIMARY, port.primaryLink(true, 4 * MS).active());
        }

        @Test
        void neverChangesTheActiveMemberOnlyWhenItFails() {
            FailoverPortModel port = bothUp(0, 0, FailBack.NEVER);
            assertEquals(PRIMARY, port.at(0).active(), "the first choice prefers the primary");
            assertEquals(STANDBY, port.primaryLink(false, 1 * MS).active());
            assertEquals(SwitchoverReason.STANDBY_HELD, port.primaryLink(true, 2 * MS).reason());
            assertEquals(PRIMARY, port.standbyLink(false, 3 * MS).active());
            assertEquals(PRIMARY, port.standbyLink(true, 4 * MS).active(), "sticky both ways");
        }

        @Test
        void neverDoesNotTakeAPrimaryThatJoinsWhileTheStandbyIsHealthy() {
            FailoverPortModel port = bothUp(0, 0, FailBack.NEVER);
            port.primary = MemberView.ABSENT;
            port.at(0);
            port.primary = MemberView.started(true, 1 * MS);
            assertEquals(STANDBY, port.at(1 * MS).active());
            port.standby = MemberView.stopped(true, 2 * MS);
            assertEquals(PRIMARY, port.at(2 * MS).active());
        }
    }

    @Nested
    class PinnedStandbyOnly {

        @Test
        void pinsTheStandbyEvenWithItsLinkDown() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.at(0);
            port.mode = SelectionMode.STANDBY_ONLY;
            Selection s = port.at(1 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(SwitchoverReason.PINNED_STANDBY, s.reason());
            assertEquals(STANDBY, port.standbyLink(false, 2 * MS).active());
            port.standbyLink(true, 3 * MS);
            port.mode = SelectionMode.AUTO;
            assertEquals(PRIMARY, port.at(4 * MS).active(), "unpinned, fail-back always returns");
        }

        @Test
        void unpinningUnderFailBackFailureKeepsTheStandby() {
            FailoverPortModel port = bothUp(0, 0, FailBack.FAILURE);
            port.at(0);
            port.mode = SelectionMode.STANDBY_ONLY;
            port.at(1 * MS);
            port.primary = MemberView.ABSENT; // the migration unplugs the VF
            port.at(2 * MS);
            port.primary = MemberView.started(true, 3 * MS); // re-plugged on the target
            port.mode = SelectionMode.AUTO;
            assertEquals(SwitchoverReason.STANDBY_HELD, port.at(4 * MS).reason());
        }

        @Test
        void thePinYieldsWhenTheStandbyCannotBeUsed() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.mode = SelectionMode.STANDBY_ONLY;
            port.standby = MemberView.ABSENT;
            assertEquals(PRIMARY, port.at(0).active());
            port.standby = MemberView.stopped(true, 0);
            assertEquals(PRIMARY, port.at(1).active());
        }
    }

    @Nested
    class Override {

        @Test
        void anOverrideAppliesUntilItExpires() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.at(0);
            port.override = new ManualOverride(MemberRole.STANDBY, 100 * MS);
            Selection s = port.at(10 * MS);
            assertEquals(STANDBY, s.active());
            assertEquals(SwitchoverReason.MANUAL_OVERRIDE, s.reason());
            assertEquals(OptionalLong.of(100 * MS), s.reevaluateAtNanos(), "ask again at the expiry");
            assertEquals(STANDBY, port.at(100 * MS - 1).active());
            s = port.at(100 * MS);
            assertEquals(PRIMARY, s.active());
            assertEquals(OptionalLong.empty(), s.reevaluateAtNanos());
        }

        @Test
        void anOverrideToADeadMemberIsNotHonoured() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.primary = MemberView.started(false, 0);
            port.override = new ManualOverride(MemberRole.PRIMARY, 100 * MS);
            Selection s = port.at(0);
            assertEquals(STANDBY, s.active());
            assertEquals(SwitchoverReason.PRIMARY_LINK_DOWN, s.reason());
            assertEquals(OptionalLong.empty(), s.reevaluateAtNanos());
            assertEquals(MemberRole.PRIMARY, port.override.member());
            assertEquals(SwitchoverReason.MANUAL_OVERRIDE, port.primaryLink(true, 1 * MS).reason());
        }

        @Test
        void thePinBeatsAnOverride() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.mode = SelectionMode.STANDBY_ONLY;
            port.override = new ManualOverride(MemberRole.PRIMARY, 100 * MS);
            assertEquals(SwitchoverReason.PINNED_STANDBY, port.at(0).reason());
        }

        @Test
        void anOverrideToThePrimaryEndsTheFailureHold() {
            FailoverPortModel port = bothUp(0, 0, FailBack.FAILURE);
            port.at(0);
            port.primaryLink(false, 1 * MS);
            assertEquals(SwitchoverReason.STANDBY_HELD, port.primaryLink(true, 2 * MS).reason());
            port.override = new ManualOverride(MemberRole.PRIMARY, 10 * MS);
            assertEquals(PRIMARY, port.at(3 * MS).active());
            port.override = null;
            assertEquals(SwitchoverReason.PRIMARY_PREFERRED, port.at(20 * MS).reason());
        }

        @Test
        void expiryComparesLikeNanoTime() {
            ManualOverride override = new ManualOverride(MemberRole.STANDBY, Long.MIN_VALUE + 5);
            assertTrue(override.inForceAt(Long.MAX_VALUE), "MAX_VALUE is just before MIN_VALUE + 5");
            assertFalse(override.inForceAt(Long.MIN_VALUE + 5));
        }
    }

    @Nested
    class Timers {

        @Test
        void theEarliestPendingTimerIsReported() {
            FailoverPortModel port = bothUp(50 * MS, 30 * MS, FailBack.ALWAYS);
            port.at(0);
            port.primaryLink(false, 0); // GOING_DOWN until 30 ms
            port.standby = MemberView.started(true, 5 * MS); // unreported blip: GOING_DOWN->UP (masked)
            port.override = new ManualOverride(MemberRole.PRIMARY, 20 * MS);
            Selection s = port.at(10 * MS);
            assertEquals(SwitchoverReason.MANUAL_OVERRIDE, s.reason());
            assertEquals(OptionalLong.of(20 * MS), s.reevaluateAtNanos());
            port.override = null;
            assertEquals(OptionalLong.of(30 * MS), port.at(11 * MS).reevaluateAtNanos());
        }

        @Test
        void timesWrapAroundLikeNanoTime() {
            long start = Long.MAX_VALUE - 10 * MS;
            FailoverPortModel port = bothUp(50 * MS, 0, FailBack.ALWAYS);
            port.primary = MemberView.started(false, start);
            port.standby = MemberView.started(true, start - 100 * MS);
            port.at(start);
            Selection s = port.primaryLink(true, start);
            assertEquals(OptionalLong.of(start + 50 * MS), s.reevaluateAtNanos());
            assertTrue(s.reevaluateAtNanos().getAsLong() < 0, "the deadline wrapped");
            assertEquals(STANDBY, port.at(start + 50 * MS - 1).active());
            assertEquals(PRIMARY, port.at(start + 50 * MS).active());
        }
    }

    @Nested
    class Purity {

        @Test
        void sameInputSameAnswerWhateverCameBefore() {
            ActiveSelector selector = new ActiveSelector(new SelectionOptions(50 * MS, 10 * MS, FailBack.FAILURE));
            SelectionInput a = SelectionInput.first(MemberView.started(true, 0), MemberView.started(true, 0), 0);
            SelectionInput b = a.withPrimary(MemberView.started(false, 5 * MS)).withNow(6 * MS);
            Selection first = selector.select(a);
            selector.select(b);
            selector.select(b.withPrevious(first));
            Selection again = selector.select(a);
            assertEquals(first, again);
            assertNotSame(first, again);
            assertEquals(first, new ActiveSelector(selector.options()).select(a));
        }

        @Test
        void askingAgainWithNothingChangedGivesTheSameAnswer() {
            FailoverPortModel port = bothUp(0, 0, FailBack.ALWAYS);
            port.at(0);
            port.primaryLink(false, 1 * MS);
            Selection switched = port.primaryLink(true, 2 * MS);
            assertEquals(switched, port.at(3 * MS));
        }

        @Test
        void inputsAreValidated() {
            assertThrows(IllegalArgumentException.class, () -> new MemberView(false, true, false, 0));
            assertThrows(IllegalArgumentException.class, () -> new MemberView(false, false, true, 0));
            assertThrows(IllegalArgumentException.class, () -> new SelectionOptions(-1, 0, FailBack.ALWAYS));
            assertThrows(IllegalArgumentException.class,
                    () -> new SelectionOptions(0, SelectionOptions.MAX_DELAY_NANOS + 1, FailBack.ALWAYS));
            assertThrows(NullPointerException.class, () -> new SelectionOptions(0, 0, null));
            assertThrows(IllegalArgumentException.class, () -> new Selection(PRIMARY,
                    SwitchoverReason.PRIMARY_PREFERRED, true, MemberLink.UNKNOWN, MemberLink.UNKNOWN,
                    OptionalLong.empty()));
            assertThrows(IllegalArgumentException.class, () -> new MemberLink(LinkPhase.UNKNOWN, 5));
            assertThrows(NullPointerException.class, () -> new SelectionInput(MemberView.ABSENT, MemberView.ABSENT,
                    SelectionMode.AUTO, Optional.empty(), null, 0));
        }
    }

    @Test
    void wordsAndEventNames() {
        assertEquals("primary-absent", SwitchoverReason.PRIMARY_ABSENT.eventName());
        assertEquals(FailBack.FAILURE, FailBack.fromWord("failure"));
        assertEquals("always, failure or never", FailBack.words());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FailBack.fromWord("Always"));
        assertTrue(e.getMessage().contains("\"Always\"") && e.getMessage().contains("always, failure or never"));
        assertEquals(SelectionMode.STANDBY_ONLY, SelectionMode.fromWord("standby-only"));
        assertThrows(IllegalArgumentException.class, () -> SelectionMode.fromWord("standby_only"));
        assertEquals(STANDBY, ActiveMember.of(MemberRole.STANDBY));
    }
}

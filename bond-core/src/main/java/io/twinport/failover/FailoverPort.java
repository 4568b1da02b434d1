package io.twinport.failover;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.announce.AnnouncementsDue;
import io.twinport.policy.config.Durations;
import io.twinport.policy.selection.ActiveMember;
import io.twinport.policy.selection.ActiveSelector;
import io.twinport.policy.selection.ManualOverride;
import io.twinport.policy.selection.MemberRole;
import io.twinport.policy.selection.MemberView;
import io.twinport.policy.selection.Selection;
import io.twinport.policy.selection.SelectionInput;
import io.twinport.policy.selection.SelectionMode;
import io.twinport.port.AbstractPort;
import io.twinport.port.Claim;
import io.twinport.port.DeviceIdentity;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.port.PortInfo;
import io.twinport.port.PortState;
import io.twinport.port.PortStats;
import io.twinport.port.QueueCounters;
import io.twinport.port.VirtioNetFeature;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * One port backed by two members: a primary (the fast one, an SR-IOV VF) and a standby (virtio-net with STANDBY,
 * the anchor). The application polls it like any port; RX polls both members (the active one first), TX goes to
 * the active one, and received packets carry this port's id.
 *
 * <h2>Switchover, lock-free per queue</h2>
 * Each RX and TX queue has a {@link QueueSlot}. The control thread publishes a new immutable {@link Routing} to every
 * slot (release) with a new generation; each queue's thread reads it once per burst (acquire) and acknowledges the
 * generation. A member that leaves is stopped and released only once every queue has acknowledged a routing that
 * no longer names it. No lock and no per-packet check on the data path.
 *
 * <p><b>Idle queues.</b> A queue that nobody polls cannot acknowledge, so it holds back the release of a member
 * that left until its next burst. A member that was surprise-removed is already dead (its bursts return 0), so the
 * delay costs only memory; a graceful unplug waits, which is the point of it. When the failover port itself is not
 * started nothing polls it, and every queue counts as quiescent. An application that stops polling a queue for good
 * stops the port.
 *
 * <h2>Control</h2>
 * Every control method runs on the control thread (the {@link FailoverManager}'s), takes the time from the clock
 * given at construction, and is synchronized with the Port control calls. {@link #doWork()} is the duty cycle:
 * it samples links and TX liveness, re-evaluates the selection when something changed or a timer is due, finishes
 * switches and releases whose queues have all acknowledged, and schedules announcements.
 */
public final class FailoverPort extends AbstractPort {
    /** The driver name failover ports report (the manager never pairs a port of this driver). */
    public static final String DRIVER = "failover";
    private static final System.Logger LOG = System.getLogger(FailoverPort.class.getName());
    private static final int CONTROL_POOL_SIZE = 64;
    /**
     * Graceful unplug: how long past the drain time RX keeps polling a leaving member that still delivers frames
     * (the network has not learned the new path) before it leaves it anyway.
     */
    static final long DRAIN_LIMIT_NANOS = 1_000_000_000L;

    private final FailoverOptions options;
    private final ActiveSelector selector;
    private final LongSupplier clock;
    private final FailoverListener events;
    private final PacketPool controlPool;
    private final byte[][] announceFrames;

    // ---- control thread state (guarded by this)
    private Member standby;
    private Member primary;
    private Member active;
    private final List<Leaving> leaving = new ArrayList<>();
    private Selection selection;
    private SelectionMode mode;
    private ManualOverride override;
    private long generation;
    private Routing routing = Routing.EMPTY;
    private final List<PendingSwitch> pendingSwitches = new ArrayList<>();
    private PortStats departed = PortStats.ZERO;
    private long announceSeq;
    private long switchedAt;
    private int announceRounds;
    private boolean announcing;
    private long announcedReported;
    private long wakeAt = Long.MAX_VALUE;
    private boolean wakeSet;
    private long switches;

    // ---- published to the data path by the state's volatile write at start
    private QueueSlot[] rxSlots = new QueueSlot[0];
    private QueueSlot[] txSlots = new QueueSlot[0];
    // ---- TX queue 0's thread only
    private final Packet[] announcePkts;

    /**
     * A failover port anchored by {@code standby}, with its MAC, queue limits and MTU range.
     *
     * @param name     the port's name
     * @param standby  the claimed standby
     * @param options  behaviour
     * @param clock    the control thread's clock ({@link System#nanoTime()} in production, a fake in tests)
     * @param events   where failover events go (called on the control thread)
     */
    public FailoverPort(String name, Claim standby, FailoverOptions options, LongSupplier clock,
                        FailoverListener events) {
        super(infoFor(name, standby.port().info()));
        this.options = Objects.requireNonNull(options, "options");
        this.selector = new ActiveSelector(options.selection());
        this.mode = options.mode();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = Objects.requireNonNull(events, "events");
        this.announceFrames = options.ipv4() == 0
                ? new byte[][] {Announcement.rarp(info().mac())}
                : new byte[][] {Announcement.rarp(info().mac()), Announcement.gratuitousArp(info().mac(),
                options.ipv4())};
        this.announcePkts = new Packet[announceFrames.length];
        this.controlPool = PacketPool.create(name + "-ctl", CONTROL_POOL_SIZE);
        this.standby = new Member(MemberRole.STANDBY, standby, clock.getAsLong());
        synchronized (this) {
            evaluate(clock.getAsLong(), true);
        }
    }

    private static PortInfo infoFor(String name, PortInfo standby) {
        // the failover port is not itself a standby: it must never anchor another pair
        long features = standby.features() & ~VirtioNetFeature.STANDBY.mask();
        return new PortInfo(name, DRIVER, standby.mac(), standby.maxRxQueues(), standby.maxTxQueues(),
                standby.maxRingSize(), features, standby.minMtu(), standby.maxMtu(),
                new DeviceIdentity(null, standby.identity().pairId(), false));
    }

    // ================================================================== data path

    @Override
    protected int doRxBurst(int queue, Packet[] pkts, int offset, int max, QueueCounters counters) {
        QueueSlot slot = rxSlots[queue];
        Routing r = slot.routingAcquire();
        slot.acknowledge(r.generation());
        Port[] members = r.rx();
        int drainFrom = r.drainFrom();
        int n = 0;
        for (int i = 0; i < drainFrom && n < max; i++) {
            n += members[i].rxBurst(queue, pkts, offset + n, max - n);
        }
        if (drainFrom < members.length && n < max) {
            for (int i = drainFrom; i < members.length && n < max; i++) {
                n += members[i].rxBurst(queue, pkts, offset + n, max - n);
            }
            if (n < max) {
                // every draining member was polled and gave less than the room it was offered: its RX was emptied
                slot.drainedRelease(r.generation());
            }
        }
        if (n > 0) {
            int id = id();
            long bytes = 0;
            for (int i = offset, end = offset + n; i < end; i++) {
                Packet p = pkts[i];
                p.port(id);
                bytes += p.length();
            }
            counters.addPackets(n, bytes);
        }
        return n;
    }

    @Override
    protected int doTxBurst(int queue, Packet[] pkts, int offset, int count, QueueCounters counters) {
        QueueSlot slot = txSlots[queue];
        Routing r = slot.routingAcquire();
        slot.acknowledge(r.generation());
        Port tx = r.tx();
        if (tx == null) {
            return 0;
        }
        if (queue == 0 && r.announceSeq() != slot.announcedPlain()) {
            announce(tx, slot, r.announceSeq());
        }
        // bytes are summed before the hand-over: once the member took a packet it may already be freed and reused
        long bytes = 0;
        for (int i = offset, end = offset + count; i < end; i++) {
            bytes += pkts[i].length();
        }
        int n = tx.txBurst(queue, pkts, offset, count);
        slot.countTx(count, n);
        if (n > 0) {
            for (int i = offset + n, end = offset + count; i < end; i++) {
                bytes -= pkts[i].length(); // still the caller's
            }
            counters.addPackets(n, bytes);
        }
        return n;
    }

    /** Sends one announcement round on TX queue 0, ahead of the application's packets. Rare path, no allocation. */
    private void announce(Port tx, QueueSlot slot, long seq) {
        Packet[] frames = announcePkts;
        int k = controlPool.allocBulk(frames, 0, frames.length);
        for (int i = 0; i < k; i++) {
            frames[i].write(0, announceFrames[i], 0, Announcement.FRAME_LENGTH);
            frames[i].length(Announcement.FRAME_LENGTH);
        }
        int sent = tx.txBurst(0, frames, 0, k);
        controlPool.freeBulk(frames, sent, k - sent);
        slot.announcedRelease(seq);
    }

    // ================================================================== life cycle hooks

    @Override
    protected synchronized void doConfigure(PortConfig cfg) {
        PortConfig memberCfg = memberConfig(cfg);
        if (standby != null) {
            standby.claim.configure(memberCfg); // a standby that cannot take the config fails the configure
        }
        if (primary != null) {
            try {
                primary.claim.configure(memberCfg);
            } catch (RuntimeException e) {
                dropFailedMember(primary, e);
            }
        }
        rxSlots = slots(cfg.rxQueues());
        txSlots = slots(cfg.txQueues());
        publish(clock.getAsLong());
    }

    private QueueSlot[] slots(int n) {
        QueueSlot[] s = new QueueSlot[n];
        for (int q = 0; q < n; q++) {
            s[q] = new QueueSlot(routing);
        }
        return s;
    }

    private PortConfig memberConfig(PortConfig cfg) {
        return cfg.withMac(mac()); // config replay: queue counts, ring size, MTU, our MAC, receive modes, multicast
    }

    @Override
    protected synchronized void doStart() {
        if (standby != null) {
            standby.claim.start();
        }
        if (primary != null) {
            try {
                primary.claim.start();
            } catch (RuntimeException e) {
                dropFailedMember(primary, e);
            }
        }
        evaluate(clock.getAsLong(), true);
        updateLink(true); // the state moves to STARTED when this hook returns
    }

    @Override
    protected synchronized void doStop() {
        for (Member m : members()) {
            if (m.port().state() == PortState.STARTED) {
                m.claim.stop();
            }
        }
        evaluate(clock.getAsLong(), true);
        finishQuiescent(clock.getAsLong()); // nothing polls a stopped port: every queue is quiescent
    }

    @Override
    protected synchronized void doClose() {
        long now = clock.getAsLong();
        for (Member m : members()) {
            m.claim.release();
        }
        standby = null;
        primary = null;
        active = null;
        publish(now);
        finishQuiescent(now);
        controlPool.close();
    }

    // ================================================================== counters

    /**
     * Packets and bytes are what passed through this port (counted per queue on its own data path, like any port);
     * missed frames, refills without buffer and errors are folded from the members: departed members' totals plus
     * each present or leaving member's growth since it joined. Every counter only grows.
     */
    @Override
    public synchronized PortStats stats() {
        PortStats folded = departed;
        for (Member m : members()) {
            folded = folded.plus(m.sinceJoined());
        }
        for (Leaving l : leaving) {
            folded = folded.plus(l.member.sinceJoined());
        }
        PortStats own = super.stats();
        return new PortStats(own.rxPackets(), own.rxBytes(), folded.rxMissed(), folded.rxNoBuffer(),
                own.rxErrors() + folded.rxErrors(), own.txPackets(), own.txBytes(), own.txErrors() + folded.txErrors());
    }

    @Override
    protected synchronized void addXstats(Map<String, Long> x) {
        x.put("failover_switches", switches);
        x.put("failover_generation", generation);
        x.put("failover_leaving_members", (long) leaving.size());
        x.put("failover_announce_rounds_sent", txSlots.length == 0 ? 0 : txSlots[0].announcedAcquire());
    }

    // ================================================================== control: members

    /** @return the standby's port, if attached */
    public synchronized Optional<Port> standby() {
        return standby == null ? Optional.empty() : Optional.of(standby.port());
    }

    /** @return the primary's port, if attached */
    public synchronized Optional<Port> primary() {
        return primary == null ? Optional.empty() : Optional.of(primary.port());
    }

    /** @return the active member's port, if any */
    public synchronized Optional<Port> active() {
        return active == null ? Optional.empty() : Optional.of(active.port());
    }

    /** @return the last selection (active member, reason, debounced links) */
    public synchronized Selection selection() {
        return selection;
    }

    /** @return true while a switch waits for queues to acknowledge or a member waits to be released */
    public synchronized boolean switching() {
        return !pendingSwitches.isEmpty() || !leaving.isEmpty();
    }

    /**
     * Attaches a claimed member: replays this port's configuration onto it (queue counts, ring size, MTU, MAC,
     * receive modes, multicast list) and starts it if this port is started. On a failure the member is stopped,
     * released and reported ({@link FailoverEventType#ATTACH_FAILED}); the active member does not change.
     *
     * @param role  primary or standby
     * @param claim the member's claim, taken in this port's name
     * @return true if it joined
     * @throws IllegalStateException if that place is taken
     */
    public synchronized boolean attach(MemberRole role, Claim claim) {
        if ((role == MemberRole.PRIMARY ? primary : standby) != null) {
            throw new IllegalStateException("failover port " + name() + ": a " + role + " is attached already");
        }
        long now = clock.getAsLong();
        Member m = new Member(role, claim, now);
        try {
            PortConfig cfg = config();
            if (cfg != null) {
                claim.configure(memberConfig(cfg));
            }
            if (state() == PortState.STARTED) {
                claim.start();
            }
        } catch (RuntimeException e) {
            dropFailedMember(m, e);
            return false;
        }
        if (role == MemberRole.PRIMARY) {
            primary = m;
        } else {
            standby = m;
        }
        m.resetBaseline();
        if (role == MemberRole.PRIMARY) {
            emit(FailoverEventType.PRIMARY_ATTACHED, now, "member", claim.port().name(), "role", "primary");
        } else { // a standby that came back (restarted): the pair is negotiated again
            emit(FailoverEventType.FAILOVER_NEGOTIATED, now, "standby", claim.port().name(), "mac",
                    claim.port().info().mac().toString());
        }
        evaluate(now, true);
        return true;
    }

    private void dropFailedMember(Member m, RuntimeException e) {
        LOG.log(Level.WARNING, "failover port " + name() + ": " + m.port().name() + " could not join as "
                + roleName(m.role) + ": " + e.getMessage());
        if (m.port().state() == PortState.STARTED) {
            try {
                m.claim.stop();
            } catch (RuntimeException stopFailure) {
                e.addSuppressed(stopFailure);
            }
        }
        m.claim.release();
        if (primary == m) {
            primary = null;
        }
        if (standby == m) {
            standby = null;
        }
        emit(FailoverEventType.ATTACH_FAILED, clock.getAsLong(), "member", m.port().name(), "role",
                roleName(m.role), "error", String.valueOf(e.getMessage()));
    }

    /**
     * A member disappeared without warning (surprise removal): TX leaves it at once (every queue's next burst), and
     * once every queue has acknowledged, its port is closed, which returns its packets to their pools.
     *
     * @param member the member's port
     * @return true if it was a member
     */
    public synchronized boolean detach(Port member) {
        Member m = memberOf(member);
        if (m == null) {
            return false;
        }
        long now = clock.getAsLong();
        remove(m);
        if (m.role == MemberRole.PRIMARY) {
            emit(FailoverEventType.PRIMARY_UNPLUGGED, now, "member", member.name(), "reason", "surprise");
        }
        Leaving l = new Leaving(m, now, null);
        leaving.add(l);
        evaluate(now, true);
        l.generation = generation;
        return true;
    }

    /**
     * The host warns that it will unplug a member (the graceful path of a migration): TX moves to the other member;
     * RX keeps polling the leaving member for at least {@link FailoverOptions#gracefulDrainNanos()} so that frames on
     * their way still arrive, and after that until every RX queue has emptied it once (a burst that got less than it
     * asked for), so a queue thread that was not scheduled during the drain time still gets its frames (a member
     * that keeps filling every burst is left
     * {@value #DRAIN_LIMIT_NANOS} ns after the drain time, with a warning); then RX leaves it too, and once every
     * queue has acknowledged, the member is stopped and released. The future completes then: the host may unplug it
     * without losing a packet this port sent or a frame that reached the member before it went quiet.
     *
     * @param member the member's port
     * @return completes when the member is released; completed at once if it is not a member
     */
    public synchronized CompletableFuture<Void> prepareUnplug(Port member) {
        Member m = memberOf(member);
        if (m == null) {
            return CompletableFuture.completedFuture(null);
        }
        long now = clock.getAsLong();
        remove(m);
        m.draining = true;
        if (m.role == MemberRole.PRIMARY) {
            emit(FailoverEventType.PRIMARY_UNPLUGGED, now, "member", member.name(), "reason", "graceful");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Leaving l = new Leaving(m, now, done);
        leaving.add(l); // before publishing: RX keeps polling it while it drains
        evaluate(now, true);
        l.generation = generation;
        return done;
    }

    private void remove(Member m) {
        if (primary == m) {
            primary = null;
        } else if (standby == m) {
            standby = null;
        }
    }

    private Member memberOf(Port p) {
        if (primary != null && primary.port() == p) {
            return primary;
        }
        if (standby != null && standby.port() == p) {
            return standby;
        }
        return null;
    }

    /**
     * A member reported a link change (LINK_UP or LINK_DOWN): even when its link looks the same as before by now (a
     * flap between two looks), it changed, which also gives a member that was failed for a stuck TX a fresh chance.
     *
     * @param member the member's port
     */
    public synchronized void memberLinkChanged(Port member) {
        Member m = memberOf(member);
        if (m == null) {
            return;
        }
        long now = clock.getAsLong();
        m.link = member.linkUp();
        m.linkSince = now;
        m.stalled = false;
        evaluate(now, false);
    }

    /**
     * A member's device asked for the MAC to be announced (ANNOUNCE_REQUESTED: virtio's VIRTIO_NET_S_ANNOUNCE after
     * the host migrated it): the announcement schedule starts again on the active member, as after a switch. A
     * member's driver never sends announcements itself; this port does, on whichever member is active, so the
     * network learns the path the traffic actually takes.
     *
     * @param member the member's port
     */
    public synchronized void memberAnnounceRequested(Port member) {
        if (memberOf(member) == null || active == null || options.announce().count() == 0) {
            return;
        }
        announcing = true;
        switchedAt = clock.getAsLong();
        announceRounds = 0;
    }

    /**
     * Pins the standby ({@link SelectionMode#STANDBY_ONLY}, for migrations) or returns to automatic selection.
     *
     * @param newMode the mode
     */
    public synchronized void setMode(SelectionMode newMode) {
        mode = Objects.requireNonNull(newMode, "mode");
        evaluate(clock.getAsLong(), true);
    }

    /**
     * An operator's override: make {@code role} active until {@code expiresAtNanos} (honoured only while it is
     * healthy), or null to cancel.
     *
     * @param newOverride the override, or null
     */
    public synchronized void setOverride(ManualOverride newOverride) {
        override = newOverride;
        evaluate(clock.getAsLong(), true);
    }

    /**
     * @return the operator's override as last set, if any; it may have expired already (see
     *         {@link ManualOverride#inForceAt}) or not be honoured (see {@link #selection()})
     */
    public synchronized Optional<ManualOverride> override() {
        return Optional.ofNullable(override);
    }

    // ================================================================== control: duty cycle

    /**
     * The control thread's duty cycle.
     *
     * @return how much work was done (0: idle)
     */
    public synchronized int doWork() {
        long now = clock.getAsLong();
        int work = 0;
        boolean changed = sampleMembers(now);
        if (changed || (wakeSet && now - wakeAt >= 0)) {
            evaluate(now, false);
            work++;
        }
        work += finishQuiescent(now);
        work += scheduleAnnouncements(now);
        updateLink(state() == PortState.STARTED);
        return work;
    }

    /** Looks at each member's link and TX progress; true if a view changed. */
    private boolean sampleMembers(long now) {
        boolean changed = false;
        for (Member m : members()) {
            boolean link = m.port().linkUp();
            if (link != m.link || m.port().state() != m.lastState) {
                m.link = link;
                m.lastState = m.port().state();
                m.linkSince = now;
                m.stalled = false; // a link change is the member restarting: give it a fresh chance
                changed = true;
            }
        }
        Member a = active;
        if (a != null && options.txStallNanos() > 0 && txSlots.length > 0) {
            long offered = 0;
            long taken = 0;
            for (QueueSlot s : txSlots) {
                offered += s.offeredOpaque();
                taken += s.takenOpaque();
            }
            if (taken != a.lastTaken || a.lastOffered < 0) {
                a.stallSince = -1;
            } else if (offered != a.lastOffered && a.stallSince < 0) {
                a.stallSince = now;
            }
            a.lastTaken = taken;
            a.lastOffered = offered;
            if (!a.stalled && a.stallSince >= 0 && now - a.stallSince >= options.txStallNanos()) {
                a.stalled = true;
                a.linkSince = now;
                LOG.log(Level.WARNING, "failover port " + name() + ": " + a.port().name()
                        + " took no TX packet for " + (now - a.stallSince) / 1_000_000 + " ms: counted as failed");
                changed = true;
            }
        }
        return changed;
    }

    private void evaluate(long now, boolean republish) {
        Selection s = selector.select(new SelectionInput(view(primary, now), view(standby, now), mode,
                Optional.ofNullable(override), Optional.ofNullable(selection), now));
        selection = s;
        wakeSet = s.reevaluateAtNanos().isPresent();
        wakeAt = wakeSet ? s.reevaluateAtNanos().getAsLong() : Long.MAX_VALUE;
        Member next = s.active() == ActiveMember.PRIMARY ? primary
                : s.active() == ActiveMember.STANDBY ? standby : null;
        if (next != active) {
            Member from = active;
            active = next;
            if (next != null) {
                next.lastOffered = -1; // liveness sampling starts afresh on the new active member
                next.stallSince = -1;
            }
            publish(now);
            switches++;
            pendingSwitches.add(new PendingSwitch(from == null ? "none" : from.port().name(),
                    next == null ? "none" : next.port().name(), s.reason().eventName(), now, generation));
            if (next != null && options.announce().count() > 0) {
                announcing = true;
                switchedAt = now;
                announceRounds = 0;
            }
        } else if (republish) {
            publish(now);
        }
        updateLink(state() == PortState.STARTED);
    }

    /** Our link is the active member's, while we are started. */
    private void updateLink(boolean started) {
        setLinkUp(started && active != null && active.port().linkUp());
    }

    private MemberView view(Member m, long now) {
        if (m == null || m.port().state().isGone()) {
            return MemberView.ABSENT;
        }
        boolean started = m.port().state() == PortState.STARTED;
        boolean link = m.port().linkUp() && !m.stalled;
        return new MemberView(true, started, link, m.linkSince);
    }

    /** Publishes the current membership to every queue under a new generation. */
    private void publish(long now) {
        List<Port> rx = new ArrayList<>(3);
        if (active != null) {
            rx.add(active.port());
        }
        for (Member m : members()) {
            if (m != active && m.port().state() == PortState.STARTED) {
                rx.add(m.port());
            }
        }
        int drainFrom = rx.size();
        for (Leaving l : leaving) {
            if (l.member.draining && l.member.port().state() == PortState.STARTED) {
                rx.add(l.member.port()); // graceful: RX keeps polling until the drain is over
            }
        }
        generation++;
        routing = new Routing(generation, active == null ? null : active.port(), rx.toArray(new Port[0]),
                drainFrom, announceSeq);
        for (QueueSlot s : rxSlots) {
            s.publishRelease(routing);
        }
        for (QueueSlot s : txSlots) {
            s.publishRelease(routing);
        }
    }

    private boolean quiescent(long gen) {
        if (state() != PortState.STARTED) {
            return true;
        }
        for (QueueSlot s : rxSlots) {
            if (s.ackAcquire() < gen) {
                return false;
            }
        }
        for (QueueSlot s : txSlots) {
            if (s.ackAcquire() < gen) {
                return false;
            }
        }
        return true;
    }

    /** @return true if every RX queue has found the draining members empty at generation {@code gen} or later */
    private boolean drained(long gen) {
        for (QueueSlot s : rxSlots) {
            if (s.drainedAcquire() < gen) {
                return false;
            }
        }
        return true;
    }

    private int finishQuiescent(long now) {
        int work = 0;
        boolean idle = state() != PortState.STARTED;
        while (!pendingSwitches.isEmpty() && quiescent(pendingSwitches.getFirst().generation)) {
            PendingSwitch p = pendingSwitches.removeFirst();
            emit(FailoverEventType.SWITCHED, now, "from", p.from, "to", p.to, "reason", p.reason, "switch_ns",
                    now - p.startedAt);
            work++;
        }
        for (Iterator<Leaving> it = leaving.iterator(); it.hasNext(); ) {
            Leaving l = it.next();
            if (l.member.draining) {
                // graceful, phase 1: TX has left once the queues acked; RX keeps draining for the drain time
                if (!idle && !(quiescent(l.generation) && now - l.since >= options.gracefulDrainNanos())) {
                    continue;
                }
                // phase 1b: the drain time is a lower bound, not a deadline: a queue thread that was not scheduled
                // during it may still have frames waiting there. RX leaves the member only once every RX queue
                // has emptied it (a burst that got less than it asked for) under a generation published after the
                // drain time, or at the limit.
                if (!idle && l.checkGeneration == 0) {
                    publish(now);
                    l.checkGeneration = generation;
                    work++;
                    continue;
                }
                if (!idle && !drained(l.checkGeneration)) {
                    if (now - l.since < options.gracefulDrainNanos() + DRAIN_LIMIT_NANOS) {
                        continue;
                    }
                    LOG.log(Level.WARNING, "failover port " + name() + ": " + l.member.port().name() + " still "
                            + "receives " + Durations.format(now - l.since) + " after its graceful unplug began;"
                            + " RX leaves it now (frames still arriving there are lost)");
                }
                l.member.draining = false;
                publish(now); // phase 2: RX leaves it too
                l.generation = generation;
                work++;
            }
            if (quiescent(l.generation)) {
                it.remove();
                release(l);
                work++;
            }
        }
        return work;
    }

    private void release(Leaving l) {
        Member m = l.member;
        departed = departed.plus(m.sinceJoined()); // its counts stay in ours: they never go backwards
        try {
            if (m.port().state().isGone()) {
                m.claim.closePort(); // surprise removal: closing frees what the dead member held
            } else {
                if (m.port().state() == PortState.STARTED) {
                    m.claim.stop();
                }
                m.claim.release();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "failover port " + name() + ": releasing " + m.port().name() + " failed", e);
        }
        if (l.done != null) {
            l.done.complete(null);
        }
    }

    private int scheduleAnnouncements(long now) {
        int work = 0;
        if (txSlots.length > 0) {
            long sent = txSlots[0].announcedAcquire();
            if (sent > announcedReported) {
                announcedReported = sent;
                emit(FailoverEventType.ANNOUNCED, now, "via", active == null ? "none" : active.port().name(),
                        "round", sent);
                work++;
            }
        }
        if (!announcing || active == null) {
            return work;
        }
        AnnouncementsDue due = options.announce().due(switchedAt, announceRounds, now);
        if (due.toSend() > 0) {
            announceRounds += due.toSend();
            announceSeq++;
            publish(now);
            work++;
        }
        if (due.finished()) {
            announcing = false;
        }
        return work;
    }

    private List<Member> members() {
        List<Member> list = new ArrayList<>(2);
        if (primary != null) {
            list.add(primary);
        }
        if (standby != null) {
            list.add(standby);
        }
        return list;
    }

    private void emit(FailoverEventType type, long now, Object... kv) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            data.put((String) kv[i], kv[i + 1]);
        }
        FailoverEvent e = new FailoverEvent(type, name(), data, now);
        // DEBUG: events reach people through listeners, the management socket and `status`; a console line at
        // INFO cost more than the switch itself (tens of µs, measured by SwitchoverBenchmark)
        LOG.log(Level.DEBUG, e::toString);
        try {
            events.onFailoverEvent(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.ERROR, "failover listener failed on " + e, ex);
        }
    }

    private static String roleName(MemberRole role) {
        return role == MemberRole.PRIMARY ? "primary" : "standby";
    }

    // ================================================================== bookkeeping

    /** A member: its claim and what the control thread tracks about it. */
    private static final class Member {
        final MemberRole role;
        final Claim claim;
        PortStats baseline = PortStats.ZERO;
        boolean link;
        PortState lastState;
        long linkSince;
        boolean stalled;
        long stallSince = -1;
        long lastOffered = -1;
        long lastTaken;
        boolean draining;

        Member(MemberRole role, Claim claim, long now) {
            this.role = role;
            this.claim = claim;
            this.link = claim.port().linkUp();
            this.lastState = claim.port().state();
            this.linkSince = now;
            resetBaseline();
        }

        Port port() {
            return claim.port();
        }

        void resetBaseline() {
            baseline = claim.port().stats();
        }

        PortStats sinceJoined() {
            PortStats s = claim.port().stats();
            return new PortStats(s.rxPackets() - baseline.rxPackets(), s.rxBytes() - baseline.rxBytes(),
                    s.rxMissed() - baseline.rxMissed(), s.rxNoBuffer() - baseline.rxNoBuffer(),
                    s.rxErrors() - baseline.rxErrors(), s.txPackets() - baseline.txPackets(),
                    s.txBytes() - baseline.txBytes(), s.txErrors() - baseline.txErrors());
        }
    }

    /** A member on its way out, released once every queue has acknowledged {@code generation}. */
    private static final class Leaving {
        final Member member;
        long generation;
        long checkGeneration; // graceful: published once the drain time is over; 0 before
        final long since;
        final CompletableFuture<Void> done;

        Leaving(Member member, long since, CompletableFuture<Void> done) {
            this.member = member;
            this.since = since;
            this.done = done;
        }
    }

    /** A switch waiting for every queue to acknowledge it, to report how long it took. */
    private record PendingSwitch(String from, String to, String reason, long startedAt, long generation) {
    }
}

package io.twinport.failover;

import io.twinport.policy.announce.AnnouncementSchedule;
import io.twinport.policy.config.TwinportConfig;
import io.twinport.policy.selection.SelectionMode;
import io.twinport.policy.selection.SelectionOptions;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How a failover port behaves; usually from {@link TwinportConfig}.
 *
 * @param selection          up-delay, down-delay, fail-back
 * @param mode               automatic, or pinned to the standby
 * @param announce           how many announcements after a switch, and how far apart
 * @param txStallNanos       a member whose TX takes nothing for this long while offered packets counts as failed
 *                           (liveness beyond link state); 0 turns the check off
 * @param gracefulDrainNanos on a graceful unplug, how long RX keeps polling the leaving member after TX has left
 *                           it, so frames already on their way are still delivered
 * @param ipv4               the port's IPv4 address (big-endian) for gratuitous ARP, or 0 to send RARP only
 */
public record FailoverOptions(SelectionOptions selection, SelectionMode mode, AnnouncementSchedule announce,
                              long txStallNanos, long gracefulDrainNanos, int ipv4) {
    /** Default TX stall time. */
    public static final long DEFAULT_TX_STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Default graceful drain time. */
    public static final long DEFAULT_GRACEFUL_DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The config-free behaviour. */
    public static final FailoverOptions DEFAULT = new FailoverOptions(SelectionOptions.DEFAULT, SelectionMode.AUTO,
            AnnouncementSchedule.DEFAULT, DEFAULT_TX_STALL_NANOS, DEFAULT_GRACEFUL_DRAIN_NANOS, 0);

    /** Checks the fields. */
    public FailoverOptions {
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(announce, "announce");
        if (txStallNanos < 0) {
            throw new IllegalArgumentException("TX stall time " + txStallNanos + " ns must be >= 0");
        }
        if (gracefulDrainNanos < 0) {
            throw new IllegalArgumentException("graceful drain time " + gracefulDrainNanos + " ns must be >= 0");
        }
    }

    /**
     * @param config loaded configuration
     * @return options with the configured selection, mode and announcement schedule, other fields default
     */
    public static FailoverOptions from(TwinportConfig config) {
        return new FailoverOptions(config.selectionOptions(), config.mode(), config.announcementSchedule(),
                DEFAULT_TX_STALL_NANOS, DEFAULT_GRACEFUL_DRAIN_NANOS, 0);
    }

    /**
     * @param nanos the TX stall time
     * @return a copy with it
     */
    public FailoverOptions withTxStallNanos(long nanos) {
        return new FailoverOptions(selection, mode, announce, nanos, gracefulDrainNanos, ipv4);
    }

    /**
     * @param nanos how long RX keeps polling a member that leaves gracefully
     * @return a copy with it
     */
    public FailoverOptions withGracefulDrainNanos(long nanos) {
        return new FailoverOptions(selection, mode, announce, txStallNanos, nanos, ipv4);
    }

    /**
     * @param newSelection selection options
     * @return a copy with them
     */
    public FailoverOptions withSelection(SelectionOptions newSelection) {
        return new FailoverOptions(newSelection, mode, announce, txStallNanos, gracefulDrainNanos, ipv4);
    }

    /**
     * @param newAnnounce the announcement schedule
     * @return a copy with it
     */
    public FailoverOptions withAnnounce(AnnouncementSchedule newAnnounce) {
        return new FailoverOptions(selection, mode, newAnnounce, txStallNanos, gracefulDrainNanos, ipv4);
    }

    /**
     * @param address the IPv4 address, big-endian, or 0
     * @return a copy that also sends gratuitous ARP for it
     */
    public FailoverOptions withIpv4(int address) {
        return new FailoverOptions(selection, mode, announce, txStallNanos, gracefulDrainNanos, address);
    }
}

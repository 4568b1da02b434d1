package io.twinport.virtio.migration;

import java.util.Locale;

/** What the sequence does when the guest does not release the VF within the unplug timeout. */
public enum UnplugTimeoutAction {
    /**
     * Withdraw the unplug request and go back to FAILOVER_NEGOTIATED: the migration fails, the VM stays where it is
     * with its VF (the default: nothing is lost).
     */
    ROLL_BACK,
    /**
     * Unplug the VF anyway (a surprise removal for the guest: frames in flight on the VF may be lost) and migrate.
     */
    FORCE_UNPLUG;

    /** @return the word used in configuration and events, e.g. {@code roll-back} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

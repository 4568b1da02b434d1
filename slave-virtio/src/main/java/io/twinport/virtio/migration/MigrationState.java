package io.twinport.virtio.migration;

import java.util.Locale;

/**
 * Where the host-side live-migration sequence of one VM is, in order (QEMU's and libvirt's part of a migration with
 * a failover pair; QEMU's own status words are {@code wait-unplug}, {@code active}, {@code completed},
 * {@code failed}).
 *
 * <pre>
 *  NONE ──standby negotiated──► FAILOVER_NEGOTIATED ──migrate──► UNPLUG_REQUESTED ──► WAIT_UNPLUG ──► MIGRATING
 *                                  ▲  ▲                              │ cancel             │ cancel,      │    │
 *                                  │  └──────── roll-back ───────────┘                    │ timeout      │    │
 *                                  └──────────────────── roll-back ──────────────────────┘  ok ┌────────┘    │ error
 *                                                                                                ▼             ▼
 *                 a new migration may start from FAILOVER_NEGOTIATED, COMPLETED or FAILED:  COMPLETED      FAILED
 * </pre>
 */
public enum MigrationState {
    /** The guest has not negotiated VIRTIO_NET_F_STANDBY: the VF stays hidden (QEMU's failover=on). */
    NONE,
    /** The guest negotiated STANDBY; the VF, if the host has one, is plugged. A migration may start. */
    FAILOVER_NEGOTIATED,
    /** A migration was requested; the guest is about to be asked to let the VF go. */
    UNPLUG_REQUESTED,
    /** The guest was asked to let the VF go; the sequence waits for it (with a timeout, unlike QEMU). */
    WAIT_UNPLUG,
    /** The VF is unplugged (its resources kept); the virtio device's state moves to the target. */
    MIGRATING,
    /** The VM runs on the target: the guest was told to announce itself and the target's VF, if any, is plugged. */
    COMPLETED,
    /** The device could not move after the VF was unplugged: the VM stays on the source and its VF is re-plugged. */
    FAILED;

    /** @return the state as management software sees it, e.g. {@code wait-unplug} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @return true in the states where a migration may be requested and a VF plugged */
    public boolean isSettled() {
        return this == FAILOVER_NEGOTIATED || this == COMPLETED || this == FAILED;
    }
}

package io.twinport.virtio.device;

/**
 * Where one vring stopped, as GET_VRING_BASE reports it: what a device hands over to the device that takes the
 * guest over (vhost-user.rst, "Migrating back-ends"; the target is told the base with SET_VRING_BASE).
 *
 * @param index        the vring index (queue pair q: receiveq 2q, transmitq 2q+1)
 * @param lastAvailIdx the next available-ring index the device would have processed (free-running, 16 bits)
 * @param usedIdx      the device's used index; this device uses every chain it takes at once, so it equals
 *                     lastAvailIdx once the ring is stopped
 */
public record VringState(int index, int lastAvailIdx, int usedIdx) {
    /** Checks the fields. */
    public VringState {
        if (index < 0 || index > 0xFF) {
            throw new IllegalArgumentException("vring index " + index + " out of range [0, 255]");
        }
        if (lastAvailIdx < 0 || lastAvailIdx > 0xFFFF || usedIdx < 0 || usedIdx > 0xFFFF) {
            throw new IllegalArgumentException("vring " + index + ": indices " + lastAvailIdx + "/" + usedIdx
                    + " must be 16-bit");
        }
    }
}

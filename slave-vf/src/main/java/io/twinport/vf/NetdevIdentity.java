package io.twinport.vf;

/**
 * Where a netdev's device lives, read from sysfs ({@code /sys/class/net/NAME/device}).
 *
 * @param busAddress      the PCI address ({@code 0000:03:00.1}) of the device, or of the PCI device a virtio
 *                        device sits on; null for a virtual netdev (veth, bridge, ...)
 * @param virtualFunction true if the PCI device is an SR-IOV VF ({@code device/physfn} exists)
 * @param driver          the kernel driver ({@code device/driver}, e.g. {@code ixgbevf}, {@code virtio_net}), else
 *                        the link kind ({@code veth}), else null
 * @param virtio          true if the netdev is a virtio-net device ({@code device/features} exists)
 * @param virtioFeatures  the feature word the kernel's virtio-net driver negotiated (from {@code device/features},
 *                        a string of '0'/'1' with bit 0 first); 0 when not virtio
 */
public record NetdevIdentity(String busAddress, boolean virtualFunction, String driver, boolean virtio,
                             long virtioFeatures) {
    /** Nothing known: a virtual netdev without a device. */
    public static final NetdevIdentity NONE = new NetdevIdentity(null, false, null, false, 0);
}

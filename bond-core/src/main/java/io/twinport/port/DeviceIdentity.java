package io.twinport.port;

/**
 * Where a port's device lives, as far as the driver can tell.
 *
 * @param busAddress a bus address such as a PCI address {@code 0000:03:00.1}, a socket path, or null
 * @param pairId     a pair id supplied by the host (it wins over the MAC when pairing), or null
 * @param virtualFunction true if the device is an SR-IOV virtual function
 */
public record DeviceIdentity(String busAddress, String pairId, boolean virtualFunction) {
    /** No identity known. */
    public static final DeviceIdentity NONE = new DeviceIdentity(null, null, false);
}

package io.twinport.vf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Reads a netdev's identity from sysfs: {@code ROOT/class/net/NAME/device} and what it links to. The root is
 * {@code /sys} in production and a directory tree in tests.
 *
 * <pre>
 * /sys/class/net/eth1/device → ../../../0000:03:10.1        (a VF: 0000:03:10.1/physfn exists)
 * /sys/class/net/eth0/device → ../../../virtio0             (virtio: device/features, PCI address of the parent)
 *                     device/driver → .../drivers/virtio_net
 * </pre>
 */
public final class Sysfs {
    /** The real sysfs. */
    public static final Sysfs SYSTEM = new Sysfs(Path.of("/sys"));

    private static final Pattern PCI_ADDRESS =
            Pattern.compile("[0-9a-fA-F]{4,}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");

    private final Path root;

    /** @param root where sysfs is mounted ({@code /sys}), or a test tree shaped like it */
    public Sysfs(Path root) {
        this.root = root;
    }

    /**
     * @param ifname the netdev's name now
     * @param kind   the rtnetlink link kind ({@code veth}, ...), used as the driver of a netdev without a device
     * @return what sysfs says; {@link NetdevIdentity#NONE} with the kind as driver for virtual netdevs
     * @throws UncheckedIOException if a file that exists cannot be read
     */
    public NetdevIdentity identity(String ifname, String kind) {
        Path device = root.resolve("class").resolve("net").resolve(ifname).resolve("device");
        if (!Files.exists(device)) {
            return new NetdevIdentity(null, false, kind, false, 0);
        }
        try {
            Path real = device.toRealPath();
            String driver = kind;
            Path driverLink = device.resolve("driver");
            if (Files.exists(driverLink)) {
                driver = driverLink.toRealPath().getFileName().toString();
            }
            boolean virtio = Files.isRegularFile(device.resolve("features"));
            long features = virtio ? parseFeatures(Files.readString(device.resolve("features"),
                    StandardCharsets.US_ASCII)) : 0;
            Path pci = real;
            while (pci != null && pci.getFileName() != null
                    && !PCI_ADDRESS.matcher(pci.getFileName().toString()).matches()) {
                pci = pci.getParent();
            }
            String busAddress = pci != null && pci.getFileName() != null ? pci.getFileName().toString() : null;
            boolean vf = busAddress != null && Files.exists(pci.resolve("physfn"));
            return new NetdevIdentity(busAddress, vf, driver, virtio, features);
        } catch (IOException e) {
            throw new UncheckedIOException("sysfs: cannot read the identity of netdev " + ifname + " under "
                    + device, e);
        }
    }

    /**
     * Parses a virtio device's {@code features} attribute: one '0' or '1' per bit, bit 0 first (Linux
     * drivers/virtio/virtio.c, {@code features_show}); bits past 63 are ignored.
     *
     * @param text the attribute's contents
     * @return the feature word
     * @throws IllegalArgumentException if a character is neither '0' nor '1'
     */
    public static long parseFeatures(String text) {
        String s = text.strip();
        long word = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '1') {
                if (i < 64) {
                    word |= 1L << i;
                }
            } else if (c != '0') {
                throw new IllegalArgumentException("virtio features: character " + i + " is '" + c
                        + "', expected '0' or '1': " + s);
            }
        }
        return word;
    }
}

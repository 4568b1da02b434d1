package io.twinport.vf;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which netdevs a {@link NetdevWatcher} turns into ports. Only Ethernet netdevs other than loopback are ever
 * candidates; on top of that, a name pattern (matched against the whole current name) and "SR-IOV VFs only".
 * A netdev that did not match may match after a rename; it is then registered.
 *
 * @param namePattern the names to take, or null for any name
 * @param vfsOnly     take only netdevs whose PCI device is an SR-IOV virtual function
 * @param none        take none: the watcher only follows ports it was given ({@link NetdevWatcher#attach})
 */
public record NetdevSelection(Pattern namePattern, boolean vfsOnly, boolean none) {
    /** Every Ethernet netdev. */
    public static final NetdevSelection ALL = new NetdevSelection(null, false, false);
    /** No netdev: only attached ports are followed. */
    public static final NetdevSelection NONE = new NetdevSelection(null, false, true);
    /** SR-IOV VFs only. */
    public static final NetdevSelection VFS_ONLY = new NetdevSelection(null, true, false);

    /**
     * @param regex a regular expression the whole name must match
     * @return netdevs with matching names
     */
    public static NetdevSelection named(String regex) {
        return new NetdevSelection(Pattern.compile(Objects.requireNonNull(regex, "regex")), false, false);
    }

    /** @return the same selection, VFs only */
    public NetdevSelection andVfsOnly() {
        return new NetdevSelection(namePattern, true, none);
    }

    /**
     * @param dev      a netdev
     * @param identity what sysfs says about it
     * @return true if it should become a port
     */
    public boolean accepts(Netdev dev, NetdevIdentity identity) {
        if (none || !dev.isEthernet()) {
            return false;
        }
        if (namePattern != null && !namePattern.matcher(dev.name()).matches()) {
            return false;
        }
        return !vfsOnly || identity.virtualFunction();
    }

    @Override
    public String toString() {
        if (none) {
            return "none";
        }
        return (namePattern == null ? "all" : "name ~ /" + namePattern + "/") + (vfsOnly ? ", VFs only" : "");
    }
}

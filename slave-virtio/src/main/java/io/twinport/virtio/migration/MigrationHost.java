package io.twinport.virtio.migration;

import java.util.Objects;

/**
 * A host a VM can run on: its name, the VM's virtio-net device there, and the VF reserved for the VM there, if any.
 *
 * @param name   the host's name (in events and queries); two hosts of one sequence must differ in name
 * @param device the VM's virtio-net device on it
 * @param vf     the VF reserved for the VM on it, or null (the guest then runs on virtio only there)
 */
public record MigrationHost(String name, HostDevice device, HostVf vf) {
    /** Checks the fields. */
    public MigrationHost {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(device, "device");
        if (name.isBlank()) {
            throw new IllegalArgumentException("migration host: the name must not be blank");
        }
    }

    /**
     * @param name   the host's name
     * @param device the VM's virtio-net device on it
     * @return a host with no VF for the VM
     */
    public static MigrationHost withoutVf(String name, HostDevice device) {
        return new MigrationHost(name, device, null);
    }

    @Override
    public String toString() {
        return name + (vf == null ? " (no VF)" : " (VF " + vf.name() + ")");
    }
}

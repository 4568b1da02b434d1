package io.twinport.bench.demo;

/**
 * One host of the demo: its name, its VF for the guest and its virtio-net device for the guest.
 *
 * @param name   {@code source} or {@code target}
 * @param vf     the VF it plugs into the guest
 * @param virtio its path for the guest's standby
 */
public record Host(String name, Vf vf, VirtioPath virtio) {
}

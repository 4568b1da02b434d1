package io.twinport.virtio.migration;

import io.twinport.port.RemovalReason;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Fake host operations with fault knobs (DPDK's virtual_pmd in spirit): a VF and a device that log every call to a
 * shared list, so tests can check the order of host operations across hosts.
 */
final class FakeHost {
    private FakeHost() {
    }

    /** A VF: plugged or not, released or not; the guest's answer to its last unplug request is kept for the test. */
    static final class Vf implements HostVf {
        final String name;
        final List<String> log;
        boolean plugged;
        boolean released;
        int plugs;
        int unplugRequests;
        int cancels;
        PrimaryReleased answer;
        RuntimeException failPlug;
        RuntimeException failRequest;
        RuntimeException failUnplug;
        final List<RemovalReason> unplugs = new ArrayList<>();

        Vf(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void plug() {
            log.add(name + ".plug");
            if (failPlug != null) {
                throw failPlug;
            }
            if (released) {
                throw new IllegalStateException(name + " was released: its resources are gone");
            }
            if (plugged) {
                throw new IllegalStateException(name + " is plugged already");
            }
            plugged = true;
            plugs++;
        }

        @Override
        public void requestUnplug(PrimaryReleased released) {
            log.add(name + ".requestUnplug");
            if (failRequest != null) {
                throw failRequest;
            }
            unplugRequests++;
            answer = released;
        }

        @Override
        public void cancelUnplugRequest() {
            log.add(name + ".cancelUnplugRequest");
            cancels++;
        }

        @Override
        public void unplug(RemovalReason reason) {
            log.add(name + ".unplug(" + reason + ")");
            if (failUnplug != null) {
                throw failUnplug;
            }
            if (!plugged) {
                throw new IllegalStateException(name + " is not plugged");
            }
            plugged = false;
            unplugs.add(reason);
        }

        @Override
        public void release() {
            log.add(name + ".release");
            if (plugged) {
                throw new IllegalStateException(name + " is still plugged");
            }
            released = true;
        }

        /** The guest answers the last unplug request. */
        void guestReleases() {
            answer.onPrimaryReleased();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A virtio device: the transfer's result is up to the test (done at once by default). */
    static final class Device implements HostDevice {
        final String name;
        final List<String> log;
        int announces;
        CompletableFuture<Void> nextTransfer = CompletableFuture.completedFuture(null);
        RuntimeException failMigrateTo;
        CompletableFuture<Void> lastTransfer;

        Device(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public CompletableFuture<Void> migrateTo(HostDevice target) {
            log.add(name + ".migrateTo(" + ((Device) target).name + ")");
            if (failMigrateTo != null) {
                throw failMigrateTo;
            }
            lastTransfer = nextTransfer;
            return nextTransfer;
        }

        @Override
        public void requestAnnounce() {
            log.add(name + ".requestAnnounce");
            announces++;
        }
    }
}

package io.twinport.vf;

import io.twinport.port.VirtioNetFeature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Identity from sysfs, on trees laid out like the kernel's (no root needed). */
class SysfsTest {
    @TempDir
    Path root;

    private Path device(String path) throws IOException {
        Path d = root.resolve("devices").resolve(path);
        Files.createDirectories(d);
        return d;
    }

    private void netdev(String ifname, Path device) throws IOException {
        Path net = root.resolve("class/net").resolve(ifname);
        Files.createDirectories(net);
        Files.createSymbolicLink(net.resolve("device"), device);
    }

    private void driver(Path device, String name) throws IOException {
        Path drv = root.resolve("bus/pci/drivers").resolve(name);
        Files.createDirectories(drv);
        Files.createSymbolicLink(device.resolve("driver"), drv);
    }

    @Test
    void aVfHasItsPciAddressPhysfnAndDriver() throws IOException {
        Path pf = device("pci0000:00/0000:03:00.0");
        Path vf = device("pci0000:00/0000:03:10.1");
        Files.createSymbolicLink(vf.resolve("physfn"), pf);
        driver(vf, "ixgbevf");
        netdev("eth1", vf);
        NetdevIdentity id = new Sysfs(root).identity("eth1", null);
        assertEquals("0000:03:10.1", id.busAddress());
        assertTrue(id.virtualFunction());
        assertEquals("ixgbevf", id.driver());
        assertFalse(id.virtio());
    }

    @Test
    void aPhysicalFunctionIsNoVf() throws IOException {
        Path pf = device("pci0000:00/0000:03:00.0");
        driver(pf, "ixgbe");
        netdev("eth0", pf);
        NetdevIdentity id = new Sysfs(root).identity("eth0", null);
        assertEquals("0000:03:00.0", id.busAddress());
        assertFalse(id.virtualFunction());
    }

    @Test
    void aVirtioNetdevReportsItsFeatureWordWithStandby() throws IOException {
        Path virtio = device("pci0000:00/0000:00:03.0/virtio0");
        driver(virtio, "virtio_net");
        char[] bits = new char[64];
        java.util.Arrays.fill(bits, '0');
        bits[VirtioNetFeature.MAC.bit()] = '1';
        bits[VirtioNetFeature.STATUS.bit()] = '1';
        bits[VirtioNetFeature.VERSION_1.bit()] = '1';
        bits[VirtioNetFeature.STANDBY.bit()] = '1';
        Files.writeString(virtio.resolve("features"), new String(bits) + "\n");
        netdev("ens3", virtio);
        NetdevIdentity id = new Sysfs(root).identity("ens3", null);
        assertTrue(id.virtio());
        assertEquals("0000:00:03.0", id.busAddress(), "the PCI device the virtio device sits on");
        assertEquals("virtio_net", id.driver());
        assertTrue(VirtioNetFeature.STANDBY.in(id.virtioFeatures()), "STANDBY (bit 62) recognised");
        assertTrue(VirtioNetFeature.MAC.in(id.virtioFeatures()));
        assertFalse(VirtioNetFeature.MQ.in(id.virtioFeatures()));
        assertFalse(id.virtualFunction());
    }

    @Test
    void aVirtualNetdevHasNoDeviceAndItsKindIsTheDriver() {
        NetdevIdentity id = new Sysfs(root).identity("veth0", "veth");
        assertNull(id.busAddress());
        assertEquals("veth", id.driver());
        assertFalse(id.virtio());
        assertFalse(id.virtualFunction());
    }

    @Test
    void featureStringsAreBitZeroFirst() {
        assertEquals(0b101L, Sysfs.parseFeatures("101"));
        assertEquals(1L << 62, Sysfs.parseFeatures("0".repeat(62) + "1" + "0"));
        assertEquals(1L << 63, Sysfs.parseFeatures("0".repeat(63) + "1" + "1")); // bits past 63 ignored
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sysfs.parseFeatures("10x"));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void theRealSysfsDescribesLoopbackAsAVirtualNetdev() {
        // every Linux machine has lo, without a device link
        NetdevIdentity id = Sysfs.SYSTEM.identity("lo", null);
        assertNull(id.busAddress());
        assertFalse(id.virtualFunction());
    }
}

package io.twinport.virtio;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventType;
import io.twinport.port.RemovalReason;
import io.twinport.registry.PortDiscovery;
import io.twinport.registry.PortRegistry;
import io.twinport.virtio.sys.UnixSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.twinport.virtio.VirtioNetFeatureBits.VHOST_USER_F_PROTOCOL_FEATURES;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_F_VERSION_1;
import static io.twinport.virtio.VirtioNetFeatureBits.VIRTIO_NET_F_MRG_RXBUF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vhost-dir discovery against {@link FakeBackend}s listening in a temporary directory, with a fake clock that
 * paces its scans and retries: sockets there at start and later ones become ports; stale sockets and other files
 * do not, and a stale one is tried again after the retry delay; a port whose back-end goes is closed and a new one
 * opens when a back-end serves the path again; closing removes and closes every port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VhostDirDiscoveryTest {
    private static final long FEATURES = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF | VHOST_USER_F_PROTOCOL_FEATURES;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final List<PortEvent> events = new CopyOnWriteArrayList<>();
    private Path dir;
    private PacketPool pool;
    private PortRegistry registry;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "twinport-vhost-dir-");
        pool = PacketPool.create("vhost-dir-test", 4096);
        registry = new PortRegistry();
        registry.addListener(events::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeAfter.reversed()) {
            c.close();
        }
        int inUse = pool.inUse();
        pool.close();
        try (Stream<Path> left = Files.walk(dir)) {
            for (Path p : left.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(0, inUse, "buffers leaked");
    }

    private FakeBackend backend(String file, byte[] mac) {
        FakeBackend b = FakeBackend.listening(dir.resolve(file).toString(), FEATURES, FakeBackend.DPDK_PROTOCOL, 1,
                mac);
        closeAfter.add(b);
        return b;
    }

    private VhostDirDiscovery.Session start() {
        VhostDirDiscovery.Session s = new VhostDirDiscovery(now::get)
                .start(registry, pool, Map.of(PortDiscovery.VHOST_DIR, dir.toString()));
        closeAfter.add(s);
        return s;
    }

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private List<String> newPorts() {
        registry.doWork();
        return events.stream().filter(e -> e.type() == PortEventType.NEW).map(e -> e.port().name()).toList();
    }

    @Test
    void socketsThereAtStartAndLaterOnesBecomePorts() throws Exception {
        backend("a.sock", null);
        Files.writeString(dir.resolve("not-a-socket"), "x");
        Files.createDirectory(dir.resolve("sub.sock"));
        VhostDirDiscovery.Session s = start();
        assertEquals(List.of(dir.resolve("a.sock")), List.copyOf(s.ports().keySet()));
        assertEquals(List.of("virtio-0"), newPorts());
        assertEquals("sockets in " + dir, s.describe());

        backend("b.sock", null);
        assertEquals(0, s.doWork(), "the next scan waits for its period");
        advance(VhostDirDiscovery.SCAN_MILLIS);
        assertEquals(1, s.doWork());
        assertEquals(List.of("virtio-0", "virtio-1"), newPorts());
        assertEquals(0, s.doWork(), "nothing new");
    }

    @Test
    void aStaleSocketIsLoggedAndTriedAgainAfterTheRetryDelay() {
        String stale = dir.resolve("stale.sock").toString();
        UnixSocket.listen(stale, 1).close(); // the file stays, nobody listens: connect is refused
        VhostDirDiscovery.Session s = start();
        assertTrue(s.ports().isEmpty());
        advance(VhostDirDiscovery.SCAN_MILLIS);
        assertEquals(0, s.doWork(), "not again before the retry delay");

        UnixSocket.unlink(stale);
        backend("stale.sock", null);
        advance(VhostDirDiscovery.SCAN_MILLIS);
        assertEquals(0, s.doWork(), "still within the retry delay");
        advance(VhostDirDiscovery.RETRY_MILLIS);
        assertEquals(1, s.doWork());
        assertEquals(List.of("virtio-0"), newPorts());
    }

    @Test
    void aPortWhoseBackendGoesIsClosedAndAnotherOpensWhenTheBackendComesBack() {
        FakeBackend first = backend("vm.sock", null);
        VhostDirDiscovery.Session s = start();
        VirtioNetPort p = s.ports().get(dir.resolve("vm.sock"));
        first.close();
        closeAfter.remove(first);
        FakeBackend.waitFor(() -> p.state().isGone(), "the port notices its back-end went");
        advance(VhostDirDiscovery.SCAN_MILLIS);
        s.doWork();
        assertTrue(s.ports().isEmpty(), "the gone port is closed and forgotten");
        registry.doWork();
        assertTrue(events.stream().anyMatch(e -> e.type() == PortEventType.REMOVED && e.port() == p
                && e.reason() == RemovalReason.SURPRISE));

        backend("vm.sock", null);
        advance(VhostDirDiscovery.SCAN_MILLIS);
        assertEquals(1, s.doWork());
        assertEquals(List.of("virtio-0", "virtio-0"), newPorts(), "the same name again: the old port is gone");
    }

    @Test
    void aSocketWithAPortFromASpecIsLeftOut() {
        backend("spec.sock", null);
        VirtioNetPort bySpec = VirtioNetPort.open("by-spec", new VirtioUserOptions(dir.resolve("spec.sock")
                        .toString(), 1, false, false, null, 256, true, 1000, 1000), pool, registry);
        closeAfter.add(bySpec::close);
        VhostDirDiscovery.Session s = start();
        assertTrue(s.ports().isEmpty());
    }

    @Test
    void closingRemovesAndClosesEveryPort() {
        backend("a.sock", null);
        backend("b.sock", null);
        VhostDirDiscovery.Session s = start();
        List<VirtioNetPort> ports = List.copyOf(s.ports().values());
        assertEquals(2, ports.size());
        s.close();
        for (Port p : ports) {
            assertTrue(p.state().isGone(), p.name() + " closed");
            assertTrue(registry.find(p.name()).isEmpty(), p.name() + " left the registry");
        }
    }

    @Test
    void withoutADirectoryItDoesNothing() {
        VhostDirDiscovery.Session s = new VhostDirDiscovery(now::get)
                .start(registry, pool, Map.of());
        closeAfter.add(s);
        assertEquals(0, s.doWork());
        assertTrue(s.describe().contains("TWINPORT_VHOST_DIR"), s.describe());
    }

    @Test
    void aDirectoryThatIsNotOneIsRefusedNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        VhostDirDiscovery d = new VhostDirDiscovery();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.validate(Map.of(PortDiscovery.VHOST_DIR, file.toString())));
        assertEquals("vhost-dir discovery: vhost-dir '" + file + "' is not a directory", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> d.validate(Map.of(PortDiscovery.VHOST_DIR, dir.resolve("none").toString())));
        assertTrue(e.getMessage().endsWith("(it does not exist)"), e.getMessage());
    }

    @Test
    void itIsInstalledForServiceLoader() {
        assertTrue(ServiceLoader.load(PortDiscovery.class).stream()
                .anyMatch(p -> p.type() == VhostDirDiscovery.class));
    }
}

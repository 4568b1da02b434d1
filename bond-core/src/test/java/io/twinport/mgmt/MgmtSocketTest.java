package io.twinport.mgmt;

import io.twinport.registry.PortRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket file: default path, refusals before binding, stale sockets, what a client checks. */
@Timeout(20)
class MgmtSocketTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void theDefaultPathIsInXdgRuntimeDirElseTmpWithTheUid() throws IOException {
        assertEquals(dir.resolve("twinport.sock"), MgmtSocket.defaultPath(Map.of("XDG_RUNTIME_DIR",
                dir.toString()), 1000));
        assertEquals(Path.of("/tmp/twinport-1000.sock"), MgmtSocket.defaultPath(Map.of(), 1000));
        assertEquals(Path.of("/tmp/twinport-0.sock"), MgmtSocket.defaultPath(Map.of("XDG_RUNTIME_DIR", ""), 0));
        assertEquals(Path.of("/tmp/twinport-7.sock"), MgmtSocket.defaultPath(Map.of("XDG_RUNTIME_DIR",
                dir.resolve("missing").toString()), 7), "a runtime dir that does not exist is not used");
        assertEquals(Path.of("/tmp/twinport-7.sock"), MgmtSocket.defaultPath(Map.of("XDG_RUNTIME_DIR",
                "relative/dir"), 7));
        Path file = Files.createFile(dir.resolve("f"));
        assertEquals(Path.of("/tmp/twinport-7.sock"), MgmtSocket.defaultPath(Map.of("XDG_RUNTIME_DIR",
                file.toString()), 7));
        assertEquals(MgmtSocket.defaultPath(System.getenv(), MgmtSocket.currentUid()), MgmtSocket.defaultPath());
    }

    @Test
    void refusesAPathThatIsNotASocketAndLeavesItAlone() throws IOException {
        Path file = Files.writeString(dir.resolve("mgmt.sock"), "precious");
        try (PortRegistry registry = new PortRegistry()) {
            IOException e = assertThrows(IOException.class, () -> MgmtServer.start(MgmtOptions.of(file), registry));
            assertEquals("management socket " + file + " exists and is a regular file, not a socket; refusing to"
                    + " replace it (remove it or choose another path)", e.getMessage());
            assertEquals("precious", Files.readString(file));

            Path d = Files.createDirectory(dir.resolve("d.sock"));
            e = assertThrows(IOException.class, () -> MgmtServer.start(MgmtOptions.of(d), registry));
            assertTrue(e.getMessage().contains("exists and is a directory, not a socket"), e.getMessage());

            Path link = Files.createSymbolicLink(dir.resolve("l.sock"), dir.resolve("elsewhere.sock"));
            e = assertThrows(IOException.class, () -> MgmtServer.start(MgmtOptions.of(link), registry));
            assertTrue(e.getMessage().contains("exists and is a symbolic link, not a socket"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("elsewhere.sock")));

            Path noDir = dir.resolve("no/such/dir/mgmt.sock");
            e = assertThrows(IOException.class, () -> MgmtServer.start(MgmtOptions.of(noDir), registry));
            assertEquals("management socket " + noDir + ": directory " + noDir.getParent() + " does not exist",
                    e.getMessage());

            Path tooLong = dir.resolve("x".repeat(120) + ".sock");
            e = assertThrows(IOException.class, () -> MgmtServer.start(MgmtOptions.of(tooLong), registry));
            assertTrue(e.getMessage().contains("a Unix socket path holds at most 107"), e.getMessage());
        }
        try (var entries = Files.list(dir)) {
            assertEquals(List.of("d.sock", "l.sock", "mgmt.sock"), entries.map(p -> p.getFileName().toString())
                    .sorted().toList(), "nothing created, nothing removed");
        }
    }

    /** A socket whose server died (the file stays): a client is told nobody listens, a new server replaces it. */
    @Test
    void aStaleSocketIsReplaced() throws IOException {
        Path path = dir.resolve("stale.sock");
        makeStaleSocket(path);
        assertEquals("socket", MgmtSocket.fileType(path));
        IOException e = assertThrows(IOException.class, () -> MgmtClient.connect(path, WAIT));
        assertTrue(e.getMessage().startsWith("nothing listens on " + path + " ("), e.getMessage());
        try (PortRegistry registry = new PortRegistry()) {
            registry.startControlThread("stale-test-control");
            try (MgmtServer server = MgmtServer.start(MgmtOptions.of(path), registry);
                 MgmtClient client = MgmtClient.connect(path, WAIT)) {
                assertEquals(List.of(), client.query("query-ports", null, WAIT));
                assertEquals(List.of(), client.query("query-failover", null, WAIT), "no manager: no failover ports");
                assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(path));
                assertEquals(1, server.clients());
            }
        }
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aClientRefusesASocketOfAnotherUser() throws IOException {
        Assumptions.assumeTrue(MgmtSocket.currentUid() == 0, "skipped: needs root to give a socket to another user");
        Path path = dir.resolve("theirs.sock");
        makeStaleSocket(path);
        Files.setAttribute(path, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        IOException e = assertThrows(IOException.class, () -> MgmtClient.connect(path, WAIT));
        assertEquals(path + " belongs to user 65534, not to this user (0); refusing to talk to it", e.getMessage());
        Path file = Files.createFile(dir.resolve("plain"));
        e = assertThrows(IOException.class, () -> MgmtClient.connect(file, WAIT));
        assertEquals(file + " is a regular file, not a socket", e.getMessage());
    }

    /**
     * Another user really cannot connect: the socket's mode 0600 refuses the connect, and with the mode opened up
     * (0666, by hand) the server's SO_PEERCRED check still disconnects that user before any greeting.
     */
    @Test
    void anotherUserCannotConnect() throws Exception {
        Assumptions.assumeTrue(MgmtSocket.currentUid() == 0, "skipped: needs root to run a client as another user");
        Path setpriv = Path.of("/usr/bin/setpriv");
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(setpriv) && Files.isExecutable(python),
                "skipped: needs /usr/bin/setpriv and /usr/bin/python3 to run a client as another user");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // others may traverse
        Path path = dir.resolve("mine.sock");
        try (PortRegistry registry = new PortRegistry()) {
            registry.startControlThread("peer-test-control");
            try (MgmtServer server = MgmtServer.start(MgmtOptions.of(path), registry);
                 MgmtClient mine = MgmtClient.connect(path, WAIT)) {
                assertEquals("connect: 13", asNobody(setpriv, python, path), "mode 0600: EACCES for user 65534");
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
                assertEquals("EOF", asNobody(setpriv, python, path), "SO_PEERCRED: closed without a greeting");
                assertEquals(List.of(), mine.query("query-ports", null, WAIT), "the owner is still served");
                assertEquals(1, server.clients());
            }
        }
    }

    /** Connects as user 65534 and says what happened: {@code connect: ERRNO}, {@code EOF} or {@code DATA ...}. */
    private static String asNobody(Path setpriv, Path python, Path socket) throws Exception {
        String script = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\n"
                + "try:\n s.connect(sys.argv[1])\n"
                + "except OSError as e:\n print('connect:', e.errno); sys.exit(0)\n"
                + "s.settimeout(5)\n"
                + "try:\n d=s.recv(4096)\n"
                + "except OSError as e:\n print('recv:', e.errno); sys.exit(0)\n"
                + "print('EOF' if not d else 'DATA ' + d.decode().strip())\n";
        Process p = new ProcessBuilder(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups",
                python.toString(), "-c", script, socket.toString()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("the client running as user 65534 did not finish in 10 s");
            }
            return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void optionsAreChecked() {
        Path p = dir.resolve("x.sock");
        assertThrows(IllegalArgumentException.class, () -> MgmtOptions.of(p).withMaxLineBytes(10));
        assertThrows(IllegalArgumentException.class, () -> MgmtOptions.of(p).withMaxOutboundBytes(100));
        assertThrows(IllegalArgumentException.class, () -> MgmtOptions.of(p).withMaxClients(0));
        assertEquals(65536, MgmtOptions.of(p).maxLineBytes());
    }

    /** Binds a socket with the JDK and closes it: the JDK leaves the file behind, as a crashed server would. */
    static void makeStaleSocket(Path path) throws IOException {
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(path));
        }
    }
}

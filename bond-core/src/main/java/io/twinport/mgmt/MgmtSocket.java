package io.twinport.mgmt;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the management socket lives, and the checks made on its file by the server (before binding) and by a client
 * (before connecting).
 *
 * <p>The default path, used by the server and by {@code ./twinport status} alike: {@code $XDG_RUNTIME_DIR/twinport.sock}
 * when {@code XDG_RUNTIME_DIR} names an existing directory (a per-user directory of mode 0700 on systemd
 * machines), else {@code /tmp/twinport-UID.sock} with the user's numeric id.
 */
public final class MgmtSocket {
    /** The file name in {@code $XDG_RUNTIME_DIR}. */
    public static final String FILE_NAME = "twinport.sock";
    /** The longest path a Unix socket address holds, in bytes ({@code sizeof(sun_path) - 1} on Linux). */
    public static final int MAX_PATH_BYTES = 107;
    /** The file-type bits of {@code st_mode}, and their value for a socket (S_IFMT, S_IFSOCK in stat(2)). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private MgmtSocket() {
    }

    /** @return the default socket path of the user running this JVM, from the environment (see the class comment) */
    public static Path defaultPath() {
        return defaultPath(System.getenv(), currentUid());
    }

    /**
     * @param env the environment
     * @param uid the user's numeric id
     * @return {@code $XDG_RUNTIME_DIR/twinport.sock} if that variable names an existing absolute directory, else
     *         {@code /tmp/twinport-UID.sock}
     */
    public static Path defaultPath(Map<String, String> env, long uid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            Path dir = Path.of(xdg);
            if (dir.isAbsolute() && Files.isDirectory(dir)) {
                return dir.resolve(FILE_NAME);
            }
        }
        return Path.of("/tmp", "twinport-" + uid + ".sock");
    }

    /** @return the effective user id of this process (the owner of {@code /proc/self}) */
    public static long currentUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot tell this process's user id from /proc/self: " + e, e);
        }
    }

    /**
     * @param path a path
     * @throws IOException naming the path and the limit if it is too long for a Unix socket address
     */
    static void checkLength(Path path) throws IOException {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new IOException("management socket path " + path + " is " + bytes
                    + " bytes long; a Unix socket path holds at most " + MAX_PATH_BYTES);
        }
    }

    /**
     * @param path a path
     * @return the file's type as {@code ls -l} would name it, without following a symbolic link; null if nothing is
     *         there
     * @throws IOException if the file's attributes cannot be read
     */
    static String fileType(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return switch (mode & S_IFMT) {
            case S_IFSOCK -> "socket";
            case 0100000 -> "regular file";
            case 0040000 -> "directory";
            case 0120000 -> "symbolic link";
            case 0010000 -> "FIFO";
            case 0020000 -> "character device";
            case 0060000 -> "block device";
            default -> "file of mode " + Integer.toOctalString(mode);
        };
    }

    /**
     * @param path a socket file
     * @return true if a server accepts connections on it
     */
    static boolean listening(Path path) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What a client checks before connecting: the path is a socket (not a symbolic link to one) owned by this user,
     * so that a socket another user planted at a shared path (under {@code /tmp}) is never talked to.
     *
     * @param path the socket path
     * @throws IOException one line naming the path and what is wrong: nothing there, not a socket, someone else's
     */
    public static void checkForClient(Path path) throws IOException {
        String type = fileType(path);
        if (type == null) {
            throw new IOException("nothing listens on " + path + " (no such file)");
        }
        if (!"socket".equals(type)) {
            throw new IOException(path + " is a " + type + ", not a socket");
        }
        long owner = ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        long me = currentUid();
        if (owner != me) {
            throw new IOException(path + " belongs to user " + owner + ", not to this user (" + me
                    + "); refusing to talk to it");
        }
    }
}

package io.twinport.mgmt;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;

/**
 * A small blocking client of the management socket over {@link SocketChannel} and {@link UnixDomainSocketAddress}
 * (no Netty): every wait is bounded by a timeout. Used by {@code ./twinport status}; handy in tests and scripts.
 * Not thread-safe.
 */
public final class MgmtClient implements AutoCloseable {
    /** The longest line accepted from a server, so a broken one cannot exhaust memory. */
    public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private final Path path;
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final Queue<String> lines = new ArrayDeque<>();
    private final Queue<Map<String, Object>> replies = new ArrayDeque<>();
    private final Queue<Map<String, Object>> events = new ArrayDeque<>();
    private Map<String, Object> greeting;
    private boolean eof;
    private long nextId;

    private MgmtClient(Path path, SocketChannel channel, Selector selector) {
        this.path = path;
        this.channel = channel;
        this.selector = selector;
    }

    /**
     * Connects and reads the greeting.
     *
     * @param path    the socket path
     * @param timeout how long to wait for the greeting
     * @return the client
     * @throws IOException one line naming the path: nothing there, not a socket, another user's socket, nothing
     *                     listening (connection refused), no greeting in time
     */
    public static MgmtClient connect(Path path, Duration timeout) throws IOException {
        MgmtSocket.checkForClient(path);
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector sel = null;
        try {
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                throw new IOException("nothing listens on " + path + " (" + e.getMessage() + ")", e);
            }
            ch.configureBlocking(false);
            sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            MgmtClient c = new MgmtClient(path, ch, sel);
            Map<String, Object> first = c.readObject(timeout);
            if (first.get("twinport") instanceof Map<?, ?> g) {
                c.greeting = cast(g);
                return c;
            }
            if (first.get("error") instanceof Map<?, ?> e) {
                throw new IOException("the server on " + path + " refused the connection: " + e.get("desc"));
            }
            throw new IOException("the server on " + path + " is not a twinport management socket: it said "
                    + Json.write(first));
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (sel != null) {
                sel.close();
            }
            throw e;
        }
    }

    /** @return the path connected to */
    public Path path() {
        return path;
    }

    /** @return the server's greeting (the object under {@code "twinport"}: version, commands) */
    public Map<String, Object> greeting() {
        return greeting;
    }

    /**
     * Runs a command and waits for its reply; events that arrive meanwhile are kept for {@link #nextEvent}.
     *
     * @param command   the command name
     * @param arguments its arguments, or null
     * @param timeout   how long to wait for the reply
     * @return the reply object: {@code {"return":...,"id":...}} or {@code {"error":{...},"id":...}}
     * @throws IOException if the connection fails or closes, or no reply comes in time
     */
    public Map<String, Object> execute(String command, Map<String, Object> arguments, Duration timeout)
            throws IOException {
        long id = ++nextId;
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("execute", command);
        if (arguments != null) {
            req.put("arguments", arguments);
        }
        req.put("id", id);
        send(Json.write(req));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Object> reply = nextReply(remaining(deadline));
            if (reply.get("id") instanceof Long got && got == id) {
                return reply;
            }
            // a reply to a raw line sent earlier with send(): not ours
        }
    }

    /**
     * Like {@link #execute}, but returns the {@code "return"} value and turns an error reply into an exception.
     *
     * @param command   the command name
     * @param arguments its arguments, or null
     * @param timeout   how long to wait
     * @return the {@code "return"} value
     * @throws IOException if the server answered with an error (its class and desc in the message), or the
     *                     connection failed
     */
    public Object query(String command, Map<String, Object> arguments, Duration timeout) throws IOException {
        Map<String, Object> reply = execute(command, arguments, timeout);
        if (reply.get("error") instanceof Map<?, ?> e) {
            throw new IOException(command + ": " + e.get("class") + ": " + e.get("desc"));
        }
        return reply.get("return");
    }

    /**
     * Sends one raw line (a newline is added).
     *
     * @param line the text
     * @throws IOException if the connection fails
     */
    public void send(String line) throws IOException {
        sendBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends raw bytes, as they are.
     *
     * @param bytes the bytes
     * @throws IOException if the connection fails
     */
    public void sendBytes(byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new SocketTimeoutException(path + ": the server does not read");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
    }

    /**
     * @param timeout how long to wait
     * @return the next object that is not an event (a reply, or an error); events are kept for {@link #nextEvent}
     * @throws IOException if the connection fails or closes, or nothing comes in time
     */
    public Map<String, Object> nextReply(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (replies.isEmpty()) {
            Map<String, Object> m = readObject(remaining(deadline));
            (m.containsKey("event") ? events : replies).add(m);
        }
        return replies.poll();
    }

    /**
     * @param timeout how long to wait
     * @return the next event ({@code {"event":...,"data":{...},"timestamp":{...}}}), received earlier or now;
     *         replies that arrive meanwhile are kept for {@link #nextReply}
     * @throws IOException if the connection fails or closes, or no event comes in time
     */
    public Map<String, Object> nextEvent(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (events.isEmpty()) {
            Map<String, Object> m = readObject(remaining(deadline));
            (m.containsKey("event") ? events : replies).add(m);
        }
        return events.poll();
    }

    /**
     * @param timeout how long to wait
     * @return the next line as received (not one already taken as a reply or an event), or null at end of stream
     *         (the server closed the connection)
     * @throws IOException if the connection fails, or nothing comes in time
     */
    public String readLine(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (lines.isEmpty() && !eof) {
                fill();
            }
            if (!lines.isEmpty()) {
                return lines.poll();
            }
            if (eof) {
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException(path + ": no answer within " + timeout.toMillis() + " ms");
            }
            selector.select(Math.max(1, left / 1_000_000L));
            selector.selectedKeys().clear();
        }
    }

    private Map<String, Object> readObject(Duration timeout) throws IOException {
        String line = readLine(timeout);
        if (line == null) {
            throw new EOFException("the server on " + path + " closed the connection");
        }
        Object v;
        try {
            v = Json.parse(line);
        } catch (JsonException e) {
            throw new IOException("the server on " + path + " sent a line that is not JSON (" + e.getMessage()
                    + "): " + line);
        }
        if (v instanceof Map<?, ?> m) {
            return cast(m);
        }
        throw new IOException("the server on " + path + " sent " + line + ", not an object");
    }

    private void fill() throws IOException {
        while (true) {
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                eof = true;
                return;
            }
            if (n == 0) {
                return;
            }
            byte[] a = in.array();
            for (int i = 0; i < n; i++) {
                if (a[i] == '\n') {
                    lines.add(partial.toString(StandardCharsets.UTF_8));
                    partial.reset();
                } else {
                    partial.write(a[i]);
                    if (partial.size() > MAX_LINE_BYTES) {
                        throw new IOException("the server on " + path + " sent a line longer than "
                                + MAX_LINE_BYTES + " bytes");
                    }
                }
            }
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}

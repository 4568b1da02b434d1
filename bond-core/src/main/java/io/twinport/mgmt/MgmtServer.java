package io.twinport.mgmt;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.twinport.failover.FailoverEvent;
import io.twinport.failover.FailoverManager;
import io.twinport.registry.PortRegistry;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The management socket: JSON lines, QMP-like, on a Unix domain socket served with Netty's epoll transport.
 *
 * <pre>
 *  client ──line──► [epoll I/O thread] LineBasedFrameDecoder (max line) ─► MgmtConnection: parse, check
 *                                                                              │ registry.execute(...)
 *                                                                              ▼
 *                   [control thread]  MgmtCommands: read ports / failover ports, setOverride
 *                                                                              │ reply text
 *  client ◄─line── [epoll I/O thread] write; next line of this client  ◄──────┘
 *
 *  FailoverManager ──event (control thread)──► one line, written to every client (async; never waits)
 *  other components ──publishEvent(name, data)──┘   (the host-side migration sequence, ...)
 * </pre>
 *
 * <p>On connecting a client gets a greeting, {@code {"twinport":{"version":...,"commands":[...]}}}. Then each line
 * it sends is one command, {@code {"execute":"query-ports","arguments":{...},"id":...}}, answered by one line,
 * {@code {"return":...}} or {@code {"error":{"class":...,"desc":...}}}, with the {@code "id"} echoed. A client's
 * commands are answered in order, one at a time; failover events are written to every client as they happen,
 * {@code {"event":"SWITCHED","data":{...},"timestamp":{"seconds":...,"microseconds":...}}}, between replies.
 *
 * <p>Every read or write of ports runs on the control thread ({@link PortRegistry#execute}), never on the I/O
 * thread and never on a data path; the application must be running the registry's duty cycle (a control thread, or
 * its own loop calling {@link PortRegistry#doWork()}), or commands wait. Writes never block the control thread.
 *
 * <p>Security: the socket is bound inside a fresh directory of mode 0700, given mode 0600 and only then renamed to
 * its path, so nobody but the owning user (and root) can ever connect; a peer whose credentials
 * ({@code SO_PEERCRED}) show another user, root aside, is disconnected. The server refuses to start when the path is
 * something other than a socket, or a socket another server listens on; a stale socket is replaced. The socket file
 * is removed on {@link #close()}.
 */
public final class MgmtServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MgmtServer.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final MgmtOptions options;
    private final Path path;
    private final PortRegistry registry;
    private final MgmtCommands commands;
    private final long uid;
    private final EventLoopGroup group;
    private final Set<Channel> clients = ConcurrentHashMap.newKeySet();
    private final String greeting;
    private volatile Channel serverChannel;
    private volatile Object fileKey;
    private volatile boolean closed;
    private volatile AutoCloseable failoverEvents;
    private final Map<MgmtCommand, List<Supplier<?>>> contributions = new EnumMap<>(MgmtCommand.class);

    private MgmtServer(MgmtOptions options, Path path, PortRegistry registry, FailoverManager manager,
                       LongSupplier clock) {
        this.options = options;
        this.path = path;
        this.registry = registry;
        for (MgmtCommand c : MgmtCommand.values()) {
            if (c.contributed()) {
                contributions.put(c, new CopyOnWriteArrayList<>());
            }
        }
        this.commands = new MgmtCommands(registry, manager, clock, contributions);
        this.uid = MgmtSocket.currentUid();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("twinport-mgmt", true),
                EpollIoHandler.newFactory());
        Map<String, Object> hello = new LinkedHashMap<>();
        hello.put("version", MgmtServer.class.getPackage().getImplementationVersion());
        hello.put("commands", MgmtCommand.wireNames());
        this.greeting = Json.write(Map.of("twinport", hello));
    }

    /**
     * Starts a server that answers queries about the registry's ports only; {@code query-failover} returns an empty
     * list and {@code set-active} finds no failover port.
     *
     * @param options  the socket path and limits
     * @param registry the ports
     * @return the running server
     * @throws IOException naming the path: the path is not a socket, another server listens there, the directory
     *                     does not exist, the path is too long, epoll is unavailable, bind failed
     */
    public static MgmtServer start(MgmtOptions options, PortRegistry registry) throws IOException {
        return start(options, registry, null, System::nanoTime);
    }

    /**
     * Starts a server over the registry and a failover manager, whose events it sends to every client.
     *
     * @param options  the socket path and limits
     * @param registry the ports (the registry the manager watches)
     * @param manager  the failover manager, or null
     * @param clock    the manager's clock ({@code System::nanoTime} in production): override expiry is on it
     * @return the running server
     * @throws IOException naming the path: the path is not a socket, another server listens there, the directory
     *                     does not exist, the path is too long, epoll is unavailable, bind failed
     */
    public static MgmtServer start(MgmtOptions options, PortRegistry registry, FailoverManager manager,
                                   LongSupplier clock) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(clock, "clock");
        if (!Epoll.isAvailable()) {
            throw new IOException("management socket " + options.socket() + ": Netty's native epoll transport is"
                    + " not available: " + Epoll.unavailabilityCause());
        }
        Path path = options.socket().toAbsolutePath().normalize();
        prepare(path);
        MgmtServer server = new MgmtServer(options, path, registry, manager, clock);
        try {
            server.bind();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        if (manager != null) {
            server.failoverEvents = manager.addListener(server::onFailoverEvent);
        }
        LOG.log(Level.DEBUG, "management socket listening on " + path);
        return server;
    }

    /** Checks the path before binding: too long, no directory, not a socket, a live server. A stale socket goes. */
    private static void prepare(Path path) throws IOException {
        MgmtSocket.checkLength(path);
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("management socket " + path + ": directory " + dir + " does not exist");
        }
        String type = MgmtSocket.fileType(path);
        if (type == null) {
            return;
        }
        if (!type.equals("socket")) {
            throw new IOException("management socket " + path + " exists and is a " + type + ", not a socket;"
                    + " refusing to replace it (remove it or choose another path)");
        }
        if (MgmtSocket.listening(path)) {
            throw new IOException("management socket " + path + ": another server is listening on it");
        }
        Files.delete(path); // a stale socket left by a process that died
    }

    /**
     * Binds in a private directory, sets mode 0600, then renames the socket into place: no other user can connect at
     * any moment, and the socket appears at its path only once it is ready.
     */
    private void bind() throws IOException {
        Path dir = path.getParent();
        Path privateDir = null;
        for (int attempt = 0; privateDir == null; attempt++) {
            Path candidate = dir.resolve(".tp" + Long.toString(RANDOM.nextLong() >>> 28, 36));
            try {
                privateDir = Files.createDirectory(candidate, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
        Path tmp = privateDir.resolve("s");
        try {
            MgmtSocket.checkLength(tmp);
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(options.maxOutboundBytes() / 2, options.maxOutboundBytes()))
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            ch.pipeline().addLast("lines", new LineBasedFrameDecoder(options.maxLineBytes(), true,
                                    false));
                            ch.pipeline().addLast("commands", new MgmtConnection(MgmtServer.this));
                        }
                    });
            var future = b.bind(new DomainSocketAddress(tmp.toString())).awaitUninterruptibly();
            if (!future.isSuccess()) {
                throw new IOException("management socket " + path + ": bind failed: " + future.cause(),
                        future.cause());
            }
            serverChannel = future.channel();
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
            fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(privateDir);
        }
    }

    /** @return the socket's path (absolute) */
    public Path path() {
        return path;
    }

    /** @return how many clients are connected now */
    public int clients() {
        return clients.size();
    }

    // ------------------------------------------------------------------ events (control thread)

    /**
     * Sends a failover event to every client, as one line; called on the control thread by the manager.
     *
     * @param event the event
     */
    void onFailoverEvent(FailoverEvent event) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("port", event.port());
        data.putAll(event.data());
        data.put("nano_time", event.nanoTime());
        publishEvent(event.type().wireName(), data);
    }

    /**
     * Sends an event to every client, as one line in the same form as the failover events,
     * {@code {"event":NAME,"data":{...},"timestamp":{"seconds":...,"microseconds":...}}} (the time stamp is the wall
     * clock now): the seam through which components other than the failover manager (the host-side migration
     * sequence) reach management software. Never waits: a client whose unsent output is over the limit is being
     * disconnected and gets nothing more. Any thread; events published from one thread reach each client in order.
     *
     * @param event the event's name, upper case, digits and underscores, as QMP names events (e.g.
     *              {@code MIGRATION_COMPLETED})
     * @param data  its data, written in the map's order; values as {@link Json#write} takes them
     * @throws IllegalArgumentException if the name is not of that form
     */
    public void publishEvent(String event, Map<String, ?> data) {
        Objects.requireNonNull(data, "data");
        if (event == null || !event.matches("[A-Z][A-Z0-9_]*")) {
            throw new IllegalArgumentException("management socket: event name \"" + event + "\" must be upper case"
                    + " letters, digits and underscores, starting with a letter (e.g. MIGRATION_COMPLETED)");
        }
        if (closed || clients.isEmpty()) {
            return;
        }
        Instant now = Instant.now();
        Map<String, Object> timestamp = new LinkedHashMap<>();
        timestamp.put("seconds", now.getEpochSecond());
        timestamp.put("microseconds", now.getNano() / 1_000);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", event);
        line.put("data", data);
        line.put("timestamp", timestamp);
        byte[] bytes = (Json.write(line) + "\n").getBytes(StandardCharsets.UTF_8);
        for (Channel ch : clients) {
            if (ch.isActive() && ch.isWritable()) {
                ch.writeAndFlush(Unpooled.wrappedBuffer(bytes)); // async: queued to the I/O thread
            }
        }
    }

    /**
     * Adds an entry to what a contributed command ({@link MgmtCommand#contributed()}, e.g. {@code query-migration})
     * returns: the command answers with the list of every entry's current value, in the order they were added.
     * The supplier runs on the control thread, once per command; it must not block.
     *
     * @param command a contributed command
     * @param entry   gives the entry's current value (a map, usually) each time the command runs
     * @return a handle that removes the entry
     * @throws IllegalArgumentException if the command computes its answer itself
     */
    public AutoCloseable addQueryEntry(MgmtCommand command, Supplier<?> entry) {
        Objects.requireNonNull(entry, "entry");
        List<Supplier<?>> entries = contributions.get(Objects.requireNonNull(command, "command"));
        if (entries == null) {
            throw new IllegalArgumentException("management socket: " + command.wireName() + " takes no contributed"
                    + " entries; commands that do: " + String.join(", ", contributions.keySet().stream()
                    .map(MgmtCommand::wireName).toList()));
        }
        entries.add(entry);
        return () -> entries.remove(entry);
    }

    // ------------------------------------------------------------------ connections (I/O thread)

    MgmtOptions options() {
        return options;
    }

    long uid() {
        return uid;
    }

    String greeting() {
        return greeting;
    }

    boolean closed() {
        return closed;
    }

    /** @return false if the client is one too many (it is refused) */
    boolean addClient(Channel ch) {
        if (closed || clients.size() >= options.maxClients()) {
            return false;
        }
        clients.add(ch);
        ch.closeFuture().addListener(f -> clients.remove(ch));
        if (closed) {
            ch.close();
        }
        return true;
    }

    /**
     * Runs a request on the control thread and hands the reply line to {@code reply} on the channel's I/O thread.
     *
     * @param ch      the client
     * @param request the request
     * @param reply   called with the reply line on the I/O thread (not called if the channel or server closed)
     */
    void submit(Channel ch, MgmtRequest request, Consumer<String> reply) {
        registry.execute(() -> {
            if (closed || !ch.isActive()) {
                return;
            }
            String text;
            try {
                text = ok(commands.run(request), request.hasId(), request.id());
            } catch (MgmtException e) {
                text = error(e.errorClass(), e.getMessage(), request.hasId(), request.id());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "management socket: " + request.command().wireName() + " failed", e);
                text = error(MgmtErrorClass.INTERNAL_ERROR, request.command().wireName() + " failed: " + e,
                        request.hasId(), request.id());
            }
            String line = text;
            try {
                ch.eventLoop().execute(() -> reply.accept(line));
            } catch (RejectedExecutionException e) {
                // the server is shutting down: the client is being closed anyway
            }
        });
    }

    static String ok(Object value, boolean hasId, Object id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("return", value);
        if (hasId) {
            m.put("id", id);
        }
        return Json.write(m);
    }

    static String error(MgmtErrorClass errorClass, String desc, boolean hasId, Object id) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("class", errorClass.wireName());
        e.put("desc", desc);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", e);
        if (hasId) {
            m.put("id", id);
        }
        return Json.write(m);
    }

    static ByteBuf line(String text) {
        return Unpooled.wrappedBuffer((text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ close

    /**
     * Disconnects every client, stops listening, stops the I/O thread and removes the socket file (if it is still
     * the one this server created). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        AutoCloseable events = failoverEvents;
        if (events != null) {
            try {
                events.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "management socket: removing the failover listener failed", e);
            }
        }
        for (Channel ch : clients) {
            ch.close();
        }
        Channel sc = serverChannel;
        if (sc != null) {
            sc.close().awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)
                .awaitUninterruptibly(2 * CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        removeSocketFile();
    }

    private void removeSocketFile() {
        Object key = fileKey;
        if (key == null) {
            return;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (key.equals(a.fileKey())) {
                Files.delete(path);
            } else {
                LOG.log(Level.WARNING, "management socket " + path + " was replaced by another file; left in place");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.log(Level.WARNING, "management socket " + path + ": cannot remove it: " + e);
        }
    }

    @Override
    public String toString() {
        return "MgmtServer(" + path + ", " + clients.size() + " clients" + (closed ? ", closed" : "") + ")";
    }
}

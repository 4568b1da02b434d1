package io.twinport.virtio.vhost;

import io.twinport.virtio.sys.UnixSocket;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A vhost-user back-end played by a test: a thread on one end of a socket that reads each request and lets the
 * test's handler answer it however it likes (rightly or wrongly). Records every request it saw, with how many
 * descriptors came with it; received descriptors are handed to the handler and closed after it returns unless it
 * keeps them.
 */
final class ScriptedBackend implements AutoCloseable {
    /** Answers one request. */
    @FunctionalInterface
    interface Handler {
        /**
         * @param request what the front-end sent
         * @param channel where to answer
         * @return false to stop serving (the connection is then closed)
         */
        boolean handle(VhostUserMessage request, VhostUserChannel channel) throws Exception;
    }

    /** A request as seen, and the descriptors that came with it. */
    record Seen(VhostUserMessage message, int fdCount) {
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final VhostUserChannel channel;
    private final Thread thread;

    ScriptedBackend(UnixSocket socket, Handler handler) {
        this.channel = new VhostUserChannel(socket, "backend");
        this.thread = Thread.ofPlatform().daemon(true).name("scripted-backend").start(() -> {
            try {
                while (true) {
                    VhostUserMessage m;
                    try {
                        m = channel.receive(10_000, "a request");
                    } catch (VhostUserException e) {
                        return; // the front-end closed
                    }
                    seen.add(new Seen(m, m.fds().length));
                    boolean more;
                    try {
                        more = handler.handle(m, channel);
                    } finally {
                        UnixSocket.closeAll(m.fds());
                    }
                    if (!more) {
                        return;
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                channel.close();
            }
        });
    }

    /** Sends a correct reply to {@code request} with this payload. */
    static void reply(VhostUserChannel ch, VhostUserMessage request, byte[] payload) {
        ch.send(new VhostUserMessage(request.request(),
                VhostUserMessageDescriptor.VERSION | VhostUserMessageDescriptor.REPLY_MASK, payload, null));
    }

    /** @return the requests seen, in order */
    List<VhostUserRequest> requests() {
        return seen.stream().map(s -> VhostUserRequest.forId(s.message().request())).toList();
    }

    @Override
    public void close() {
        channel.socket().shutdown();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
    }
}

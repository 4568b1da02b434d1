package io.twinport.mgmt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.TooLongFrameException;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One client, on its I/O thread (every field is touched there only). Lines are queued and answered strictly in
 * order, one command at a time: a line that is not a command is answered at once with an error naming what was
 * wrong (the connection stays usable); a command goes to the control thread and the next line waits for its reply.
 * When {@value #PAUSE_AT} lines wait, reading pauses until the queue drains to half that (TCP-style back-pressure).
 * A client whose unsent output passes {@link MgmtOptions#maxOutboundBytes()} is disconnected.
 */
final class MgmtConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(MgmtConnection.class.getName());
    /** Lines waiting for their turn at which reading pauses. */
    static final int PAUSE_AT = 128;

    /** A queued line, or an error to answer in its place. */
    private sealed interface Item permits Line, Refusal {
    }

    private record Line(String text) implements Item {
    }

    private record Refusal(MgmtErrorClass errorClass, String desc) implements Item {
    }

    private final MgmtServer server;
    private final ArrayDeque<Item> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean accepted;

    MgmtConnection(MgmtServer server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        this.ctx = context;
        if (!peerIsOwner(context)) {
            context.close();
            return;
        }
        if (!server.addClient(context.channel())) {
            String why = server.closed() ? "the server is closing" : "the server has "
                    + server.options().maxClients() + " clients already (its limit)";
            context.writeAndFlush(MgmtServer.line(MgmtServer.error(MgmtErrorClass.TOO_MANY_CLIENTS, why, false,
                    null))).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        accepted = true;
        context.writeAndFlush(MgmtServer.line(server.greeting()));
    }

    /** Socket mode 0600 keeps other users out; SO_PEERCRED makes sure (root may always connect). */
    private boolean peerIsOwner(ChannelHandlerContext context) {
        try {
            PeerCredentials cred = ((EpollDomainSocketChannel) context.channel()).peerCredentials();
            if (cred.uid() == server.uid() || cred.uid() == 0) {
                return true;
            }
            LOG.log(Level.WARNING, "management socket " + server.path() + ": refused a client of user " + cred.uid()
                    + " (pid " + cred.pid() + "): only user " + server.uid() + " may connect");
            return false;
        } catch (IOException | ClassCastException e) {
            LOG.log(Level.WARNING, "management socket " + server.path() + ": cannot read the peer's credentials: "
                    + e + "; refused");
            return false;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (!accepted) {
                return;
            }
            Item item;
            try {
                String text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(buf.nioBuffer()).toString();
                if (text.isBlank()) {
                    return; // an empty line (someone pressing Enter in socat) is no command
                }
                item = new Line(text);
            } catch (CharacterCodingException e) {
                item = new Refusal(MgmtErrorClass.PARSE_ERROR, "not JSON: the line is not valid UTF-8");
            }
            pending.add(item);
            if (pending.size() >= PAUSE_AT) {
                context.channel().config().setAutoRead(false);
            }
            drain();
        } finally {
            buf.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            pending.add(new Refusal(MgmtErrorClass.LINE_TOO_LONG, "line longer than "
                    + server.options().maxLineBytes() + " bytes; it was discarded"));
            drain();
            return;
        }
        if (cause instanceof IOException) {
            LOG.log(Level.DEBUG, "management socket client gone: " + cause);
        } else {
            LOG.log(Level.WARNING, "management socket: closing a client after an error", cause);
        }
        context.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (!context.channel().isWritable()) {
            LOG.log(Level.WARNING, "management socket " + server.path() + ": a client left more than "
                    + server.options().maxOutboundBytes() + " bytes unread; disconnected");
            context.close();
        }
        context.fireChannelWritabilityChanged();
    }

    /** Answers queued lines until one needs the control thread. */
    private void drain() {
        while (!busy && !pending.isEmpty() && ctx.channel().isActive()) {
            Item item = pending.poll();
            switch (item) {
                case Refusal r -> write(MgmtServer.error(r.errorClass(), r.desc(), false, null));
                case Line l -> {
                    MgmtRequest request;
                    try {
                        request = MgmtRequest.parse(l.text());
                    } catch (MgmtRequest.Refused e) {
                        write(MgmtServer.error(e.error.errorClass(), e.error.getMessage(), e.hasId, e.id));
                        continue;
                    }
                    busy = true;
                    server.submit(ctx.channel(), request, this::onReply);
                }
            }
        }
        if (pending.size() <= PAUSE_AT / 2 && !ctx.channel().config().isAutoRead() && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void onReply(String text) {
        busy = false;
        write(text);
        drain();
    }

    private void write(String text) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(MgmtServer.line(text));
        }
    }
}

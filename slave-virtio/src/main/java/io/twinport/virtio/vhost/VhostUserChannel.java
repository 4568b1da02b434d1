package io.twinport.virtio.vhost;

import io.twinport.sys.SyscallException;
import io.twinport.virtio.sys.UnixSocket;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Messages on a vhost-user control socket: one {@code sendmsg} per message, header and payload together, with its
 * descriptors; and reading one message back, header then payload, with a bounded wait. Checks what framing can
 * check (a size above {@link VhostUserMessageDescriptor#MAX_PAYLOAD}, a connection that ends mid-message, a wait
 * that times out) and fails with a {@link VhostUserException} naming the socket, the message and the field.
 * Received descriptors belong to the caller. Control path; one thread at a time.
 */
public final class VhostUserChannel implements AutoCloseable {
    private final UnixSocket socket;
    private final String name;

    /**
     * @param socket a connected socket; the channel owns it
     * @param name   for messages, e.g. the socket path
     */
    public VhostUserChannel(UnixSocket socket, String name) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.name = Objects.requireNonNull(name, "name");
    }

    /** @return the socket */
    public UnixSocket socket() {
        return socket;
    }

    /** @return the name used in messages */
    public String name() {
        return name;
    }

    /**
     * Sends one message.
     *
     * @param m the message
     * @throws VhostUserException if the socket refuses it (the back-end went away)
     */
    public void send(VhostUserMessage m) {
        try {
            socket.send(m.encode(), m.fds());
        } catch (SyscallException e) {
            throw new VhostUserException("vhost-user " + name + ": cannot send " + m.requestName() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads one message.
     *
     * @param timeoutMillis most milliseconds to wait for the whole message
     * @param waitingFor    what the caller waits for, for messages (e.g. {@code "the reply to GET_FEATURES (1)"})
     * @return the message; its descriptors belong to the caller
     * @throws VhostUserException on timeout, end of stream, or a size above the limit
     */
    public VhostUserMessage receive(int timeoutMillis, String waitingFor) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        byte[] header = new byte[VhostUserMessageDescriptor.HEADER_SIZE];
        int[] fds = readFully(header, deadline, timeoutMillis, waitingFor, "header");
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
        int request = h.getInt(VhostUserMessageDescriptor.REQUEST);
        int flags = h.getInt(VhostUserMessageDescriptor.FLAGS);
        long size = h.getInt(VhostUserMessageDescriptor.SIZE) & 0xFFFF_FFFFL;
        if (size > VhostUserMessageDescriptor.MAX_PAYLOAD) {
            UnixSocket.closeAll(fds);
            throw new VhostUserException("vhost-user " + name + ": " + waitingFor + ": size field is " + size
                    + " (request " + VhostUserRequest.describe(request & 0xFFFF_FFFFL)
                    + "), above the limit of " + VhostUserMessageDescriptor.MAX_PAYLOAD + " bytes");
        }
        byte[] payload = new byte[(int) size];
        if (size > 0) {
            int[] more = readFully(payload, deadline, timeoutMillis, waitingFor, "payload");
            if (more.length > 0) {
                int base = fds.length;
                fds = Arrays.copyOf(fds, base + more.length);
                System.arraycopy(more, 0, fds, base, more.length);
            }
        }
        return new VhostUserMessage(request, flags, payload, fds);
    }

    private int[] readFully(byte[] dst, long deadline, int timeoutMillis, String waitingFor, String part) {
        int got = 0;
        int[] fds = new int[0];
        try {
            while (got < dst.length) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                int revents = left <= 0 ? 0 : socket.poll(UnixSocket.POLLIN, (int) Math.min(Integer.MAX_VALUE, left));
                if (revents == 0) {
                    throw new VhostUserException("vhost-user " + name + ": " + waitingFor + ": no " + part
                            + " within " + timeoutMillis + " ms (" + got + " of " + dst.length + " bytes)");
                }
                UnixSocket.Received r = socket.receive(dst, got, dst.length - got);
                if (r.fds().length > 0) {
                    int base = fds.length;
                    fds = Arrays.copyOf(fds, base + r.fds().length);
                    System.arraycopy(r.fds(), 0, fds, base, r.fds().length);
                }
                if (r.bytes() == 0) {
                    throw new VhostUserException("vhost-user " + name + ": " + waitingFor + ": the back-end closed "
                            + "the connection " + (got == 0 && part.equals("header") ? "" : "mid-message, ")
                            + "after " + got + " of " + dst.length + " " + part + " bytes");
                }
                got += r.bytes();
            }
            return fds;
        } catch (VhostUserException e) {
            UnixSocket.closeAll(fds);
            throw e;
        } catch (SyscallException e) {
            UnixSocket.closeAll(fds);
            throw new VhostUserException("vhost-user " + name + ": " + waitingFor + ": " + e.getMessage(), e);
        }
    }

    /**
     * @return true if the peer has closed its end or the socket failed (a check, no wait)
     */
    public boolean peerGone() {
        int revents = socket.poll(UnixSocket.POLLRDHUP, 0);
        return (revents & (UnixSocket.POLLRDHUP | UnixSocket.POLLHUP | UnixSocket.POLLERR | UnixSocket.POLLNVAL))
                != 0;
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        socket.close();
    }
}

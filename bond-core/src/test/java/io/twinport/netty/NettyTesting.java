package io.twinport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.testing.Frames;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/** Helpers for the channel's tests: frames in the layout of {@link Frames}, an echo handler, bounded waits. */
final class NettyTesting {
    private NettyTesting() {
    }

    /**
     * @param dst    destination MAC
     * @param src    source MAC
     * @param seq    sequence number
     * @param length frame length, at least 60
     * @return the frame's bytes, laid out as {@link Frames#fill} lays out a packet
     */
    static byte[] frame(MacAddress dst, MacAddress src, int seq, int length) {
        byte[] f = new byte[length];
        System.arraycopy(dst.toBytes(), 0, f, 0, 6);
        System.arraycopy(src.toBytes(), 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xB5;
        f[Frames.SEQ_OFFSET] = (byte) (seq >>> 24);
        f[Frames.SEQ_OFFSET + 1] = (byte) (seq >>> 16);
        f[Frames.SEQ_OFFSET + 2] = (byte) (seq >>> 8);
        f[Frames.SEQ_OFFSET + 3] = (byte) seq;
        for (int i = Frames.SEQ_OFFSET + 4; i < length; i++) {
            f[i] = (byte) (seq + i);
        }
        return f;
    }

    /** @return the sequence number of a frame in a buffer, from its reader index */
    static int seq(ByteBuf b) {
        return b.getInt(b.readerIndex() + Frames.SEQ_OFFSET);
    }

    /**
     * Sends {@code n} numbered frames on {@code from}'s TX queue; what the port does not take is freed.
     *
     * @return how many it took
     */
    static int send(PacketPool pool, Port from, int queue, MacAddress dst, int seqBase, int n, int length) {
        Packet[] pkts = new Packet[n];
        int got = pool.allocBulk(pkts, 0, n);
        for (int i = 0; i < got; i++) {
            Frames.fill(pkts[i], dst, from.mac(), seqBase + i, length);
        }
        int sent = from.txBurst(queue, pkts, 0, got);
        pool.freeBulk(pkts, sent, got - sent);
        return sent;
    }

    /** Receives what waits on {@code port}'s RX queue into {@code out} (as sequence numbers); frees the packets. */
    static int receive(Port port, int queue, List<Integer> out, MacAddress expectDst) {
        Packet[] burst = new Packet[64];
        int total = 0;
        int n;
        while ((n = port.rxBurst(queue, burst, 0, burst.length)) > 0) {
            for (int i = 0; i < n; i++) {
                Packet p = burst[i];
                if (!Frames.intact(p)) {
                    throw new AssertionError("frame " + Frames.seq(p) + " arrived damaged: " + p);
                }
                if (expectDst != null && !Frames.dst(p).equals(expectDst)) {
                    throw new AssertionError("frame " + Frames.seq(p) + " to " + Frames.dst(p) + ", not "
                            + expectDst);
                }
                out.add(Frames.seq(p));
                p.free();
            }
            total += n;
        }
        return total;
    }

    /** Waits (bounded: 10 s) until {@code done}; fails naming {@code what}. */
    static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /** Echoes every frame back, its MACs swapped in place, flushing after each read round. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            int r = b.readerIndex();
            for (int i = 0; i < 6; i++) {
                byte d = b.getByte(r + i);
                b.setByte(r + i, b.getByte(r + 6 + i));
                b.setByte(r + 6 + i, d);
            }
            ctx.write(b);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}

package io.twinport.bench.example;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers ICMP echo requests (RFC 792) to the service's IPv4 address: the request becomes the reply in place
 * (addresses swapped, type 0, TTL 64, both checksums computed again). Other frames pass on.
 */
public final class IcmpEchoResponder extends ChannelInboundHandlerAdapter {
    private static final int TTL = 64;
    private final EchoService service;
    private final AtomicLong answered = new AtomicLong();

    // Sharable (one instance in many pipelines): its state is atomic counters. Said by override, not by the
    // @Sharable annotation, which this module's JMH annotation processor would warn about.
    @Override
    public boolean isSharable() {
        return true;
    }

    IcmpEchoResponder(EchoService service) {
        this.service = service;
    }

    /** @return echo requests answered */
    public long answered() {
        return answered.get();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf f)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int ihl = Ethernet.ipv4HeaderTo(f, service.ipv4());
        if (ihl < 0 || f.getUnsignedByte(f.readerIndex() + Ethernet.IP_PROTOCOL) != Ethernet.PROTO_ICMP) {
            ctx.fireChannelRead(msg);
            return;
        }
        int r = f.readerIndex();
        int icmp = Ethernet.IP + ihl;
        int icmpLength = Ethernet.ipv4TotalLength(f) - ihl;
        if (icmpLength < Ethernet.ICMP_HEADER || f.getUnsignedByte(r + icmp + Ethernet.ICMP_TYPE)
                != Ethernet.ICMP_ECHO_REQUEST || Ethernet.checksum(f, icmp, icmpLength) != 0) {
            ctx.fireChannelRead(msg);
            return;
        }
        Ethernet.copyMac(f, Ethernet.SRC, Ethernet.DST);
        Ethernet.putMac(f, Ethernet.SRC, service.mac());
        Ethernet.swapInts(f, Ethernet.IP_SRC, Ethernet.IP_DST);
        f.setByte(r + Ethernet.IP_TTL, TTL);
        f.setShort(r + Ethernet.IP_CHECKSUM, 0);
        f.setShort(r + Ethernet.IP_CHECKSUM, Ethernet.checksum(f, Ethernet.IP, ihl));
        f.setByte(r + icmp + Ethernet.ICMP_TYPE, Ethernet.ICMP_ECHO_REPLY);
        f.setShort(r + icmp + Ethernet.ICMP_CHECKSUM, 0);
        f.setShort(r + icmp + Ethernet.ICMP_CHECKSUM, Ethernet.checksum(f, icmp, icmpLength));
        answered.incrementAndGet();
        ctx.write(f);
    }
}

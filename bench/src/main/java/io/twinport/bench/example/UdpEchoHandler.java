package io.twinport.bench.example;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo server (RFC 862 over RFC 768) on the service's IPv4 address and port: a datagram comes back to its
 * sender with the same payload. The request becomes the reply in place: MACs, IPv4 addresses and ports swapped.
 * Swapping leaves the one's-complement sums, so the IPv4 and UDP checksums stay valid as they are. Other frames
 * pass on.
 */
public final class UdpEchoHandler extends ChannelInboundHandlerAdapter {
    private final EchoService service;
    private final AtomicLong answered = new AtomicLong();

    // Sharable (one instance in many pipelines): its state is atomic counters. Said by override, not by the
    // @Sharable annotation, which this module's JMH annotation processor would warn about.
    @Override
    public boolean isSharable() {
        return true;
    }

    UdpEchoHandler(EchoService service) {
        this.service = service;
    }

    /** @return datagrams echoed */
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
        if (ihl < 0 || f.getUnsignedByte(f.readerIndex() + Ethernet.IP_PROTOCOL) != Ethernet.PROTO_UDP) {
            ctx.fireChannelRead(msg);
            return;
        }
        int r = f.readerIndex();
        int udp = Ethernet.IP + ihl;
        int ipPayload = Ethernet.ipv4TotalLength(f) - ihl;
        if (ipPayload < Ethernet.UDP_HEADER || f.getUnsignedShort(r + udp + Ethernet.UDP_DST_PORT) != service.udpPort()
                || f.getUnsignedShort(r + udp + Ethernet.UDP_LENGTH) != ipPayload) {
            ctx.fireChannelRead(msg);
            return;
        }
        Ethernet.copyMac(f, Ethernet.SRC, Ethernet.DST);
        Ethernet.putMac(f, Ethernet.SRC, service.mac());
        Ethernet.swapInts(f, Ethernet.IP_SRC, Ethernet.IP_DST);
        Ethernet.swapShorts(f, udp + Ethernet.UDP_SRC_PORT, udp + Ethernet.UDP_DST_PORT);
        answered.incrementAndGet();
        ctx.write(f);
    }
}

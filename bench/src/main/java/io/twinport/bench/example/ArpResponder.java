package io.twinport.bench.example;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers ARP requests (RFC 826) for the service's IPv4 address with its MAC, turning the request into the reply in
 * place (so on a twinport channel the reply leaves in the packet the request came in). Other frames pass on.
 */
public final class ArpResponder extends ChannelInboundHandlerAdapter {
    private final EchoService service;
    private final AtomicLong answered = new AtomicLong();

    // Sharable (one instance in many pipelines): its state is atomic counters. Said by override, not by the
    // @Sharable annotation, which this module's JMH annotation processor would warn about.
    @Override
    public boolean isSharable() {
        return true;
    }

    ArpResponder(EchoService service) {
        this.service = service;
    }

    /** @return ARP requests answered */
    public long answered() {
        return answered.get();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf f) || !isRequestForUs(f)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int r = f.readerIndex();
        f.setShort(r + Ethernet.ARP_OPER, Ethernet.ARP_REPLY);
        Ethernet.copyMac(f, Ethernet.ARP_SHA, Ethernet.ARP_THA); // the asker becomes the target
        f.setInt(r + Ethernet.ARP_TPA, f.getInt(r + Ethernet.ARP_SPA));
        Ethernet.putMac(f, Ethernet.ARP_SHA, service.mac()); // and we the sender
        f.setInt(r + Ethernet.ARP_SPA, service.ipv4());
        Ethernet.copyMac(f, Ethernet.SRC, Ethernet.DST); // back to whoever asked
        Ethernet.putMac(f, Ethernet.SRC, service.mac());
        answered.incrementAndGet();
        ctx.write(f);
    }

    private boolean isRequestForUs(ByteBuf f) {
        int r = f.readerIndex();
        return f.readableBytes() >= Ethernet.ARP_END && Ethernet.type(f) == Ethernet.TYPE_ARP
                && f.getUnsignedShort(r + Ethernet.ARP_HTYPE) == 1
                && f.getUnsignedShort(r + Ethernet.ARP_PTYPE) == Ethernet.TYPE_IPV4
                && f.getUnsignedByte(r + Ethernet.ARP_HLEN) == 6 && f.getUnsignedByte(r + Ethernet.ARP_PLEN) == 4
                && f.getUnsignedShort(r + Ethernet.ARP_OPER) == Ethernet.ARP_REQUEST
                && f.getInt(r + Ethernet.ARP_TPA) == service.ipv4();
    }
}

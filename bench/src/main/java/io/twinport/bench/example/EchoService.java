package io.twinport.bench.example;

import io.netty.channel.ChannelPipeline;
import io.twinport.policy.MacAddress;

import java.util.Objects;

/**
 * What the example answers as: a MAC, an IPv4 address and a UDP echo port. {@link #install} adds the example's
 * handlers to any pipeline whose messages are Ethernet frames ({@code TwinportChannel}, or an
 * {@code EmbeddedChannel} in a test).
 *
 * @param mac     the service's MAC (the failover port's)
 * @param ipv4    the service's IPv4 address, network order
 * @param udpPort the UDP port it echoes on
 */
public record EchoService(MacAddress mac, int ipv4, int udpPort) {
    /** Checks the values. */
    public EchoService {
        Objects.requireNonNull(mac, "mac");
        if (udpPort < 1 || udpPort > 65535) {
            throw new IllegalArgumentException("UDP port " + udpPort + " out of range [1, 65535]");
        }
    }

    /**
     * Adds, in order: {@link ArpResponder}, {@link IcmpEchoResponder}, {@link UdpEchoHandler}, {@link Unanswered}.
     *
     * @param pipeline the pipeline
     * @return the counters of what was answered and what was not
     */
    public Handlers install(ChannelPipeline pipeline) {
        Handlers h = new Handlers(new ArpResponder(this), new IcmpEchoResponder(this), new UdpEchoHandler(this),
                new Unanswered());
        pipeline.addLast("arp", h.arp()).addLast("icmp-echo", h.icmp()).addLast("udp-echo", h.udp())
                .addLast("unanswered", h.unanswered());
        return h;
    }

    /**
     * The handlers one {@link #install} added.
     *
     * @param arp        ARP requests for our address
     * @param icmp       ICMP echo requests to our address
     * @param udp        UDP datagrams to our address and port
     * @param unanswered everything else (released, counted)
     */
    public record Handlers(ArpResponder arp, IcmpEchoResponder icmp, UdpEchoHandler udp, Unanswered unanswered) {
    }

    @Override
    public String toString() {
        return mac + " " + Ethernet.ipv4(ipv4) + " udp/" + udpPort;
    }
}

package io.twinport.bench.example;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakDetector;
import io.twinport.policy.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The example's handlers on an EmbeddedChannel: what they answer, how, and what they leave alone. */
@Timeout(10)
class EchoHandlersTest {
    private static final MacAddress ME = MacAddress.parse("52:54:00:12:34:56");
    private static final MacAddress PEER = MacAddress.parse("02:00:00:00:00:01");
    private static final int MY_IP = Ethernet.parseIpv4("10.0.0.1");
    private static final int PEER_IP = Ethernet.parseIpv4("10.0.0.2");

    private EmbeddedChannel ch;
    private EchoService.Handlers handlers;

    @BeforeAll
    static void paranoid() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @BeforeEach
    void setUp() {
        ch = new EmbeddedChannel();
        handlers = new EchoService(ME, MY_IP, 7).install(ch.pipeline());
    }

    @AfterEach
    void tearDown() {
        assertFalse(ch.finishAndReleaseAll(), "nothing left unread");
    }

    private static ByteBuf ethernet(MacAddress dst, MacAddress src, int type) {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(dst.toBytes()).writeBytes(src.toBytes()).writeShort(type);
        return b;
    }

    private static ByteBuf arpRequest(int target) {
        ByteBuf b = ethernet(MacAddress.BROADCAST, PEER, Ethernet.TYPE_ARP);
        b.writeShort(1).writeShort(Ethernet.TYPE_IPV4).writeByte(6).writeByte(4).writeShort(Ethernet.ARP_REQUEST);
        b.writeBytes(PEER.toBytes()).writeInt(PEER_IP).writeZero(6).writeInt(target);
        return b.writeZero(18); // padded to 60
    }

    /** An IPv4 packet from the peer to {@code dst} carrying {@code payload}, header checksum set. */
    private static ByteBuf ipv4(int dst, int protocol, ByteBuf payload, int flagsFragment) {
        ByteBuf b = ethernet(ME, PEER, Ethernet.TYPE_IPV4);
        b.writeByte(0x45).writeByte(0).writeShort(20 + payload.readableBytes()).writeShort(0x1234)
                .writeShort(flagsFragment).writeByte(64).writeByte(protocol).writeShort(0).writeInt(PEER_IP)
                .writeInt(dst);
        b.setShort(Ethernet.IP_CHECKSUM, Ethernet.checksum(b, Ethernet.IP, 20));
        b.writeBytes(payload);
        payload.release();
        return b;
    }

    private static ByteBuf udp(int dstPort, byte[] data, boolean withChecksum) {
        ByteBuf u = Unpooled.buffer();
        u.writeShort(40000).writeShort(dstPort).writeShort(8 + data.length).writeShort(0).writeBytes(data);
        ByteBuf frame = ipv4(MY_IP, Ethernet.PROTO_UDP, u, 0);
        if (withChecksum) {
            frame.setShort(34 + Ethernet.UDP_CHECKSUM, udpChecksum(frame));
        }
        return frame;
    }

    /** The UDP checksum over the pseudo-header (RFC 768) of the datagram in an IPv4 frame with a 20-byte header. */
    private static int udpChecksum(ByteBuf f) {
        int len = f.getUnsignedShort(34 + Ethernet.UDP_LENGTH);
        ByteBuf pseudo = Unpooled.buffer();
        pseudo.writeInt(f.getInt(Ethernet.IP_SRC)).writeInt(f.getInt(Ethernet.IP_DST)).writeByte(0)
                .writeByte(Ethernet.PROTO_UDP).writeShort(len).writeBytes(f, 34, len);
        int sum = Ethernet.checksum(pseudo, 0, pseudo.readableBytes());
        pseudo.release();
        return sum;
    }

    @Test
    void anArpRequestForOurAddressIsAnsweredWithOurMac() {
        ch.writeInbound(arpRequest(MY_IP));
        ByteBuf r = ch.readOutbound();
        assertEquals(PEER, Ethernet.mac(r, Ethernet.DST));
        assertEquals(ME, Ethernet.mac(r, Ethernet.SRC));
        assertEquals(Ethernet.TYPE_ARP, Ethernet.type(r));
        assertEquals(Ethernet.ARP_REPLY, r.getUnsignedShort(Ethernet.ARP_OPER));
        assertEquals(ME, Ethernet.mac(r, Ethernet.ARP_SHA));
        assertEquals(MY_IP, r.getInt(Ethernet.ARP_SPA));
        assertEquals(PEER, Ethernet.mac(r, Ethernet.ARP_THA));
        assertEquals(PEER_IP, r.getInt(Ethernet.ARP_TPA));
        assertEquals(60, r.readableBytes());
        r.release();
        assertEquals(1, handlers.arp().answered());
    }

    @Test
    void anIcmpEchoRequestIsAnsweredWithValidChecksums() {
        ByteBuf icmp = Unpooled.buffer();
        icmp.writeByte(Ethernet.ICMP_ECHO_REQUEST).writeByte(0).writeShort(0).writeShort(0x7470).writeShort(9)
                .writeBytes("ping payload".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        icmp.setShort(2, Ethernet.checksum(icmp, 0, icmp.readableBytes()));
        int icmpLength = icmp.readableBytes();
        ch.writeInbound(ipv4(MY_IP, Ethernet.PROTO_ICMP, icmp, 0x4000)); // DF set: not a fragment
        ByteBuf r = ch.readOutbound();
        assertEquals(PEER, Ethernet.mac(r, Ethernet.DST));
        assertEquals(ME, Ethernet.mac(r, Ethernet.SRC));
        assertEquals(MY_IP, r.getInt(Ethernet.IP_SRC));
        assertEquals(PEER_IP, r.getInt(Ethernet.IP_DST));
        assertEquals(0, Ethernet.checksum(r, Ethernet.IP, 20), "IPv4 header checksum valid");
        assertEquals(Ethernet.ICMP_ECHO_REPLY, r.getUnsignedByte(34));
        assertEquals(0, Ethernet.checksum(r, 34, icmpLength), "ICMP checksum valid");
        assertEquals(0x7470, r.getUnsignedShort(38));
        assertEquals(9, r.getUnsignedShort(40));
        assertEquals("ping payload", r.toString(42, icmpLength - 8, java.nio.charset.StandardCharsets.US_ASCII));
        r.release();
        assertEquals(1, handlers.icmp().answered());
    }

    @Test
    void aUdpDatagramToOurPortComesBackWithItsChecksumStillValid() {
        byte[] data = "hello, echo".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuf req = udp(7, data, true);
        int requestChecksum = req.getUnsignedShort(34 + Ethernet.UDP_CHECKSUM);
        assertNotEquals(0, requestChecksum);
        ch.writeInbound(req);
        ByteBuf r = ch.readOutbound();
        assertEquals(PEER, Ethernet.mac(r, Ethernet.DST));
        assertEquals(ME, Ethernet.mac(r, Ethernet.SRC));
        assertEquals(MY_IP, r.getInt(Ethernet.IP_SRC));
        assertEquals(PEER_IP, r.getInt(Ethernet.IP_DST));
        assertEquals(7, r.getUnsignedShort(34));
        assertEquals(40000, r.getUnsignedShort(36));
        assertEquals(0, Ethernet.checksum(r, Ethernet.IP, 20), "IPv4 header checksum still valid");
        r.setShort(34 + Ethernet.UDP_CHECKSUM, 0);
        assertEquals(requestChecksum, udpChecksum(r), "the same UDP checksum is right for the reply");
        assertEquals("hello, echo", r.toString(42, data.length, java.nio.charset.StandardCharsets.US_ASCII));
        r.release();
        assertEquals(1, handlers.udp().answered());
    }

    @Test
    void framesNotForUsAreReleasedAndCounted() {
        ByteBuf[] others = {
            arpRequest(Ethernet.parseIpv4("10.0.0.9")), // someone else's address
            udp(9, new byte[4], false), // another port
            ipv4(Ethernet.parseIpv4("10.0.0.9"), Ethernet.PROTO_UDP, Unpooled.buffer().writeShort(1).writeShort(7)
                    .writeShort(8).writeShort(0), 0), // another host
            ipv4(MY_IP, Ethernet.PROTO_UDP, Unpooled.buffer().writeShort(1).writeShort(7).writeShort(8)
                    .writeShort(0), 0x2000), // a fragment (MF)
            ethernet(ME, PEER, 0x86DD).writeZero(60), // IPv6
            Unpooled.buffer().writeZero(10), // a runt
        };
        ByteBuf badChecksum = udp(7, new byte[4], false);
        badChecksum.setShort(Ethernet.IP_CHECKSUM, badChecksum.getUnsignedShort(Ethernet.IP_CHECKSUM) ^ 1);
        for (ByteBuf b : others) {
            ch.writeInbound(b);
            assertEquals(0, b.refCnt(), "released");
        }
        ch.writeInbound(badChecksum);
        assertEquals(0, badChecksum.refCnt());
        assertNull(ch.readOutbound(), "nothing answered");
        assertEquals(others.length + 1, handlers.unanswered().dropped());
        assertEquals(0, handlers.udp().answered() + handlers.icmp().answered() + handlers.arp().answered());
    }
}

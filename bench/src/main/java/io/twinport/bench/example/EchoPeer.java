package io.twinport.bench.example;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;

/**
 * The other side of the wires: resolves the service's MAC with ARP, then sends numbered UDP echo requests (every
 * 16th an ICMP echo request instead) with at most {@code window} unanswered, on the path the host routes to right
 * now ({@link #path}), and takes replies from every path. Each request number must come back exactly once, intact.
 * Runs on its own thread; it is the only thread that touches the network ends of the wires.
 */
final class EchoPeer implements Runnable {
    static final int PEER_PORT = 40000;
    private static final int BURST = 16;
    private static final int ICMP_EVERY = 16;
    private static final int UDP_SEQ = Ethernet.IP + Ethernet.IP_MIN_HEADER + Ethernet.UDP_HEADER;
    private static final int ICMP_SEQ = Ethernet.IP + Ethernet.IP_MIN_HEADER + Ethernet.ICMP_HEADER;
    private static final int ICMP_LENGTH = ICMP_SEQ + 4 + 28; // sequence number and 28 bytes of pattern

    private final PacketPool pool;
    private final MacAddress mac;
    private final int ipv4;
    private final EchoService service;
    private final Port[] listen;
    private final int window;
    private final int frameLength;
    private final Packet[] burst = new Packet[64];
    private final byte[] scratch = new byte[2048];
    private final BitSet answered = new BitSet();

    /** Where requests go: the network end of the member the host routes the service's MAC to. */
    volatile Port path;
    private volatile boolean sending = true;
    private volatile boolean stopped;
    private volatile long sent;
    private volatile long sentIcmp;
    private volatile long replies;
    private volatile long duplicates;
    private volatile long bad;
    private volatile long other;
    private volatile MacAddress resolved;
    private volatile Throwable failure;

    EchoPeer(PacketPool pool, MacAddress mac, int ipv4, EchoService service, Port path, Port[] listen, int window,
             int frameLength) {
        this.pool = pool;
        this.mac = mac;
        this.ipv4 = ipv4;
        this.service = service;
        this.path = path;
        this.listen = listen.clone();
        this.window = window;
        this.frameLength = frameLength;
    }

    long sent() {
        return sent;
    }

    long sentIcmp() {
        return sentIcmp;
    }

    long replies() {
        return replies;
    }

    long duplicates() {
        return duplicates;
    }

    long bad() {
        return bad;
    }

    /** @return frames that were neither a reply nor damaged: the failover port's RARP/ARP announcements */
    long other() {
        return other;
    }

    MacAddress resolved() {
        return resolved;
    }

    Throwable failure() {
        return failure;
    }

    boolean stopped() {
        return stopped;
    }

    /** Stops sending; the thread goes on taking replies until all are in, for at most a second. */
    void stopSending() {
        sending = false;
    }

    @Override
    public void run() {
        try {
            resolve();
            long lastSent = 0;
            while (sending) {
                long outstanding = sent - replies;
                if (outstanding < window) {
                    sendRequests((int) Math.min(BURST, window - outstanding));
                }
                if (receive() == 0 && sent == lastSent) {
                    Thread.onSpinWait();
                }
                lastSent = sent;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (replies + duplicates < sent && System.nanoTime() - deadline < 0) {
                if (receive() == 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            stopped = true;
        }
    }

    private void resolve() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long nextAsk = 0;
        while (resolved == null) {
            long now = System.nanoTime();
            if (now - deadline > 0) {
                throw new IllegalStateException("no ARP reply for " + Ethernet.ipv4(service.ipv4()) + " in 5 s");
            }
            if (now - nextAsk >= 0) {
                sendArpRequest();
                nextAsk = now + TimeUnit.MILLISECONDS.toNanos(100);
            }
            receive();
        }
    }

    private void sendArpRequest() {
        byte[] f = scratch;
        java.util.Arrays.fill(f, 0, 60, (byte) 0);
        MacAddress.BROADCAST.writeTo(f, Ethernet.DST);
        mac.writeTo(f, Ethernet.SRC);
        putShort(f, Ethernet.TYPE, Ethernet.TYPE_ARP);
        putShort(f, Ethernet.ARP_HTYPE, 1);
        putShort(f, Ethernet.ARP_PTYPE, Ethernet.TYPE_IPV4);
        f[Ethernet.ARP_HLEN] = 6;
        f[Ethernet.ARP_PLEN] = 4;
        putShort(f, Ethernet.ARP_OPER, Ethernet.ARP_REQUEST);
        mac.writeTo(f, Ethernet.ARP_SHA);
        putInt(f, Ethernet.ARP_SPA, ipv4);
        putInt(f, Ethernet.ARP_TPA, service.ipv4());
        transmit(f, 60);
    }

    private boolean transmit(byte[] f, int len) {
        Packet p = pool.alloc();
        if (p == null) {
            return false;
        }
        p.write(0, f, 0, len);
        p.length(len);
        burst[0] = p;
        if (path.txBurst(0, burst, 0, 1) == 0) {
            p.free(); // the path is down (a member between unplug and re-plug): not sent, not counted
            return false;
        }
        return true;
    }

    private void sendRequests(int n) {
        MacAddress dst = resolved;
        int got = pool.allocBulk(burst, 0, n);
        long seq = sent;
        for (int i = 0; i < got; i++) {
            int s = (int) (seq + i);
            int len = isIcmp(s) ? buildIcmp(dst, s) : buildUdp(dst, s);
            burst[i].write(0, scratch, 0, len);
            burst[i].length(len);
        }
        Port out = path;
        int taken = out.txBurst(0, burst, 0, got);
        pool.freeBulk(burst, taken, got - taken); // not taken: the same numbers go out next time
        int icmp = 0;
        for (int i = 0; i < taken; i++) {
            if (isIcmp((int) (seq + i))) {
                icmp++;
            }
        }
        sentIcmp += icmp;
        sent += taken;
    }

    private static boolean isIcmp(int seq) {
        return seq % ICMP_EVERY == ICMP_EVERY - 1;
    }

    private void ipv4Header(byte[] f, MacAddress dst, int totalLength, int protocol) {
        java.util.Arrays.fill(f, 0, Ethernet.HEADER + totalLength, (byte) 0);
        dst.writeTo(f, Ethernet.DST);
        mac.writeTo(f, Ethernet.SRC);
        putShort(f, Ethernet.TYPE, Ethernet.TYPE_IPV4);
        f[Ethernet.IP] = 0x45;
        putShort(f, Ethernet.IP_TOTAL_LENGTH, totalLength);
        f[Ethernet.IP_TTL] = 64;
        f[Ethernet.IP_PROTOCOL] = (byte) protocol;
        putInt(f, Ethernet.IP_SRC, ipv4);
        putInt(f, Ethernet.IP_DST, service.ipv4());
        putShort(f, Ethernet.IP_CHECKSUM, checksum(f, Ethernet.IP, Ethernet.IP_MIN_HEADER));
    }

    private int buildUdp(MacAddress dst, int seq) {
        byte[] f = scratch;
        int total = frameLength - Ethernet.HEADER;
        ipv4Header(f, dst, total, Ethernet.PROTO_UDP);
        int udp = Ethernet.IP + Ethernet.IP_MIN_HEADER;
        putShort(f, udp + Ethernet.UDP_SRC_PORT, PEER_PORT);
        putShort(f, udp + Ethernet.UDP_DST_PORT, service.udpPort());
        putShort(f, udp + Ethernet.UDP_LENGTH, total - Ethernet.IP_MIN_HEADER);
        // UDP checksum 0: "no checksum" (RFC 768), allowed over IPv4; the payload carries its own check
        putInt(f, UDP_SEQ, seq);
        for (int i = UDP_SEQ + 4; i < frameLength; i++) {
            f[i] = (byte) (seq + i);
        }
        return frameLength;
    }

    private int buildIcmp(MacAddress dst, int seq) {
        byte[] f = scratch;
        int len = ICMP_LENGTH;
        ipv4Header(f, dst, len - Ethernet.HEADER, Ethernet.PROTO_ICMP);
        int icmp = Ethernet.IP + Ethernet.IP_MIN_HEADER;
        f[icmp + Ethernet.ICMP_TYPE] = Ethernet.ICMP_ECHO_REQUEST;
        putShort(f, icmp + 4, 0x7470); // identifier
        putShort(f, icmp + 6, seq & 0xFFFF);
        putInt(f, ICMP_SEQ, seq);
        for (int i = ICMP_SEQ + 4; i < len; i++) {
            f[i] = (byte) (seq + i);
        }
        putShort(f, icmp + Ethernet.ICMP_CHECKSUM, checksum(f, icmp, len - icmp));
        return len;
    }

    private int receive() {
        int total = 0;
        for (Port port : listen) {
            int n = port.rxBurst(0, burst, 0, burst.length);
            for (int i = 0; i < n; i++) {
                Packet p = burst[i];
                int len = Math.min(p.length(), scratch.length);
                p.read(0, scratch, 0, len);
                check(scratch, len);
            }
            pool.freeBulk(burst, 0, n);
            total += n;
        }
        return total;
    }

    private void check(byte[] f, int len) {
        if (len < Ethernet.HEADER || MacAddress.fromBytes(f, Ethernet.DST).toLong() != mac.toLong()) {
            other++; // not to us (a broadcast announcement)
            return;
        }
        int type = getShort(f, Ethernet.TYPE);
        if (type == Ethernet.TYPE_ARP) {
            if (len >= Ethernet.ARP_END && getShort(f, Ethernet.ARP_OPER) == Ethernet.ARP_REPLY
                    && getInt(f, Ethernet.ARP_SPA) == service.ipv4()) {
                resolved = MacAddress.fromBytes(f, Ethernet.ARP_SHA);
            } else {
                other++;
            }
            return;
        }
        if (type != Ethernet.TYPE_IPV4 || len < Ethernet.IP + Ethernet.IP_MIN_HEADER) {
            other++;
            return;
        }
        int protocol = f[Ethernet.IP_PROTOCOL] & 0xFF;
        boolean ok = getInt(f, Ethernet.IP_SRC) == service.ipv4() && getInt(f, Ethernet.IP_DST) == ipv4
                && MacAddress.fromBytes(f, Ethernet.SRC).equals(resolved)
                && checksum(f, Ethernet.IP, Ethernet.IP_MIN_HEADER) == 0;
        int seq;
        int end;
        if (protocol == Ethernet.PROTO_UDP && len == frameLength) {
            int udp = Ethernet.IP + Ethernet.IP_MIN_HEADER;
            ok &= getShort(f, udp + Ethernet.UDP_SRC_PORT) == service.udpPort()
                    && getShort(f, udp + Ethernet.UDP_DST_PORT) == PEER_PORT;
            seq = getInt(f, UDP_SEQ);
            end = frameLength;
            for (int i = UDP_SEQ + 4; i < end && ok; i++) {
                ok = f[i] == (byte) (seq + i);
            }
        } else if (protocol == Ethernet.PROTO_ICMP && len == ICMP_LENGTH) {
            int icmp = Ethernet.IP + Ethernet.IP_MIN_HEADER;
            ok &= f[icmp + Ethernet.ICMP_TYPE] == Ethernet.ICMP_ECHO_REPLY && checksum(f, icmp, len - icmp) == 0;
            seq = getInt(f, ICMP_SEQ);
            for (int i = ICMP_SEQ + 4; i < len && ok; i++) {
                ok = f[i] == (byte) (seq + i);
            }
        } else {
            bad++;
            return;
        }
        if (!ok || seq < 0 || seq >= sent) {
            bad++;
        } else if (answered.get(seq)) {
            duplicates++;
        } else {
            answered.set(seq);
            replies++;
        }
    }

    private static int checksum(byte[] f, int offset, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += getShort(f, offset + i);
        }
        if (i < length) {
            sum += (f[offset + i] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    private static void putShort(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }

    private static void putInt(byte[] f, int at, int v) {
        putShort(f, at, v >>> 16);
        putShort(f, at + 2, v);
    }

    private static int getShort(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    private static int getInt(byte[] f, int at) {
        return (getShort(f, at) << 16) | getShort(f, at + 2);
    }
}

package io.twinport.vf;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.twinport.vf.PacketRingDescriptor.*;

/**
 * A TPACKET_V2 RX ring: fixed-size frames, each handed over on its own ({@code tp_status} {@code TP_STATUS_USER})
 * and given back ({@code TP_STATUS_KERNEL}) as soon as it is copied. No block timeout, so no added latency at low
 * rates; one status word and one cache line per frame, and every frame takes a whole {@code framesz} slot.
 */
final class RxRingV2 extends RxRing {
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();

    private final int frameSize;
    private final int frames;
    // cursor: the queue thread's only
    private int head;

    RxRingV2(int fd, long mapAddress, long mapSize, int frameSize, int frames, Arena arena) {
        super(fd, mapAddress, mapSize, arena);
        this.frameSize = frameSize;
        this.frames = frames;
    }

    @Override
    int receive(Packet[] pkts, int offset, int max, PacketPool pool, int portId, int queue, QueueCounters counters) {
        // count the frames that are ready (up to max), then take exactly that many packets from the pool
        int ready = 0;
        int h = head;
        while (ready < max) {
            // acquire: the kernel writes the frame, then (smp_wmb) its status: see the frame before reading it
            int status = (int) STATUS.getAcquire(ring, (long) h * frameSize + V2_STATUS);
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            ready++;
            if (++h == frames) {
                h = 0;
            }
        }
        if (ready == 0) {
            return 0;
        }
        int got = pool.allocBulk(pkts, offset, ready);
        if (got < ready) {
            counters.addNoBuffer(ready - got);
        }
        int n = 0;
        int errors = 0;
        long bytes = 0;
        boolean losing = false;
        int taken = 0;
        while (taken < ready && n < got) {
            long f = (long) head * frameSize;
            int status = ring.get(INT, f + V2_STATUS);
            int snaplen = ring.get(INT, f + V2_SNAPLEN);
            int len = ring.get(INT, f + V2_LEN);
            long mac = f + Short.toUnsignedInt(ring.get(SHORT, f + V2_MAC));
            losing |= (status & TP_STATUS_LOSING) != 0;
            boolean tagged = (status & TP_STATUS_VLAN_VALID) != 0;
            short tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? ring.get(SHORT, f + V2_VLAN_TPID) : 0;
            Packet p = pkts[offset + n];
            int out = snaplen == len ? copyOut(mac, snaplen, tagged, tpid, ring.get(SHORT, f + V2_VLAN_TCI), p) : -1;
            // release: our reads of the frame happen before the kernel may refill it
            STATUS.setRelease(ring, f + V2_STATUS, TP_STATUS_KERNEL);
            if (++head == frames) {
                head = 0;
            }
            taken++;
            if (out < 0) {
                errors++; // truncated (longer than framesz - header), runt, or larger than a pool buffer
                continue;
            }
            p.port(portId);
            p.queue(queue);
            bytes += out;
            n++;
        }
        if (n < got) {
            pool.freeBulk(pkts, offset + n, got - n);
            for (int i = offset + n; i < offset + got; i++) {
                pkts[i] = null;
            }
        }
        if (n > 0) {
            counters.addPackets(n, bytes);
        }
        if (errors > 0) {
            counters.addErrors(errors);
        }
        if (losing) {
            counters.addMissed(readDrops());
        }
        return n;
    }

    @Override
    boolean ready() {
        return ((int) STATUS.getAcquire(ring, (long) head * frameSize + V2_STATUS) & TP_STATUS_USER) != 0;
    }
}

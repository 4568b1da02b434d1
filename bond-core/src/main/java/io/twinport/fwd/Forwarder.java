package io.twinport.fwd;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.port.Port;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One forwarding thread's work: queue {@code q} of every port (testpmd's forwarding lcore with one stream per
 * port). {@link #doWork()} is one round over the ports in the mode's manner; {@link #run()} repeats it until told to
 * stop. It owns queue {@code q} of every port while it runs: RX queue q of port i feeds TX queue q of its peer.
 *
 * <p>The data path allocates nothing: one preallocated {@link Packet} array, counters in {@code long[]}s, no
 * lambdas or boxing. Every packet it receives or allocates in a round is transmitted or freed in the same round, so
 * when it stops it holds none. Packets a port does not take are freed and counted as {@linkplain #dropped dropped}.
 */
final class Forwarder implements Runnable {
    /** Longs of padding on each side of the counter arrays (against false sharing with other threads' data). */
    static final int PAD = 16;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final FwdMode mode;
    private final int queue;
    private final Port[] ports;
    private final int[] peers;
    private final PacketPool pool;
    private final int burst;
    private final Packet[] pkts;
    private final byte[][] frames;
    private final boolean txFirst;
    private final AtomicBoolean stop;
    // txonly with --count: this thread's share per port still to transmit; -1 without a limit. Own thread only.
    private final long[] txLeft;
    // rxonly with --count: per port, packets still to receive, shared by the forwarders of all queues; else null
    private final AtomicLongArray rxLeft;
    // per port, packets offered to TX and not taken (freed); written by this thread only, read by the main thread
    private final long[] dropped;

    private volatile boolean txDone;
    private volatile boolean drained;
    private volatile Throwable failure;
    private volatile boolean finished;

    /**
     * @param mode    the mode
     * @param queue   the queue this forwarder owns on every port
     * @param ports   the ports
     * @param peers   for each port, the index of the port its traffic goes to
     * @param pool    the pool generated frames come from and received frames go back to
     * @param burst   packets per burst
     * @param frames  for each port, the frame txonly and --tx-first transmit
     * @param txFirst send one burst on every port before the first round
     * @param txLeft  txonly with a count: this forwarder's share per port; null without a count
     * @param rxLeft  rxonly with a count: packets still to receive per port, shared; null without a count
     * @param stop    set when the forwarder must stop
     */
    Forwarder(FwdMode mode, int queue, Port[] ports, int[] peers, PacketPool pool, int burst, byte[][] frames,
              boolean txFirst, long[] txLeft, AtomicLongArray rxLeft, AtomicBoolean stop) {
        this.mode = mode;
        this.queue = queue;
        this.ports = ports.clone();
        this.peers = peers.clone();
        this.pool = pool;
        this.burst = burst;
        this.pkts = new Packet[burst];
        this.frames = frames.clone();
        this.txFirst = txFirst;
        this.stop = stop;
        this.txLeft = new long[ports.length];
        for (int i = 0; i < ports.length; i++) {
            this.txLeft[i] = txLeft == null ? -1 : txLeft[i];
        }
        this.rxLeft = rxLeft;
        this.dropped = new long[PAD + ports.length + PAD];
    }

    @Override
    public void run() {
        try {
            if (txFirst) {
                sendFirstBurst();
            }
            // volatile read once per round: the main thread's stop request
            while (!stop.get()) {
                doWork();
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            finished = true;
        }
    }

    /** Transmits one burst of generated frames on this queue of every port (testpmd's --tx-first). */
    void sendFirstBurst() {
        for (int i = 0; i < ports.length; i++) {
            transmitGenerated(i, burst);
        }
    }

    /**
     * One round over every port.
     *
     * @return packets received plus packets transmitted in the round (0: idle)
     */
    int doWork() {
        return switch (mode) {
            case IO -> forward(false);
            case MACSWAP -> forward(true);
            case TXONLY -> transmitOnly();
            case RXONLY -> receiveOnly();
        };
    }

    private int forward(boolean swap) {
        int work = 0;
        for (int i = 0; i < ports.length; i++) {
            int got = ports[i].rxBurst(queue, pkts, 0, burst);
            if (got == 0) {
                continue;
            }
            if (swap) {
                for (int k = 0; k < got; k++) {
                    Frames.swapMacs(pkts[k]);
                }
            }
            int to = peers[i];
            int sent = ports[to].txBurst(queue, pkts, 0, got);
            if (sent < got) {
                drop(to, sent, got - sent);
            }
            work += got;
        }
        return work;
    }

    private int transmitOnly() {
        int received = drainAll();
        int work = received;
        if (!txDone) {
            boolean more = false;
            for (int i = 0; i < ports.length; i++) {
                long left = txLeft[i];
                if (left == 0) {
                    continue;
                }
                int want = left < 0 || left > burst ? burst : (int) left;
                int sent = transmitGenerated(i, want);
                work += sent;
                if (left > 0) {
                    txLeft[i] = left - sent;
                    more |= left - sent > 0;
                } else {
                    more = true;
                }
            }
            if (!more) {
                txDone = true; // volatile: the main thread waits for every forwarder's share
            }
        } else if (received == 0) {
            if (!drained) {
                drained = true; // volatile: set once per transition, not per round
            }
        } else if (drained) {
            drained = false;
        }
        return work;
    }

    private int drainAll() {
        int received = 0;
        for (int i = 0; i < ports.length; i++) {
            int got = ports[i].rxBurst(queue, pkts, 0, burst);
            if (got > 0) {
                pool.freeBulk(pkts, 0, got);
                received += got;
            }
        }
        return received;
    }

    private int receiveOnly() {
        if (rxLeft == null) {
            return drainAll();
        }
        int received = 0;
        for (int i = 0; i < ports.length; i++) {
            long left = rxLeft.get(i);
            if (left <= 0) {
                continue;
            }
            int max = left > burst ? burst : (int) left;
            // reserve the budget first, so the queues together never receive more than --count
            if (!rxLeft.compareAndSet(i, left, left - max)) {
                continue; // another queue's forwarder took some: next round
            }
            int got = ports[i].rxBurst(queue, pkts, 0, max);
            if (got > 0) {
                pool.freeBulk(pkts, 0, got);
                received += got;
            }
            if (got < max) {
                rxLeft.getAndAdd(i, max - got);
            }
        }
        return received;
    }

    private int transmitGenerated(int i, int n) {
        int got = pool.allocBulk(pkts, 0, n);
        if (got == 0) {
            return 0; // pool dry (counted by the pool): try again next round
        }
        byte[] frame = frames[i];
        for (int k = 0; k < got; k++) {
            Frames.fill(pkts[k], frame);
        }
        int sent = ports[i].txBurst(queue, pkts, 0, got);
        if (sent < got) {
            drop(i, sent, got - sent);
        }
        return sent;
    }

    private void drop(int port, int from, int n) {
        pool.freeBulk(pkts, from, n);
        int slot = PAD + port;
        // opaque: single writer; the main thread reads a counter that only grows
        LONGS.setOpaque(dropped, slot, dropped[slot] + n);
    }

    /**
     * @param port a port index
     * @return packets this forwarder offered to the port's TX queue that it did not take (freed); any thread
     */
    long dropped(int port) {
        return (long) LONGS.getOpaque(dropped, PAD + port);
    }

    /** @return the queue this forwarder owns */
    int queue() {
        return queue;
    }

    /** @return true once, with a count in txonly, this forwarder transmitted its share on every port */
    boolean txDone() {
        return txDone;
    }

    /** @return true while, after {@link #txDone()}, its last round received nothing */
    boolean drained() {
        return drained;
    }

    /** @return what ended the forwarder abnormally, or null */
    Throwable failure() {
        return failure;
    }

    /** @return true once {@link #run()} returned */
    boolean finished() {
        return finished;
    }
}

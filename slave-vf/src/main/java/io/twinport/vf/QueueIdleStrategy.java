package io.twinport.vf;

import java.util.concurrent.locks.LockSupport;

/**
 * What a queue's polling thread does after a burst that found nothing (Agrona's {@code IdleStrategy}, with the
 * AF_PACKET socket's own wake-up): spin {@code idle_spins} times, then, per {@link AfPacketOptions.Idle},
 * keep spinning, {@code poll(2)} the queue's RX socket (the kernel wakes it when it hands over a block), or yield
 * and park with exponential back-off. One instance per queue, used by that queue's thread only; it allocates
 * nothing and never throws.
 *
 * <pre>
 *   int n = port.rxBurst(q, pkts, 0, 32);
 *   ...
 *   idle.idle(n);      // resets on work, backs off on none
 * </pre>
 */
public final class QueueIdleStrategy {
    private static final long MIN_PARK_NS = 1_000;

    private final AfPacketPort port;
    private final int queue;
    private final AfPacketOptions.Idle mode;
    private final int spins;
    private final int timeoutMs;
    private final long maxParkNs;
    private int idleCount;
    private long parkNs = MIN_PARK_NS;

    QueueIdleStrategy(AfPacketPort port, int queue, AfPacketOptions options) {
        this.port = port;
        this.queue = queue;
        this.mode = options.idle();
        this.spins = options.idleSpins();
        this.timeoutMs = options.pollTimeoutMs();
        this.maxParkNs = options.pollTimeoutMs() * 1_000_000L;
    }

    /**
     * @param workCount what the last burst did; 0 means idle
     */
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
            return;
        }
        if (mode == AfPacketOptions.Idle.SPIN || idleCount < spins) {
            idleCount++;
            Thread.onSpinWait();
            return;
        }
        if (mode == AfPacketOptions.Idle.POLL) {
            RxRing ring = port.rxRing(queue);
            if (ring != null) {
                if (!ring.ready()) {
                    ring.await(timeoutMs);
                }
                return;
            }
        }
        if (idleCount++ == spins) {
            Thread.yield();
            return;
        }
        LockSupport.parkNanos(parkNs);
        parkNs = Math.min(parkNs << 1, maxParkNs);
    }

    /** Back to spinning: after work was found. */
    public void reset() {
        idleCount = 0;
        parkNs = MIN_PARK_NS;
    }

    /** @return the RX queue this strategy waits on */
    public int queue() {
        return queue;
    }
}

package io.twinport.netty;

import java.util.concurrent.locks.LockSupport;

/**
 * What a {@link TwinportIoHandler} does when a poll round found nothing to do and the event loop has no task
 * waiting (Agrona's idle strategies, in small): spin, yield, or park with an exponential back-off. Parking is always
 * cut short by the event loop's next scheduled task and by {@code wakeup} (a task submitted from another thread).
 *
 * <table>
 *   <caption>strategies</caption>
 *   <tr><th>strategy</th><th>latency</th><th>CPU when idle</th></tr>
 *   <tr><td>{@link #busySpin()}</td><td>lowest</td><td>one core, always</td></tr>
 *   <tr><td>{@link #yielding()}</td><td>low</td><td>one core, unless others want it</td></tr>
 *   <tr><td>{@link #backoff()}</td><td>up to the longest park (default 1 ms) after a long idle spell</td>
 *       <td>near zero after a short spell</td></tr>
 * </table>
 */
public sealed interface IdleStrategy {
    /** Default spins before yielding, for {@link #backoff()}. */
    int DEFAULT_SPINS = 100;
    /** Default yields before parking, for {@link #backoff()}. */
    int DEFAULT_YIELDS = 10;
    /** Default first park, for {@link #backoff()}: 1 µs. */
    long DEFAULT_MIN_PARK_NANOS = 1_000L;
    /** Default longest park, for {@link #backoff()}: 1 ms. */
    long DEFAULT_MAX_PARK_NANOS = 1_000_000L;

    /**
     * Idles once.
     *
     * @param idleRounds poll rounds in a row that found nothing (0 on the first)
     * @param maxNanos   longest the event loop may wait (its next scheduled task), more than 0
     */
    void idle(int idleRounds, long maxNanos);

    /** @return spin ({@link Thread#onSpinWait()}) between polls: the lowest latency, one core always busy */
    static IdleStrategy busySpin() {
        return BusySpin.INSTANCE;
    }

    /** @return {@link Thread#yield()} between polls */
    static IdleStrategy yielding() {
        return Yielding.INSTANCE;
    }

    /** @return {@link #backoff(int, int, long, long)} with the defaults: 100 spins, 10 yields, parks of 1 µs to 1 ms */
    static IdleStrategy backoff() {
        return new Backoff(DEFAULT_SPINS, DEFAULT_YIELDS, DEFAULT_MIN_PARK_NANOS, DEFAULT_MAX_PARK_NANOS);
    }

    /**
     * Spins {@code spins} rounds, then yields {@code yields} rounds, then parks, doubling the park from
     * {@code minParkNanos} up to {@code maxParkNanos}; any round with work starts over.
     *
     * @param spins        rounds of {@link Thread#onSpinWait()}, 0 or more
     * @param yields       rounds of {@link Thread#yield()}, 0 or more
     * @param minParkNanos first park, at least 1
     * @param maxParkNanos longest park, at least {@code minParkNanos} and at most 1 s
     * @return the strategy
     * @throws IllegalArgumentException naming the value that is out of range
     */
    static IdleStrategy backoff(int spins, int yields, long minParkNanos, long maxParkNanos) {
        return new Backoff(spins, yields, minParkNanos, maxParkNanos);
    }

    /** Spins. */
    enum BusySpin implements IdleStrategy {
        /** The one instance. */
        INSTANCE;

        @Override
        public void idle(int idleRounds, long maxNanos) {
            Thread.onSpinWait();
        }

        @Override
        public String toString() {
            return "busy-spin";
        }
    }

    /** Yields. */
    enum Yielding implements IdleStrategy {
        /** The one instance. */
        INSTANCE;

        @Override
        public void idle(int idleRounds, long maxNanos) {
            Thread.yield();
        }

        @Override
        public String toString() {
            return "yield";
        }
    }

    /**
     * Spins, then yields, then parks with an exponential back-off.
     *
     * @param spins        rounds of spinning
     * @param yields       rounds of yielding after those
     * @param minParkNanos the first park
     * @param maxParkNanos the longest park
     */
    record Backoff(int spins, int yields, long minParkNanos, long maxParkNanos) implements IdleStrategy {
        /** Checks the values. */
        public Backoff {
            if (spins < 0) {
                throw new IllegalArgumentException("idle strategy backoff: spins " + spins + " must be >= 0");
            }
            if (yields < 0) {
                throw new IllegalArgumentException("idle strategy backoff: yields " + yields + " must be >= 0");
            }
            if (minParkNanos < 1) {
                throw new IllegalArgumentException("idle strategy backoff: min park " + minParkNanos
                        + " ns must be >= 1");
            }
            if (maxParkNanos < minParkNanos || maxParkNanos > 1_000_000_000L) {
                throw new IllegalArgumentException("idle strategy backoff: max park " + maxParkNanos
                        + " ns must be in [min park = " + minParkNanos + ", 1000000000]");
            }
        }

        @Override
        public void idle(int idleRounds, long maxNanos) {
            if (idleRounds < spins) {
                Thread.onSpinWait();
            } else if (idleRounds - spins < yields) {
                Thread.yield();
            } else {
                int doublings = Math.min(idleRounds - spins - yields, 30);
                long park = Math.min(maxParkNanos, minParkNanos << doublings);
                if (park <= 0) { // the shift overflowed
                    park = maxParkNanos;
                }
                LockSupport.parkNanos(this, Math.min(park, maxNanos));
            }
        }

        @Override
        public String toString() {
            return "backoff(spins " + spins + ", yields " + yields + ", park " + minParkNanos + ".." + maxParkNanos
                    + " ns)";
        }
    }
}

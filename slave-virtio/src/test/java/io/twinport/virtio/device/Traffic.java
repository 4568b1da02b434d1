package io.twinport.virtio.device;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import io.twinport.port.Port;
import io.twinport.testing.Frames;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Test traffic between two ports: frames numbered by sequence, sent and counted exactly, with bounded waits. */
final class Traffic {
    static final MacAddress SRC = MacAddress.parse("02:00:00:00:00:0a");
    static final MacAddress DST = MacAddress.parse("02:00:00:00:00:0b");

    private Traffic() {
    }

    /**
     * Sends frames {@code first..first+n-1} on {@code from}'s queue, retrying while the ring is full, for at most
     * 10 s; meanwhile drains {@code to} into {@code seen}.
     *
     * @return frames sent
     */
    static int send(Port from, int queue, PacketPool pool, int first, int n, int length, Port to, BitSet seen) {
        Packet[] burst = new Packet[32];
        Packet[] rx = new Packet[64];
        int sent = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sent < n && System.nanoTime() < deadline) {
            int want = Math.min(burst.length, n - sent);
            int got = pool.allocBulk(burst, 0, want);
            for (int i = 0; i < got; i++) {
                Frames.fill(burst[i], DST, SRC, first + sent + i, length);
            }
            int k = from.txBurst(queue, burst, 0, got);
            pool.freeBulk(burst, k, got - k);
            sent += k;
            if (to != null) {
                drain(to, queue, rx, seen);
            }
            if (k == 0) {
                Thread.onSpinWait();
            }
        }
        return sent;
    }

    /** Receives what is there on {@code port}'s queue, records each sequence number, checks the bytes, frees. */
    static int drain(Port port, int queue, Packet[] rx, BitSet seen) {
        int total = 0;
        int n;
        while ((n = port.rxBurst(queue, rx, 0, rx.length)) > 0) {
            for (int i = 0; i < n; i++) {
                Packet p = rx[i];
                if (!Frames.intact(p)) {
                    p.free();
                    throw new AssertionError("frame " + Frames.seq(p) + " corrupted");
                }
                int seq = Frames.seq(p);
                if (seen.get(seq)) {
                    p.free();
                    throw new AssertionError("frame " + seq + " received twice");
                }
                seen.set(seq);
                p.free();
            }
            total += n;
        }
        return total;
    }

    /** Drains until {@code seen} has {@code expected} frames or 10 s pass. */
    static void drainUntil(Port port, int queue, BitSet seen, int expected) {
        Packet[] rx = new Packet[64];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.cardinality() < expected && System.nanoTime() < deadline) {
            if (drain(port, queue, rx, seen) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}

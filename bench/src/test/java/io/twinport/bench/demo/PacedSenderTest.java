package io.twinport.bench.demo;

import io.twinport.mem.Packet;
import io.twinport.mem.PacketPool;
import io.twinport.policy.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The sender's pacing and retries, with a fake clock: no frame is dropped, numbers stay in order. */
class PacedSenderTest {
    private final PacketPool pool = PacketPool.create("paced-sender-test", 1024);
    private final byte[] template = DemoFrames.template(MacAddress.parse("02:00:00:00:00:02"),
            MacAddress.parse("02:00:00:00:00:01"), DemoFrames.STREAM_TO_NETWORK);

    @AfterEach
    void poolIsWhole() {
        assertEquals(0, pool.inUse(), "buffers not returned");
        pool.close();
    }

    @Test
    void framesAreGeneratedAtTheRate() {
        PacedSender s = new PacedSender(pool, template, 1_000_000, 256); // one frame per microsecond
        s.start(0);
        assertEquals(0, s.generate(0));
        assertEquals(10, s.generate(10_000));
        assertEquals(5, s.generate(15_000));
        assertEquals(15, s.generated());
        assertEquals(15, s.backlog());
        assertEquals(15, s.discardBacklog());
    }

    @Test
    void whatTxRefusesIsKeptAndSentLaterInOrder() {
        PacedSender s = new PacedSender(pool, template, 1_000_000, 256);
        s.start(0);
        List<Long> wire = new ArrayList<>();
        int[] accept = {3};
        PacedSender.Tx tx = (pkts, off, n) -> {
            int took = Math.min(n, accept[0]);
            for (int i = 0; i < took; i++) {
                Packet p = pkts[off + i];
                wire.add(DemoFrames.sequence(p));
                p.free();
            }
            return took;
        };
        s.generate(20_000);
        assertEquals(3, s.send(tx));
        accept[0] = 0;
        assertEquals(0, s.send(tx), "refused: kept");
        assertEquals(17, s.backlog());
        accept[0] = 1_000;
        while (s.backlog() > 0) {
            s.send(tx);
        }
        assertEquals(20, s.sent());
        for (int i = 0; i < wire.size(); i++) {
            assertEquals(i, wire.get(i), "in order, nothing skipped");
        }
    }

    @Test
    void aFullBacklogStopsGenerationAndAStallIsNotMadeUpInAFlood() {
        PacedSender s = new PacedSender(pool, template, 1_000_000, 64);
        s.start(0);
        for (long t = 0; t <= 1_000_000; t += 1_000) {
            s.generate(t);
        }
        assertEquals(64, s.backlog(), "bounded");
        assertEquals(64, s.generated(), "frames beyond the backlog are never numbered");
        assertEquals(64, s.discardBacklog());
        // 10 s behind at 1000 frames/s: at most MAX_DEBT_NANOS worth of frames (20 ms: 20, plus the one due now)
        // are made up, never the 10,000 of the whole stall
        PacedSender s2 = new PacedSender(pool, template, 1_000, 1024);
        s2.start(0);
        int made = 0;
        for (int i = 0; i < 10; i++) {
            made += s2.generate(10_000_000_000L); // 10 s late at 1000 frames/s
        }
        assertEquals(1_000L * PacedSender.MAX_DEBT_NANOS / 1_000_000_000L + 1, made);
        s2.discardBacklog();
    }

    @Test
    void stoppedGenerationStillSendsTheBacklog() {
        PacedSender s = new PacedSender(pool, template, 1_000_000, 256);
        s.start(0);
        s.generate(5_000);
        s.stopGenerating();
        assertEquals(0, s.generate(50_000));
        PacedSender.Tx tx = (pkts, off, n) -> {
            for (int i = 0; i < n; i++) {
                pkts[off + i].free();
            }
            return n;
        };
        assertEquals(5, s.send(tx));
        assertEquals(0, s.backlog());
        int[] empty = {0};
        assertEquals(0, s.send((pkts, off, n) -> {
            assertEquals(0, n);
            empty[0]++;
            return 0;
        }));
        assertEquals(1, empty[0], "an empty backlog still makes an empty burst");
    }
}

#!/usr/bin/env python3
"""Time a DPDK bond's switch to its other member, from testpmd's own counters.

Starts dpdk-testpmd interactively (txonly on the bond port), lets it run, sends one EVENT command on its stdin
(e.g. "remove bonding slave 0 2" or "set link-down port 0"), and then asks "show port stats WATCH" as fast as the
command line answers. The switch time is bounded by two samples: the last one where the watched (other) member had
sent nothing new and the first one where it had; both are printed, with the sampling interval, as one JSON line.

usage: testpmd_switch.py --prefix P --cpu-main C --cpu-fwd F --watch PORT --event CMD --portmask MASK -- VDEV...
"""
import argparse
import json
import os
import re
import select
import subprocess
import sys
import time

PROMPT = b"testpmd> "


class Testpmd:
    def __init__(self, args, vdevs):
        cmd = ["stdbuf", "-o0", "dpdk-testpmd", "--lcores", f"0@{args.cpu_main},1@{args.cpu_fwd}", "--no-pci",
               "-m", "256", "--huge-unlink", f"--file-prefix={args.prefix}", "--log-level", "lib.eal:error"]
        for v in vdevs:
            cmd += ["--vdev", v]
        cmd += ["--", "-i", "--forward-mode=txonly", f"--portmask={args.portmask}", "--nb-cores=1",
                "--total-num-mbufs=16384", f"--txpkts={args.txpkts}", f"--burst={args.burst}"] + args.testpmd_arg
        self.log = open(args.log, "wb") if args.log else None
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.buf = b""

    def read_until_prompt(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while PROMPT not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("testpmd gave no prompt within %.0f s; last output: %r" % (timeout, self.buf[-400:]))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise EOFError("testpmd exited; last output: %r" % self.buf[-400:])
                if self.log:
                    self.log.write(chunk)
                self.buf += chunk
        out, _, self.buf = self.buf.partition(PROMPT)
        return out.decode(errors="replace")

    def command(self, line, timeout=30.0):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()
        return self.read_until_prompt(timeout)

    def close(self):
        try:
            if self.p.poll() is None:
                self.p.stdin.write(b"stop\nquit\n")
                self.p.stdin.flush()
                self.p.wait(timeout=20)
        except Exception:
            pass
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        if self.log:
            self.log.close()


TX = re.compile(r"TX-packets:\s*(\d+)")


def tx_packets(text):
    m = TX.search(text)
    if not m:
        raise ValueError("no TX-packets in: %r" % text[-400:])
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--cpu-main", default="0")
    ap.add_argument("--cpu-fwd", default="1")
    ap.add_argument("--watch", type=int, required=True, help="the member that should take over")
    ap.add_argument("--event", required=True, help="the testpmd command that takes the active member away")
    ap.add_argument("--portmask", required=True)
    ap.add_argument("--txpkts", default="64")
    ap.add_argument("--burst", default="32")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--window", type=float, default=0.5, help="seconds to keep sampling after the event")
    ap.add_argument("--link-of", type=int, help="after the window, report this port's link status (show port info)")
    ap.add_argument("--log")
    ap.add_argument("--label", default="")
    ap.add_argument("--testpmd-arg", action="append", default=[], help="one more testpmd application argument")
    ap.add_argument("vdevs", nargs="+")
    args = ap.parse_args()

    t = Testpmd(args, args.vdevs)
    try:
        t.read_until_prompt(60)
        t.command("start")
        time.sleep(args.warmup)
        # the sampling interval before the event: how finely the command line lets us look
        before = []
        for _ in range(50):
            s = time.perf_counter()
            base = tx_packets(t.command(f"show port stats {args.watch}"))
            before.append(time.perf_counter() - s)
        t0 = time.perf_counter()
        t.command(args.event)
        t_event_done = time.perf_counter()
        last_quiet = t0
        first_moved = None
        samples = 0
        while time.perf_counter() - t0 < args.window:
            v = tx_packets(t.command(f"show port stats {args.watch}"))
            now = time.perf_counter()
            samples += 1
            if v > base:
                first_moved = now
                break
            last_quiet = now
        link_after = None
        if args.link_of is not None:
            m = re.search(r"Link status:\s*(\w+)", t.command(f"show port info {args.link_of}"))
            link_after = m.group(1) if m else None
        before.sort()
        result = {
            "link_after": link_after,
            "label": args.label,
            "event": args.event,
            "event_command_s": t_event_done - t0,
            "switched": first_moved is not None,
            "switch_upper_s": (first_moved - t0) if first_moved else None,
            "switch_lower_s": last_quiet - t0,
            "sample_interval_median_s": before[len(before) // 2],
            "samples_after_event": samples,
        }
        print(json.dumps(result))
    finally:
        t.close()


if __name__ == "__main__":
    sys.exit(main())

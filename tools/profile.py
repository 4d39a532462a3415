#!/usr/bin/env python3
"""Where do a benchmark row's guest instructions go?  Instructions per call,
per function, kernel and user.

usage: tools/profile.py ROW [--rounds A,B] [--top N]
       tools/profile.py --prog NAME [--top N]

ROW is one of bench.c's rows (getenvid, page_alloc, page_map, pgfault,
yield_alone, yield_two, ipc, exofork).  The script builds bench.c twice with
`-DONLY=ROW`, once with A and once with B rounds, and runs each under QEMU
with `-d exec,nochain,in_asm` limited by `-dfilter` to the kernel and the
program: `in_asm` shows each translated block's instructions once,
`exec,nochain` logs every execution of a block.  Counting each
instruction once per execution of its block and mapping it to a symbol
(obj/kern/kernel.sym, `nm` of the program) gives instructions per
function; the difference of the two runs divided by B - A is the cost of
one call, with boot and start-up cancelled out.

--prog NAME profiles a run of obj/user/NAME: all of it (boot included), or
with --start A --stop B from the first block executed in a function whose
name contains A up to the next one in a function whose name contains B;
e.g. `--prog benchfork --start jos::fork::fork --stop jos::printf` is one
fork as the parent sees it.

The counts are exact up to blocks left early by a fault (the faulting
block is counted whole); the run has no -icount, which changes nothing on
these paths.  Logs go to obj/profile/.
"""

import argparse
import bisect
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = "obj/profile"
ROWS = ["getenvid", "page_alloc", "page_map", "pgfault", "yield_alone", "yield_two", "ipc", "exofork"]
CC = ["gcc", "-m32", "-ffreestanding", "-nostdlib", "-static", "-fno-pie", "-no-pie", "-fno-stack-protector",
      "-fcf-protection=none", "-O2", "-Wl,--build-id=none", "-Wl,-T,user/c/user.ld"]
SOURCES = ["user/c/entry.S", "user/c/pfentry.S", "user/c/bench.c"]
# The kernel and the user program's text; the BIOS and boot code are left out.
DFILTER = "0x800000..0xbfffff,0xf0100000..0xf0ffffff"

TRACE_RE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
INSN_RE = re.compile(r"^0x([0-9a-f]+):")


class Symbols:
    """Address -> function name, from `nm -n` output of one or more files."""

    def __init__(self, files):
        pairs = []
        for path in files:
            out = subprocess.run(["nm", "-n", "-C", path], capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                parts = line.split(None, 2)
                if len(parts) == 3 and parts[1] in "tTwW":
                    pairs.append((int(parts[0], 16), parts[2]))
        pairs.sort()
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def qemu_log(elf, name, log):
    argv = [os.environ.get("QEMU", "qemu-system-i386"), "-nographic", "-m", "128", "-kernel", "obj/kern/kernel",
            "-serial", "mon:stdio", "-monitor", "none", "-no-reboot", "-smp", "1,sockets=1",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-d", "exec,nochain,in_asm", "-dfilter", DFILTER, "-D", log,
            "-append", "autoexit nocheck run=" + name]
    if elf.startswith("obj/c/") or elf.startswith(OUT):
        argv[-2:-2] = ["-initrd", elf]
    out = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=600).stdout
    return out.decode("utf-8", "replace")


def count(log, syms, start=None, stop=None):
    """Instructions executed per function, from one exec,nochain,in_asm log.
    With `start`/`stop` (substrings of function names), only from the first
    block executed in a `start` function up to the next one in a `stop`
    function."""
    blocks = {}  # block pc -> the functions of its instructions
    per_fn = collections.Counter()
    current = None
    counting = start is None
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("Trace "):
                m = TRACE_RE.match(line)
                if m:
                    fns = blocks.get(int(m.group(1), 16), ())
                    if fns and not counting and start in fns[0]:
                        counting = True
                    elif fns and counting and stop and stop in fns[0]:
                        break
                    if counting:
                        for fn in fns:
                            per_fn[fn] += 1
                current = None
            elif line.startswith("IN:"):
                current = []
            elif current is not None:
                m = INSN_RE.match(line)
                if m:
                    addr = int(m.group(1), 16)
                    if not current:
                        blocks[addr] = current
                    current.append(syms.name(addr))
                elif not line.strip():
                    current = None
    return per_fn


def build(row, rounds):
    os.makedirs(OUT, exist_ok=True)
    elf = os.path.join(OUT, "bench_%s_%d" % (row, rounds))
    subprocess.run(CC + ["-DROUNDS=%d" % rounds, "-DFORK_ROUNDS=%d" % rounds, "-DONLY=\"%s\"" % row, "-o", elf] + SOURCES, check=True)
    return elf


def show(per_fn, scale, top, title):
    total = sum(per_fn.values())
    print("%s: %.0f instructions" % (title, total / scale))
    for fn, n in per_fn.most_common(top):
        if n / scale < 0.5:
            break
        print("  %9.1f  %5.1f%%  %s" % (n / scale, 100.0 * n / total if total else 0, fn))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("row", nargs="?", choices=ROWS)
    ap.add_argument("--rounds", default="20,120", help="the two round counts, A,B (default 20,120)")
    ap.add_argument("--prog", help="profile a whole run of obj/user/PROG instead")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--start", help="with --prog: count from the first block in a function whose name has this")
    ap.add_argument("--stop", help="with --start: ... up to the next block in a function whose name has this")
    args = ap.parse_args()
    os.chdir(ROOT)
    if bool(args.row) == bool(args.prog):
        ap.error("give a ROW or --prog NAME")
    if args.prog:
        elf = os.path.join("obj/user", args.prog)
        log = os.path.join(OUT, args.prog + ".log")
        os.makedirs(OUT, exist_ok=True)
        qemu_log(elf, args.prog, log)
        what = "from %s to %s" % (args.start, args.stop) if args.start else "whole run"
        per_fn = count(log, Symbols(["obj/kern/kernel", elf]), args.start, args.stop)
        show(per_fn, 1, args.top, "%s (%s)" % (args.prog, what))
        return 0
    a, b = (int(x) for x in args.rounds.split(","))
    counts = []
    for rounds in (a, b):
        elf = build(args.row, rounds)
        name = os.path.basename(elf)
        log = elf + ".log"
        out = qemu_log(elf, name, log)
        if "checks passed" not in out:
            print("profile: %s did not pass its checks; output:\n%s" % (name, out[-2000:]), file=sys.stderr)
            return 1
        counts.append(count(log, Symbols(["obj/kern/kernel", elf])))
        os.remove(log)
    diff = collections.Counter({fn: counts[1][fn] - counts[0][fn] for fn in counts[1]})
    diff = collections.Counter({fn: n for fn, n in diff.items() if n > 0})
    show(diff, b - a, args.top, "%s, per call (runs of %d and %d rounds)" % (args.row, a, b))
    return 0


if __name__ == "__main__":
    sys.exit(main())

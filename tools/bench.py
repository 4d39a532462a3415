#!/usr/bin/env python3
"""Run RJOS's benchmark programs and print what they measured.

usage: tools/bench.py [--prog NAME[,NAME...]]... [--cpus N] [--timeout S] [--wall]

Default mode: boots QEMU once per program with `-icount shift=0`, so the
guest's time-stamp counter counts guest instructions and the figures are
the same on every run and every host.  The programs print
`BENCH <name> <number> [unit]` lines.  Prints one table: each operation of
issue 11 with its guest instructions, C JOS's figure (a fixed reference,
measured once with the same C program on MIT's C JOS) and the goal; then
any other BENCH lines.  Writes obj/bench/bench.csv.

--wall: no -icount; runs `benchwall` at 1 and 4 CPUs (unless --cpus is
given) and prints system calls and forks per second of wall time; writes
obj/bench/wall.csv.  These figures depend on the host and its load.

Programs are obj/user/bench* (embedded in the kernel) and the C benchmark
obj/c/bench_c (handed over as a multiboot module).  Full outputs are saved
under obj/bench/.
"""

import argparse
import csv
import glob
import os
import signal
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
KERNEL = "obj/kern/kernel"
USER_DIR = "obj/user"
C_DIR = "obj/c"
OUT_DIR = "obj/bench"

# Issue 11's rows: (operation, program, BENCH name, C JOS, goal).
ROWS = [
    ("null system call, int $0x30 (getenvid)", "bench_c", "getenvid_int30", 404, 300),
    ("null system call, sysenter", "bench_c", "getenvid_sysenter", None, 150),
    ("sys_page_alloc + sys_page_unmap, one address", "bench_c", "page_alloc_unmap", 2187, 1500),
    ("sys_page_map onto itself, RO/RW in turn", "bench_c", "page_map_self", 645, 400),
    ("write fault -> upcall maps -> resume, unmap", "bench_c", "pgfault_upcall", 2742, 2000),
    ("sys_yield, nothing else runnable", "bench_c", "yield_alone", 13740, 800),
    ("sys_yield between two envs", "bench_c", "yield_two_envs", 14092, 1200),
    ("IPC round trip, ipc_try_send / ipc_recv", "bench_c", "ipc_roundtrip_try", 15894, 2000),
    ("IPC round trip, ipc_send_recv both sides (syscall 19)", "benchipc", "ipc_send_recv_roundtrip", None, 2000),
    ("sys_exofork + sys_env_destroy", "bench_c", "exofork_destroy", 28118, 10000),
    ("library fork, 256 touched pages (*)", "benchfork", "fork_256pages", 467548, 90000),
    ("first write to a COW page in the child (*)", "benchfork", "cow_first_write", 4632, 2500),
]

WALL_PROG = "benchwall"
FS_IMG = "obj/fs/fs.img"
# Benchmarks that talk to the file server: they run beside it, on a copy of
# the disk.
FS_PROGS = ("benchfs", "benchspawn", "benchswap", "benchmmap", "benchdemand")
# ...and these need the swap disk as well (docs/swap.md).
SWAP_PROGS = ("benchswap",)


def qemu_argv(prog, cpus, icount):
    argv = [os.environ.get("QEMU", "qemu-system-i386"), "-nographic", "-m", "128", "-kernel", KERNEL,
            "-serial", "mon:stdio", "-monitor", "none", "-no-reboot",
            "-smp", "%d,sockets=%d" % (cpus, cpus), "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if icount:
        argv += ["-icount", "shift=0"]
    module = os.path.join(C_DIR, prog)
    if os.path.exists(module) and not os.path.exists(os.path.join(USER_DIR, prog)):
        argv += ["-initrd", module]
    if prog.startswith(FS_PROGS):
        os.makedirs(OUT_DIR, exist_ok=True)
        disk = os.path.join(OUT_DIR, prog + ".img")
        with open(FS_IMG, "rb") as src, open(disk, "wb") as dst:
            dst.write(src.read())
        argv += ["-drive", "file=%s,index=1,media=disk,format=raw" % disk]
        if prog.startswith(SWAP_PROGS):
            swap = os.path.join(OUT_DIR, prog + ".swap")
            with open(swap, "wb") as f:
                f.truncate(2048 * 4096)
            argv += ["-drive", "file=%s,index=2,media=disk,format=raw" % swap]
        prog = "fs," + prog
    return argv + ["-append", "autoexit run=" + prog]


def program_exists(prog):
    return os.path.exists(os.path.join(USER_DIR, prog)) or os.path.exists(os.path.join(C_DIR, prog))


def run(prog, cpus, timeout, icount=True):
    """Boots one program; returns (its output, a problem or None)."""
    proc = subprocess.Popen(qemu_argv(prog, cpus, icount), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return out.decode("utf-8", "replace"), "no exit within %gs" % timeout
    output = out.decode("utf-8", "replace").replace("\r", "")
    # isa-debug-exit: status 1 is the kernel's clean exit (code 0).
    return output, None if proc.returncode == 1 else "QEMU exit status %d" % proc.returncode


def bench_lines(output):
    """{name: number} from the `BENCH name number [unit]` lines."""
    found = {}
    for line in output.split("\n"):
        words = line.split()
        if len(words) >= 3 and words[0] == "BENCH" and words[2].isdigit():
            found[words[1]] = int(words[2])
    return found


def run_all(progs, cpus, timeout, icount, tag=""):
    """Runs each program; returns ({prog: {name: number}}, failures)."""
    results, failed = {}, 0
    os.makedirs(OUT_DIR, exist_ok=True)
    for prog in progs:
        if not program_exists(prog):
            print("bench: %s: not built (%s/%s, %s/%s)" % (prog, USER_DIR, prog, C_DIR, prog), file=sys.stderr)
            failed += 1
            continue
        output, problem = run(prog, cpus, timeout, icount)
        saved = os.path.join(OUT_DIR, prog + tag + ".out")
        with open(saved, "w") as f:
            f.write(output)
        results[prog] = bench_lines(output)
        if "kernel panic" in output:
            problem = "kernel panic"
        elif "FAIL" in output:
            problem = "a self-check failed"
        if problem or not results[prog]:
            print("bench: %s: %s (output in %s)" % (prog, problem or "printed no BENCH line", saved), file=sys.stderr)
            failed += 1
    return results, failed


def fmt(n):
    return "-" if n is None else "{:,}".format(n)


def print_table(results):
    rows = []
    for op, prog, name, cjos, goal in ROWS:
        if prog not in results:
            continue
        got = results[prog].get(name)
        rows.append((op, prog, name, got, cjos, goal))
    if rows:
        width = max(len(r[0]) for r in rows)
        print("%-*s  %10s  %10s  %10s  %s" % (width, "operation (per call)", "RJOS", "C JOS", "goal", "met"))
        for op, _, _, got, cjos, goal in rows:
            met = "-" if got is None else ("yes" if got <= goal else "no")
            print("%-*s  %10s  %10s  %10s  %s" % (width, op, fmt(got), fmt(cjos), fmt(goal), met))
        print("(guest instructions under -icount shift=0; (*) timed by RJOS's own library fork)")
    listed = {(prog, name) for _, prog, name, _, _ in ROWS}
    others = [(prog, name, n) for prog, found in sorted(results.items()) for name, n in sorted(found.items())
              if (prog, name) not in listed]
    if others:
        print("other figures:")
        for prog, name, n in others:
            print("  %-12s %-22s %10s" % (prog, name, fmt(n)))
    with open(os.path.join(OUT_DIR, "bench.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["operation", "program", "name", "guest_instructions", "c_jos", "goal"])
        for op, prog, name, got, cjos, goal in rows:
            w.writerow([op, prog, name, "" if got is None else got, "" if cjos is None else cjos, goal])
        for prog, name, n in others:
            w.writerow(["", prog, name, n, "", ""])
    print("wrote %s" % os.path.join(OUT_DIR, "bench.csv"))


def wall(cpu_counts, timeout):
    rows, failed = [], 0
    for cpus in cpu_counts:
        results, bad = run_all([WALL_PROG], cpus, timeout, icount=False, tag="-wall-%dcpu" % cpus)
        failed += bad
        found = results.get(WALL_PROG, {})
        rows.append((cpus, found.get("syscalls_per_s"), found.get("forks_per_s")))
    print("%5s  %14s  %10s" % ("CPUs", "syscalls/s", "forks/s"))
    for cpus, calls, forks in rows:
        print("%5d  %14s  %10s" % (cpus, fmt(calls), fmt(forks)))
    print("(wall clock, no -icount: depends on the host and its load)")
    with open(os.path.join(OUT_DIR, "wall.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cpus", "syscalls_per_s", "forks_per_s"])
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    print("wrote %s" % os.path.join(OUT_DIR, "wall.csv"))
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prog", action="append", default=[], help="program(s) to run, comma-separated")
    ap.add_argument("--cpus", type=int, default=None, help="QEMU CPUs (default 1; --wall: 1 and 4)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per program (times $GRADE_TIMEOUT_SCALE)")
    ap.add_argument("--wall", action="store_true", help="wall-clock throughput instead of instruction counts")
    args = ap.parse_args()
    os.chdir(ROOT)
    timeout = args.timeout * float(os.environ.get("GRADE_TIMEOUT_SCALE", "1"))

    if args.wall:
        return 1 if wall([args.cpus] if args.cpus else [1, 4], timeout) else 0

    progs = [p for arg in args.prog for p in arg.split(",") if p]
    if not progs:
        progs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(USER_DIR, "bench*"))
                       if os.path.basename(p) != WALL_PROG)
        progs = (["bench_c"] if program_exists("bench_c") else []) + progs
        if not progs:
            print("bench: no benchmark programs (obj/c/bench_c, obj/user/bench*) are built yet: nothing to run")
            return 1
    results, failed = run_all(progs, max(1, args.cpus or 1), timeout, icount=True)
    print_table(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

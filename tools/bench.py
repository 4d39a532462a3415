#!/usr/bin/env python3
"""Run RJOS's benchmark programs and print what they measured.

usage: tools/bench.py [--prog NAME[,NAME...]]... [--cpus N] [--timeout S]

Boots QEMU once per program with `-icount shift=0`, so the guest's time stamp
counter counts guest instructions and the figures are the same on every run
and every host.  Prints each output line that starts with `BENCH ` (the
programs print `BENCH <name> <number> <unit>`).  Without --prog it runs every
obj/user/bench* program.  Full outputs are saved under obj/bench/.
"""

import argparse
import glob
import os
import signal
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
KERNEL = "obj/kern/kernel"
USER_DIR = "obj/user"
OUT_DIR = "obj/bench"
FS_IMG = "obj/fs/fs.img"
# Other programs that need the file server (run as `fs,PROG`, on a copy of the disk).
NEEDS_FS = {"benchspawn"}


def qemu_argv(prog, cpus):
    argv = [os.environ.get("QEMU", "qemu-system-i386"), "-nographic", "-m", "128", "-kernel", KERNEL,
            "-serial", "mon:stdio", "-monitor", "none", "-no-reboot", "-icount", "shift=0",
            "-smp", "%d,sockets=%d" % (cpus, cpus), "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if prog.startswith("benchfs") or prog in NEEDS_FS:
        # File-system benchmarks talk to the FS env, on a copy of the disk.
        disk = os.path.join(OUT_DIR, prog + ".img")
        with open(FS_IMG, "rb") as src, open(disk, "wb") as dst:
            dst.write(src.read())
        argv += ["-drive", "file=%s,index=1,media=disk,format=raw" % disk]
        prog = "fs," + prog
    return argv + ["-append", "autoexit run=" + prog]


def run(prog, cpus, timeout):
    """Boots one program; returns (its output, a problem or None)."""
    proc = subprocess.Popen(qemu_argv(prog, cpus), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prog", action="append", default=[], help="program(s) to run, comma-separated")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60, help="seconds per program (times $GRADE_TIMEOUT_SCALE)")
    args = ap.parse_args()
    os.chdir(ROOT)

    progs = [p for arg in args.prog for p in arg.split(",") if p]
    if not progs:
        progs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(USER_DIR, "bench*")))
        if not progs:
            print("bench: no benchmark programs (obj/user/bench*) are built yet: nothing to run")
            return 0
    timeout = args.timeout * float(os.environ.get("GRADE_TIMEOUT_SCALE", "1"))
    os.makedirs(OUT_DIR, exist_ok=True)  # before qemu_argv, which may copy a disk there
    failed = 0
    for prog in progs:
        if not os.path.exists(os.path.join(USER_DIR, prog)):
            print("bench: %s: %s/%s does not exist" % (prog, USER_DIR, prog), file=sys.stderr)
            failed += 1
            continue
        output, problem = run(prog, max(1, args.cpus), timeout)
        saved = os.path.join(OUT_DIR, prog + ".out")
        with open(saved, "w") as f:
            f.write(output)
        results = [line for line in output.split("\n") if line.startswith("BENCH ")]
        for line in results:
            print(line)
        if "kernel panic" in output:
            problem = "kernel panic"
        if problem or not results:
            print("bench: %s: %s (output in %s)" % (prog, problem or "printed no BENCH line", saved), file=sys.stderr)
            failed += 1
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Tests the debugging workflow of `make qemu-nox-gdb` + `make gdb`.

Starts QEMU stopped and waiting for gdb on a free port, attaches gdb with the
generated .gdbinit (as `make gdb` does), breaks in test_backtrace, and checks
that gdb shows the source line and the argument. Prints one line,
`gdb: OK (...)` or `gdb: FAIL ...`, and exits non-zero on failure. Without
gdb it fails under CI=true and otherwise skips loudly (tools/testskip.py).
"""
import os
import re
import socket
import subprocess
import sys
import time

import testskip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    os.chdir(ROOT)
    status = testskip.check_tools("gdb", ["gdb"])
    if status is not None:
        return status
    port = free_port()
    with open(".gdbinit.tmpl") as f:
        script = f.read().replace("localhost:1234", "localhost:%d" % port)
    os.makedirs("obj", exist_ok=True)
    with open("obj/test.gdbinit", "w") as f:
        f.write(script)
    qemu = subprocess.Popen(
        ["qemu-system-i386", "-nographic", "-m", "128", "-kernel", "obj/kern/kernel",
         "-serial", "mon:stdio", "-monitor", "none", "-no-reboot", "-S", "-gdb", "tcp::%d" % port,
         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-append", "autoexit"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    try:
        time.sleep(0.5)
        gdb = subprocess.run(
            ["gdb", "-n", "-batch", "-x", "obj/test.gdbinit",
             "-ex", "break kern::init::test_backtrace", "-ex", "continue",
             "-ex", "info args", "-ex", "kill"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        out = gdb.stdout + gdb.stderr
    except subprocess.TimeoutExpired:
        out = "(gdb timed out)"
    finally:
        qemu.kill()
        qemu.wait()
    want = [r"Breakpoint 1, kern::init::test_backtrace \(x=5\) at kern/src/\w+\.rs:\d+", r"^x = 5$"]
    missing = [w for w in want if not re.search(w, out, re.M)]
    seconds = time.monotonic() - start
    if missing:
        with open("obj/test-gdb.out", "w") as f:
            f.write(out)
        print("gdb: FAIL (%.1fs)" % seconds)
        for m in missing:
            print("    missing: " + m)
        print("    output saved to obj/test-gdb.out")
        return 1
    print("gdb: OK (%.1fs)" % seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Boots the kernel through GRUB 2, as a student's real machine would.

Builds obj/grub/rjos.iso with grub-mkrescue (the kernel, plus the C program as
a multiboot module), boots it in QEMU from CD-ROM with the grub menu on the
serial line, and checks that the kernel comes up, runs `hello` and the module,
and gives every page back. Prints `grub: OK (...)` or `grub: FAIL ...`.
Without grub-mkrescue or xorriso it fails under CI=true and otherwise skips
loudly (tools/testskip.py).
"""
import os
import re
import shutil
import subprocess
import sys
import time

import testskip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRUB_CFG = """set default=0
set timeout=0
serial --unit=0 --speed=9600
terminal_input serial
terminal_output serial
menuentry "RJOS" {
  multiboot /boot/kernel autoexit run=hello,hello_c
  module /boot/hello_c hello_c
}
"""
EXPECT = [r"6828 decimal is 15254 octal!", r"check_page_installed_pgdir\(\) succeeded!",
          r"hello, world", r"hello from C, i am environment 0000100.",
          r"Free pages: (\d+) \(\1 before the first env\)", r"No runnable environments in the system!"]


def main() -> int:
    os.chdir(ROOT)
    status = testskip.check_tools("grub", ["grub-mkrescue", "xorriso"])
    if status is not None:
        return status
    tree = "obj/grub/iso"
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree + "/boot/grub")
    shutil.copy("obj/kern/kernel", tree + "/boot/kernel")
    shutil.copy("obj/c/hello_c", tree + "/boot/hello_c")
    with open(tree + "/boot/grub/grub.cfg", "w") as f:
        f.write(GRUB_CFG)
    start = time.monotonic()
    mk = subprocess.run(["grub-mkrescue", "-o", "obj/grub/rjos.iso", tree], capture_output=True, text=True)
    if mk.returncode != 0:
        print("grub: FAIL (grub-mkrescue: %s)" % mk.stderr.strip().splitlines()[-1:])
        return 1
    try:
        run = subprocess.run(
            ["qemu-system-i386", "-nographic", "-m", "128", "-cdrom", "obj/grub/rjos.iso",
             "-serial", "mon:stdio", "-monitor", "none", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=60 * float(os.environ.get("GRADE_TIMEOUT_SCALE", "1")))
        out, status = run.stdout.decode("utf-8", "replace"), run.returncode
    except subprocess.TimeoutExpired as e:
        out, status = (e.stdout or b"").decode("utf-8", "replace"), None
    with open("obj/grub/boot.out", "w") as f:
        f.write(out)
    problems = ["missing: " + p for p in EXPECT if not re.search(p, out)]
    if status != 1:
        problems.append("QEMU ended with status %s, want 1 (the kernel's clean exit)" % status)
    seconds = time.monotonic() - start
    print("grub: %s (%.1fs)" % ("FAIL" if problems else "OK", seconds))
    for p in problems:
        print("    " + p)
    if problems:
        print("    output saved to obj/grub/boot.out")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

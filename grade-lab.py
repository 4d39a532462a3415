#!/usr/bin/env python3
"""Grade RJOS the way JOS's `make grade` did: boot QEMU, read the serial
console, match lines.

usage: grade-lab.py [--lab N] [--cpus N] [-j N] [--no-build] [--selftest]

Each test boots the kernel with `autoexit run=PROG` on its command line; the
kernel ends QEMU itself (isa-debug-exit) when nothing is left to run or the
monitor is reached, so a test takes as long as the kernel needs.  The timeout
(JOS's: 30 s, primes 60 s, times $GRADE_TIMEOUT_SCALE) is only a safety net.
Tests whose QEMU command lines are identical share one boot (all of labs 1
and 2 are one boot, as in JOS).

Patterns are Python regular expressions matched at the start of an output
line (`.` stands for the `[` and `]` around env ids); docs/testing.md says what
each test checks and why.
Every test is worth 1 point.  Full outputs are saved under obj/grade/.
"""

import argparse
import concurrent.futures
import importlib.util
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.abspath(__file__))
KERNEL = "obj/kern/kernel"
USER_DIR = "obj/user"
FS_DIR = "obj/fs"
FS_IMG = "obj/fs/fs.img"
FSCK = "obj/tools/fsck"
FSFORMAT = "obj/tools/fsformat"
# The text files a fresh lab-5 disk made by the grader holds (the FS
# self-test reads /newmotd).
FS_TEXT_FILES = ["fs/motd", "fs/newmotd"]
GRADE_DIR = "obj/grade"
BADELF_DIR = "obj/badelf"
QEMU = os.environ.get("QEMU", "qemu-system-i386")

NO_RUNNABLE = "No runnable environments in the system!"
PANIC = "kernel panic"

# A checker looks at the output lines and returns what is wrong with them.
Checker = Callable[[List[str]], List[str]]


@dataclass
class Test:
    lab: int
    name: str
    expect: List[str] = field(default_factory=list)  # must appear
    forbid: List[str] = field(default_factory=list)  # must not appear
    prog: Optional[str] = None  # user program to run (labs 3-4)
    cpus: int = 1
    timeout: float = 30
    initrd: Optional[str] = None  # foreign ELF files handed over as modules (comma-separated)
    checks: List[Checker] = field(default_factory=list)
    typed: List[str] = field(default_factory=list)  # lines typed on the serial line, one per `K> ` or `$ ` prompt
    keys: List[str] = field(default_factory=list)  # lines typed on the PS/2 keyboard, one per prompt
    kargs: str = ""  # more kernel command-line words
    panics: bool = False  # the test expects a kernel panic (and its exit code 1)
    # Lab 5: the disk. "fs.img" boots on a copy of obj/fs/fs.img; a number N
    # on a fresh N-block image holding FS_TEXT_FILES. fsck checks it after.
    disk: Optional[object] = None
    swap: int = 0  # pages of swap disk (QEMU index=2, a fresh zeroed file) for the FS env's swap store
    until: Optional[str] = None  # the run ends (cleanly) once the output contains this text
    mem: int = 128  # QEMU's -m
    # Run the CPUs in lockstep under -icount (one QEMU thread, round robin;
    # sleep=off: idle time jumps to the next timer instead of waiting),
    # for tests whose pass line depends on every CPU getting time: with one
    # host thread per CPU, a loaded host can starve a guest CPU for longer
    # than the whole test, and no kernel can be fair to a CPU that is not
    # running.
    lockstep: bool = False

    def disk_file(self) -> str:
        return os.path.join(GRADE_DIR, re.sub(r"[^A-Za-z0-9_.-]", "-", self.name) + ".img")

    def swap_file(self) -> str:
        return os.path.join(GRADE_DIR, re.sub(r"[^A-Za-z0-9_.-]", "-", self.name) + ".swap")

    def append(self) -> str:
        """The kernel command line. A test that types at the monitor must not autoexit."""
        words = ([] if self.typed or self.keys else ["autoexit"]) + self.kargs.split()
        # The lab-2 self-checks are graded by the lab-2 tests; every later
        # boot skips them (about 0.1 s each, a tenth of `make grade`).
        if self.lab >= 3:
            words.append("nocheck")
        return " ".join(words + (["run=" + self.prog] if self.prog else [])) or "rjos"

    def out_file(self) -> str:
        return os.path.join(GRADE_DIR, re.sub(r"[^A-Za-z0-9_.-]", "-", self.name) + ".out")


# --- matching -------------------------------------------------------------


def output_lines(output: str) -> List[str]:
    """Splits console output into lines; the firmware ends its lines with CR LF."""
    return output.replace("\r", "").split("\n")


def first_match(pattern: str, lines: List[str]) -> Optional[str]:
    rx = re.compile(pattern)
    return next((line for line in lines if rx.match(line)), None)


def check_patterns(test: Test, lines: List[str]) -> List[str]:
    problems = []
    for pattern in test.expect:
        if first_match(pattern, lines) is None:
            problems.append("missing: " + pattern)
    for pattern in test.forbid + ([] if test.panics else [PANIC]):
        line = first_match(pattern, lines)
        if line is not None:
            problems.append("forbidden: %s  (line: %s)" % (pattern, line.strip()))
    return problems


def check_exit(status: Optional[int], timeout: float, code: int = 0) -> List[str]:
    """isa-debug-exit ends QEMU with status (code << 1) | 1: a clean exit is 1,
    a panic's exit is 3."""
    if status is None:
        return ["the kernel did not end QEMU within %gs (killed)" % timeout]
    if status == (code << 1) | 1:
        return []
    if status % 2 == 1:
        return ["the kernel ended QEMU with code %d (not a clean exit)" % (status >> 1)]
    return ["QEMU exited with status %d without the kernel's exit (triple fault?)" % status]


FREE_PAGES_RE = re.compile(r"^Free pages: ([0-9]+) \(([0-9]+) before the first env\)")


def check_no_leak(lines: List[str]) -> List[str]:
    """The kernel prints `Free pages: A (B before the first env)` just before
    `No runnable environments in the system!`; every page must be back."""
    end = next((i for i, line in enumerate(lines) if line.startswith(NO_RUNNABLE)), None)
    if end is None:
        return []  # check_patterns already reports the missing line
    counts = [m for m in map(FREE_PAGES_RE.match, lines[:end]) if m]
    if not counts:
        return ["leak check: no 'Free pages: A (B before the first env)' line before '%s'" % NO_RUNNABLE]
    now, before = (int(n) for n in counts[-1].groups())
    if now != before:
        return ["leak check: %d pages free at the end but %d before the first env (%+d)" % (now, before, now - before)]
    return []


def evaluate(test: Test, output: str, status: Optional[int]) -> List[str]:
    """Everything wrong with one test's run; an empty list means it passed."""
    lines = output_lines(output)
    problems = check_patterns(test, lines)
    for check in test.checks:
        problems += check(lines)
    return problems + check_exit(status, test.timeout, 1 if test.panics else 0)


# --- lab 1: the backtrace -------------------------------------------------

# The kernel is bigger than JOS's, so eip may be anywhere in f01xxxxx; the
# frames are on CPU 0's kernel stack just below KSTACKTOP (efff8000-effff000).
BACKTRACE_RE = re.compile(r"^  ebp efff[89a-f][0-9a-f]{3}  eip f01[0-9a-f]{5}  args ([0-9a-f]{8})(?: [0-9a-f]{8}){4}")
SYMBOL_RE = re.compile(r"^ *kern/src/init.rs:[0-9]+: +([^+]*)\+")
ENTRY_FRAME_RE = r" *boot/entry.S:[1-9][0-9]*: +relocated\+[0-9]+$"


def backtrace_args(lines: List[str]) -> List[str]:
    return [m.group(1) for m in map(BACKTRACE_RE.match, lines) if m]


def check_backtrace_count(lines: List[str]) -> List[str]:
    n = len(backtrace_args(lines))
    return [] if n == 8 else ["expected 8 backtrace frames (`  ebp efff....  eip f01.....  args ...`), found %d" % n]


def check_backtrace_args(lines: List[str]) -> List[str]:
    # The backtrace command's own frame (argc 0), then test_backtrace(0..5).
    want = ["%08x" % n for n in [0, 0, 1, 2, 3, 4, 5]]
    got = backtrace_args(lines)[:7]
    return [] if got == want else ["first arguments of frames 1-7: want %s, got %s" % (" ".join(want), " ".join(got) or "none")]


def check_backtrace_symbols(lines: List[str]) -> List[str]:
    want = ["test_backtrace"] * 6 + ["i386_init"]
    got = [m.group(1).strip() for m in map(SYMBOL_RE.match, lines) if m][:7]
    problems = [] if got == want else ["kern/src/init.rs symbols: want %s, got %s" % (" ".join(want), " ".join(got) or "none")]
    # The last frame is the entry code's call of i386_init: its file and line.
    if first_match(ENTRY_FRAME_RE, lines) is None:
        problems.append("missing: " + ENTRY_FRAME_RE + " (the entry code's frame)")
    return problems


# --- the tests ------------------------------------------------------------


def user_fault(va: str) -> str:
    return ".00001000. user fault va %s ip 008....." % va


def mem_check(va: str) -> str:
    return ".00001000. user_mem_check assertion failure for va " + va


def destroyed_for(va: str) -> List[str]:
    """A program the kernel must destroy for a bad pointer, naming byte `va`;
    the run then ends, so the leak check applies."""
    return [mem_check(va), ".00001000. free env 00001000", NO_RUNNABLE]


def check_cputswrap(lines: List[str]) -> List[str]:
    """The kernel must name the first byte the program may not read, which
    the program computed from its own page table and printed."""
    told = [m.group(1) for m in map(re.compile(r"^cputswrap: first bad va ([0-9a-f]{8})").match, lines) if m]
    got = [m.group(1) for m in map(re.compile(r"^.00001000. user_mem_check assertion failure for va ([0-9a-f]{8})").match, lines) if m]
    if len(told) != 1 or len(got) != 1:
        return ["cputswrap: want one 'first bad va' line and one user_mem_check line, got %d and %d" % (len(told), len(got))]
    return [] if told == got else ["cputswrap: the kernel named va %s, the first bad byte is %s" % (got[0], told[0])]


def badcalls_test() -> Test:
    """Every system call with bad arguments: only failures print."""
    return Test(3, "badcalls", expect=["badcalls: 459 checks passed", NO_RUNNABLE],
                forbid=["badcalls: .*: got ", "badcalls: .*changed something", "badcalls: .*FAILED"])


def bad_pointer_tests() -> List[Test]:
    """Calls with a pointer the kernel must not follow: the env is destroyed."""
    return [
        Test(3, "cputskernel", expect=destroyed_for("f0100000"), forbid=["cputskernel: still alive"]),
        Test(3, "cputsunmapped", expect=destroyed_for("10000000"), forbid=["cputsunmapped: still alive"]),
        Test(3, "cputswrap", expect=destroyed_for("008.....") + ["cputswrap: first bad va 008....."],
             forbid=["cputswrap: still alive"], checks=[check_cputswrap]),
        Test(3, "cputsedge", expect=destroyed_for("eebfe000"), forbid=["cputsedge: still alive"]),
        Test(3, "settfbad", expect=destroyed_for("eebfe000"), forbid=["settfbad: still alive"]),
        Test(3, "sysenterbad", expect=destroyed_for("deadbeef"),
             forbid=["sysenterbad: still alive", "sysenterbad: this CPU has no sysenter"]),
        Test(3, "sysenternt", expect=["sysenternt: the kernel survived NT", NO_RUNNABLE],
             forbid=["sysenternt: this CPU has no sysenter"]),
    ]


def load_mkbadelf():
    spec = importlib.util.spec_from_file_location("mkbadelf", os.path.join(ROOT, "tools", "mkbadelf.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def badelf_test() -> Test:
    """Every hostile ELF file from tools/mkbadelf.py as a module, then hello:
    one refusal per file, hello still runs, no page lost (hugemem runs out
    of memory half-way through loading)."""
    bad = load_mkbadelf().BAD
    expect = [r"\[00000000\] cannot load '%s': %s$" % (name, re.escape(why)) for name, (_, why) in bad.items()]
    expect += ["hello, world", NO_RUNNABLE]
    return Test(3, "badelf", prog=",".join(list(bad) + ["hello"]), expect=expect,
                initrd=",".join(os.path.join(BADELF_DIR, name) for name in bad))


def any_mem_check(va: str) -> str:
    return ".[0-9a-f]{8}. user_mem_check assertion failure for va " + va


def lab1_2_tests() -> List[Test]:
    tests = [
        Test(1, "printf", expect=["6828 decimal is 15254 octal!"]),
        Test(1, "backtrace count", checks=[check_backtrace_count]),
        Test(1, "backtrace arguments", checks=[check_backtrace_args]),
        Test(1, "backtrace symbols", checks=[check_backtrace_symbols]),
        monitor_test(),
        console_devices_test(),
    ]
    for check in ["check_page_free_list", "check_page_alloc", "check_page", "check_kern_pgdir", "check_page_installed_pgdir"]:
        tests.append(Test(2, check, expect=[r"%s\(\) succeeded!" % check]))
    return tests


def console_devices_test() -> Test:
    """Types on the PS/2 keyboard (QEMU sendkey) and reads the CGA screen
    back from video memory: input from the keyboard, output on the screen."""
    return Test(1, "keyboard and CGA screen", keys=["kerninfo", "quit"],
                expect=["K> kerninfo", "Special kernel symbols:",
                        r"screen\| K> kerninfo$", r"screen\| Special kernel symbols:$",
                        r"screen\| Kernel executable memory footprint: [0-9]+KB$", r"screen\| K>$"])


def monitor_test() -> Test:
    """Types commands at the monitor, good and bad, and ends with `quit`."""
    typed = ["help", "kerninfo", "backtrace", "showmappings 0xef000000 0xef000fff",
             "setperm 0xef000000 +W", "showmappings 0xef000000 0xef000000",
             "dumpmem -p 0x100000 4", "dumpmem 0x0 4", "frobnicate", "showmappings", "setperm 0x0 +W",
             "continue", "quit"]
    expect = ["help - Display this list of commands", "quit - ",
              "Special kernel symbols:", "Kernel executable memory footprint: [0-9]+KB",
              "  ebp efff[0-9a-f]{4}  eip f01[0-9a-f]{5}  args",
              "  ef000000-ef000fff  page -> pa [0-9a-f]{8}  ------U-P",
              "ef000000: ------U-P -> ------UWP",
              "  ef000000-ef000fff  page -> pa [0-9a-f]{8}  ------UWP",
              "00100000: 02 b0 ad 1b",  # the multiboot magic, first word of the image
              "00000000-00000003: unmapped", "Unknown command 'frobnicate'",
              "usage: showmappings START END", "00000000 is not mapped",
              "No environment to continue."]
    return Test(1, "monitor commands", expect=expect, typed=typed)


def kernel_fault_test() -> Test:
    """A page fault in the kernel panics naming the address, dumps the trap
    frame and backtraces (the `kfault` command-line word reads va 0)."""
    return Test(3, "kernel page fault", kargs="kfault", panics=True,
                expect=["kfault: reading va 0 in the kernel", "  trap 0x0000000e Page Fault", "  cr2  0x00000000",
                        r"  err  0x00000000 \[kernel, read, not-present\]",
                        "kernel panic at kern/src/trap.rs:[0-9]+: kernel page fault at va 00000000, eip f01[0-9a-f]{5}",
                        "Stack backtrace:", r" *kern/src/trap.rs:[0-9]+: +trap\+"],
                forbid=["kfault: read .*: the kernel did not fault"])


def lab3_tests() -> List[Test]:
    t = [
        Test(3, "hello", expect=[".00000000. new env 00001000", "hello, world", "i am environment 00001000",
                                 ".00001000. exiting gracefully", ".00001000. free env 00001000", NO_RUNNABLE]),
        Test(3, "divzero", expect=["TRAP frame at 0xf....... from CPU .", "  trap 0x00000000 Divide error",
                                   "  eip  0x008.....", "  ss   0x----0023", ".00001000. free env 00001000"],
             forbid=["1/0 is ........!"]),
        Test(3, "softint", expect=["  trap 0x0000000d General Protection"]),
        Test(3, "badsegment", expect=["  trap 0x0000000d General Protection", "  err  0x00000028"]),
        Test(3, "faultread", expect=[user_fault("00000000"), "  trap 0x0000000e Page Fault", "  err  0x00000004.*"],
             forbid=["I read ........ from location 0!"]),
        Test(3, "faultreadkernel", expect=[user_fault("f0100000"), "  err  0x00000005.*"],
             forbid=["I read ........ from location 0xf0100000!"]),
        Test(3, "faultwrite", expect=[user_fault("00000000"), "  err  0x00000006.*"]),
        Test(3, "faultwritekernel", expect=[user_fault("f0100000"), "  err  0x00000007.*"]),
        Test(3, "breakpoint", expect=["Welcome to the JOS kernel monitor!", "  trap 0x00000003 Breakpoint"],
             forbid=[".00001000. free env 00001000"]),
        Test(3, "testbss", expect=["Making sure bss works right...", "Yes, good.  Now doing a wild write off the end...",
                                   user_fault("00c.....")]),
        Test(3, "buggyhello", expect=[mem_check("00000001"), ".00001000. free env 00001000"]),
        Test(3, "buggyhello2", expect=[mem_check("0....000")], forbid=["hello, world"]),
        Test(3, "evilhello", expect=[mem_check("f0100...")]),
    ]
    t += [badcalls_test()] + bad_pointer_tests()
    for test in t:
        test.prog = test.name
    t.append(breakpoint_monitor_test())
    t.append(kernel_fault_test())
    t.append(badelf_test())
    t += c_program_tests()
    return t


def c_program_tests() -> List[Test]:
    """A program written in C against the ABI, loaded as a multiboot module.
    Always declared: if the C build is broken, the tests fail naming the
    missing file rather than disappearing."""
    c_hello = ["hello from C, i am environment 00001000", ".00001000. exiting gracefully",
               ".00001000. free env 00001000", NO_RUNNABLE]
    return [
        Test(3, "hello_c", prog="hello_c", initrd="obj/c/hello_c", expect=c_hello),
        # `make run-elf-nox ELF=obj/c/hello`: the module is named like the
        # embedded Rust hello; the file the user named must be what runs.
        Test(3, "run-elf hello", prog="hello", initrd="obj/c/hello", expect=c_hello,
             forbid=["hello, world", "i am environment"]),
    ]


def breakpoint_monitor_test() -> Test:
    """Stops at breakpoint's int3, lists envs, single-steps, continues."""
    return Test(3, "breakpoint stepi/continue", prog="breakpoint",
                typed=["envs", "stepi", "continue", "run hello", "quit"],
                expect=["  trap 0x00000003 Breakpoint",
                        "00001000 00000000 running ",
                        "  trap 0x00000001 Debug",
                        ".00001000. exiting gracefully",
                        ".00001000. free env 00001000",
                        "i am environment 00002000",
                        NO_RUNNABLE])


def lab4_tests() -> List[Test]:
    def env(n: int) -> str:
        return "%08x" % (0x1000 + n - 1)

    t = [
        Test(4, "dumbfork", expect=["0: I am the parent.", "9: I am the parent.", "0: I am the child.",
                                    "9: I am the child.", "19: I am the child."]
             + [".%s. %s" % (e, what) for e in (env(1), env(2)) for what in ("exiting gracefully", "free env " + e)]),
        Test(4, "lab4-faultread", prog="faultread", expect=["TRAP frame at 0xf....... from CPU .", "  err  0x00000004.*"]),
        Test(4, "lab4-faultwrite", prog="faultwrite", expect=["TRAP frame at 0xf....... from CPU .", "  err  0x00000006.*"]),
        Test(4, "faultdie", expect=["i faulted at va deadbeef, err 6"]),
        Test(4, "faultregs", expect=["Registers in UTrapframe OK", "Registers after page-fault OK"],
             forbid=["Registers in UTrapframe MISMATCH", "Registers after page-fault MISMATCH"]),
        Test(4, "faultalloc", expect=["fault deadbeef", "this string was faulted in at deadbeef", "fault cafebffe",
                                      "fault cafec000", "this string was faulted in at cafebffe"]),
        Test(4, "faultallocbad", expect=[mem_check("deadbeef")]),
        Test(4, "faultnostack", expect=[mem_check("eebfff..")]),
        Test(4, "faultbadhandler", expect=[mem_check("(deadb|eebfe)...")]),
        Test(4, "faultevilhandler", expect=[mem_check("(f0100|eebfe)...")]),
        Test(4, "forktree", expect=["....: I am .%s." % who for who in ("0", "1", "000", "100", "110", "111", "011", "001")]
             + [".00001000. exiting gracefully", ".00001001. exiting gracefully",
                ".0000200.. exiting gracefully", ".0000200.. free env 0000200."]),
        Test(4, "spin", expect=["I am the parent.  Forking the child...", "I am the parent.  Running the child...",
                                "I am the child.  Spinning...", "I am the parent.  Killing the child...",
                                ".00001000. destroying 00001001", ".00001000. free env 00001001"]),
        # Every CPU must run one of them: lockstep, so that each CPU gets
        # time however loaded the host is (see `Test.lockstep`).
        Test(4, "stresssched", cpus=4, expect=[".000010... stresssched on CPU %d" % c for c in range(4)],
             forbid=[".*ran on two CPUs at once"], lockstep=True),
        Test(4, "sendpage", cpus=2, expect=["1000 got message: hello child environment! how are you?",
                                            "child received correct message",
                                            "1001 got message: hello parent environment! I'm good",
                                            "parent received correct message"]),
        Test(4, "pingpong", cpus=4, expect=["send 0 from 1000 to 1001", "1001 got 0 from 1000", "1000 got 1 from 1001",
                                            "1001 got 8 from 1000", "1000 got 9 from 1001", "1001 got 10 from 1000"]),
        Test(4, "primes", cpus=4, timeout=60,
             expect=["CPU .: %d .%s. new env %s" % (p, env(n), env(n + 1))
                     for p, n in ((2, 2), (3, 3), (5, 4), (7, 5), (11, 6), (1877, 0x121))]),
        # Ungraded in JOS, deterministic here.
        Test(4, "yield", expect=["Hello, I am environment 00001000.", "Back in environment 00001000, iteration 4.",
                                 "All done in environment 00001000.", NO_RUNNABLE]),
        Test(4, "pingpongs", expect=["i am 00001000; thisenv is 00001000", "send 0 from 1000 to 1001"]
             + [r"%x got %d from %x \(thisenv is %08x\)" % (to, n, frm, 0x1000 + to % 0x1000)
                for n, to, frm in ((0, 0x1001, 0x1000), (1, 0x1000, 0x1001), (9, 0x1000, 0x1001), (10, 0x1001, 0x1000))]
             + [NO_RUNNABLE]),
        # A faulting env is destroyed, and only it: yield runs on to the end.
        Test(4, "fault isolation", prog="faultread,yield",
             expect=[".00001000. user fault va 00000000 ip 008.....", ".00001000. free env 00001000",
                     "Back in environment 00001001, iteration 4.", "All done in environment 00001001.", NO_RUNNABLE]),
        # Running out must be a clean error, and every page must come back.
        Test(4, "forkbomb", expect=["forkbomb: fork failed with <out of environments> after 1023 children",
                                    "forkbomb: destroyed 1023 children", NO_RUNNABLE]),
        # A child writing on CPU 1 must not reach a frame its parent took away
        # from it and got back from the allocator (stale TLB entries).
        Test(4, "tlbstale", cpus=2, expect=["tlbstale: no stale writes seen", NO_RUNNABLE],
             forbid=["tlbstale: STALE WRITE"]),
        # Both senders block in ipc_send; each must get its share.
        Test(4, "fairness", expect=["fairness: each sender got at least 50 of 200", NO_RUNNABLE],
             forbid=["fairness: UNFAIR"], lockstep=True),
        # idle yields until the others are done: yielding must let them finish.
        Test(4, "idle", prog="idle,hello,yield",
             expect=["hello, world", "All done in environment 00001002.",
                     "idle: every other env finished after [0-9]+ yields", NO_RUNNABLE],
             forbid=["idle: other envs still alive"]),
        Test(4, "membomb", expect=["membomb: page_alloc failed with out of memory after [0-9]+ pages",
                                   "membomb: exofork failed with out of memory after [0-9]+ more envs", NO_RUNNABLE]),
    ]
    for test in t:
        test.prog = test.prog or test.name
    return t


def fuzz_tests() -> List[Test]:
    """Randomized hostile programs (lab 4: they fork). Fixed seeds; at 2 CPUs
    the interleaving, and so the exact calls, vary from run to run."""
    fuzz_expect = ["syscallfuzz: yield with flags ........ came back",
                   "syscallfuzz: ipc_try_send to a blocked sender: env is not recving",
                   "syscallfuzz: child 3 done", "syscallfuzz: done, [0-9]+ calls", NO_RUNNABLE]
    return [
        Test(4, "syscallfuzz", prog="syscallfuzz", expect=fuzz_expect),
        # Two CPUs: the parent also stops children while they run elsewhere.
        Test(4, "syscallfuzz-2cpu", prog="syscallfuzz", cpus=2,
             expect=fuzz_expect + ["syscallfuzz: stopped [1-9][0-9]* running children"]),
        Test(4, "pgfaultfuzz", prog="pgfaultfuzz",
             expect=["pgfaultfuzz: survived the fault", any_mem_check("eebff..."),
                     "pgfaultfuzz: case 3 .recursive faults. ended", any_mem_check("eebfe..."),
                     "pgfaultfuzz: done, 31 cases", NO_RUNNABLE]),
    ]


def c_test(name: str, copies: int, expect: List[str], forbid: List[str], timeout: float = 30) -> List[Test]:
    """A C program from user/c (a multiboot module) started `copies` times,
    graded at 1 and at 4 CPUs."""
    prog = ",".join([name] * copies)
    return [Test(4, name + suffix, prog=prog, initrd="obj/c/" + name, cpus=cpus, expect=expect + [NO_RUNNABLE],
                 forbid=forbid, timeout=timeout) for suffix, cpus in (("", 1), ("-4cpu", 4))]


def refcount_tests() -> List[Test]:
    """Issue 7.9: one page mapped until its reference count is full. Its
    131,000 system calls take 8 s on one CPU and up to 30 s on four."""
    return c_test("refmax_c", 2, timeout=90, expect=[
        "refmax: mapped the page this many more times: 65534$",
        "refmax: then sys_page_map returned -4$",
        "refmax: pp_ref is 65535$",
        "refmax: mapping into a new 4 MB region returned -4$",
        "refmax: no page table was allocated for it",
        "refmax: pp_ref is still 65535$",
        "refmax: ipc_try_send of the page returned -4$",
        "refmax: the receiver still waits",
        "refmax: after one unmap, ipc_try_send returned 0$",
        "refmax: receiver got 0, value 42, page word 5eed1234",
        "refmax: all extra mappings removed, pp_ref is 1$",
    ], forbid=["refmax: BUG"])


def fpu_tests() -> List[Test]:
    """Issue 7.9: every env has its own x87/SSE registers, starting clean."""
    fork_expect = ["fpufork: child inherited its parent's x87 registers", "fpufork: child kept its own value",
                   "fpufork: parent kept its own value", NO_RUNNABLE]
    return ([Test(4, "fpufork" + suffix, prog="fpufork", cpus=cpus, expect=fork_expect,
                  forbid=["fpufork: .*(NOT|LOST)"])
             for suffix, cpus in (("", 1), ("-4cpu", 4))]
            + c_test("fpuregs_c", 3, ["fpuregs: slot %d: x87 and SSE registers survived the yields" % i
                                    for i in range(3)], ["fpuregs: .*CHANGED"])
            + c_test("fpuclean_c", 2, ["fpuclean: slot 0 starts with a clean FPU",
                                       "fpuclean: slot 0 leaves garbage in every FPU register",
                                       "fpuclean: slot 1 starts with a clean FPU"], ["fpuclean: slot .: "])
            + c_test("fpumath_c", 2, ["fpumath: slot %d: %s" % (i, what) for i in range(2) for what in (
                "sqrt\\(2\\) = 1.414213562$", "sqrt\\(6 \\* sum 1/n\\^2, n <= 1000\\) = 3.140638056$",
                "e \\(long double\\) = 2.718281828$")], [])
            # QEMU's TCG sets MXCSR.ZE but raises no #XM; a real CPU kills slot 0.
            + c_test("fpuexcept_c", 3, ["fpuexcept: slot 0 divides by zero with SSE exceptions unmasked",
                                        "(  trap 0x00000013 SIMD Floating-Point Exception|"
                                        "fpuexcept: slot 0 got no #XM from this CPU; mxcsr 00001d84 .ZE set.)",
                                        "fpuexcept: slot 1 divides by zero with x87 exceptions unmasked",
                                        "  trap 0x00000010 x87 FPU Floating-Point Error",
                                        ".00001001. free env 00001001",
                                        "fpuexcept: slot 2 still computes: 1/3 \\* 3000 = 1000$",
                                        "fpuexcept: slot 2 still computes: 1/4 \\* 1000 = 250$"],
                             ["fpuexcept: BUG", ".*ZE NOT set"]))



def check_same_va(first: str, second: str) -> Checker:
    """The hex number group 1 of `first` matches must be the one `second`
    matches (say, the address a program reports and the one the kernel
    names when it destroys it)."""
    def check(lines: List[str]) -> List[str]:
        a, b = (re.match(p, first_match(p, lines) or "") for p in (first, second))
        if not a or not b:
            return []  # the expect patterns report missing lines
        if a.group(1) != b.group(1):
            return ["%s names %s but %s names %s" % (first, a.group(1), second, b.group(1))]
        return []
    return check


RANGE_RE = re.compile(r"^  [0-9a-f]{8}-[0-9a-f]{8} +[0-9]+ [-rwucs]{5} frames? ")


def range_block(lines: List[str], header: str) -> Optional[List[str]]:
    """The range lines after the last line equal to `header`, and the
    summary line after them (its numbers, without the name)."""
    starts = [i for i, line in enumerate(lines) if line.rstrip() == header]
    if not starts:
        return None
    block = []
    for line in lines[starts[-1] + 1:]:
        if not RANGE_RE.match(line):
            block.append(line.split(":", 1)[-1].strip())
            return block
        block.append(line.rstrip())
    return block


def check_vmmap_is_vmprint(lines: List[str]) -> List[str]:
    """What the program read through uvpt is what the kernel's page walk
    shows, range for range."""
    user = range_block(lines, "vmmap 00001000 self")
    kern = range_block(lines, "vmprint 00001000")
    if user is None or kern is None:
        return []
    if user != kern:
        diff = [l for l in user if l not in kern][:1] + [l for l in kern if l not in user][:1]
        return ["vmmap and vmprint differ (%d vs %d lines), e.g. %s" % (len(user), len(kern), diff)]
    if len(user) < 8:
        return ["vmmap shows only %d lines" % len(user)]
    return []


def vm_tests() -> List[Test]:
    """Issue 9, virtual memory beyond JOS (docs/vm.md): graded with lab 4,
    whose mechanisms (upcalls, fork) they need. Each runs at 1 and at 4
    CPUs and asserts its own frame figures, which the programs read from
    UPAGES and uvpd."""
    t = [
        Test(4, "zeropage", expect=[
            "zeropage: read 1000 pages: 0 not zero, 1000 on one frame, read-only yes",
            "zeropage: reading used 1 frames, 1 of them new page tables",
            "zeropage: the zero frame has 1001 references",
            "zeropage: writing page 500 used 1 frame, private yes, 999 pages still share the zero frame",
            "zeropage: child wrote page 7, private yes",
            "zeropage: parent's page 7 still zero yes, on the zero frame yes",
            "zeropage: shrinking gave back 1 frame, the zero frame has 1 references", NO_RUNNABLE]),
        Test(4, "lazyheap", expect=[
            "lazyheap: sbrk of 256 MB mapped 0 pages and used 0 frames",
            "lazyheap: wrote and read back 1024 pages, 0 wrong, 1024 pages mapped",
            "lazyheap: 1088 frames used: 64 new page tables and the pages written",
            "lazyheap: shrinking by 256 MB gave back 1024 frames",
            "lazyheap: malloc: 6 blocks zeroed yes, intact yes, break back after free yes", NO_RUNNABLE]),
        Test(4, "lazyshrink", expect=[
            "lazyshrink: shrinking by a page gave back 1 frame, the page below keeps 1",
            "lazyshrink: now reading 00c01000, above the break", user_fault("00c01000"),
            ".00001000. free env 00001000", NO_RUNNABLE],
             forbid=["lazyshrink: still alive"]),
        Test(4, "lazyoom", expect=[
            "lazyoom: malloc gave null after [0-9]+ blocks of 16 MB",
            r"lazyoom: freed them all: ([0-9]+) frames still used, for \1 new page tables",
            "lazyoom: now writing 160 MB page by page",
            ".00001000. lazy: no page for va [0-9a-f]{8}: out of memory",
            ".00001000. free env 00001000", NO_RUNNABLE],
             forbid=["TRAP frame", "lazyoom: wrote"]),
        Test(4, "pt-grow-stack", expect=[
            "pt-grow-stack: 16 KB local array summed right, the stack grew from 1 to 5 pages",
            "pt-grow-stack: 4 new stack pages used 4 frames", NO_RUNNABLE]),
        Test(4, "pt-grow-pusha", expect=[
            "pt-grow-pusha: pusha a page below the stack grew it by 2 pages, using 2 frames", NO_RUNNABLE]),
        Test(4, "pt-big-stk-obj", expect=[
            "pt-big-stk-obj: 64 KB object summed right, the stack grew by 16 pages",
            "pt-big-stk-obj: 16 new stack pages used 16 frames", NO_RUNNABLE]),
        Test(4, "pt-grow-bad", expect=[
            "pt-grow-bad: reading 4096 bytes below esp",
            ".00001000. stack: va eebf.... is 4096 bytes below esp eebf...., not a stack access",
            user_fault("eebf...."), ".00001000. free env 00001000", NO_RUNNABLE],
             forbid=["pt-grow-bad: still alive"],
             checks=[check_same_va(r".00001000. stack: va ([0-9a-f]{8})", r".00001000. user fault va ([0-9a-f]{8})")]),
        Test(4, "pt-grow-limit", expect=[
            "pt-grow-limit: recursing with 4 KB frames",
            ".00001000. stack overflow at va eeaf....: the stack may grow to 1024 KB",
            user_fault("eeaf...."), ".00001000. free env 00001000", NO_RUNNABLE],
             forbid=["pt-grow-limit: still alive"],
             checks=[check_same_va(r".00001000. stack overflow at va ([0-9a-f]{8})",
                                   r".00001000. user fault va ([0-9a-f]{8})")]),
        Test(4, "pt-grow-stk-sc", expect=[
            "pt-grow-stk-sc: cputs from a fresh 12 KB frame: buffer mapped before no, after yes",
            "pt-grow-stk-sc: the stack grew by 3 pages, using 3 frames",
            "pt-grow-stk-sc: child: raw cputs from eebf.000",
            ".00001001. user_mem_check assertion failure for va eebf.000",
            ".00001001. free env 00001001", "pt-grow-stk-sc: the raw call's child is gone", NO_RUNNABLE],
             forbid=["pt-grow-stk-sc: child: still alive"],
             checks=[check_same_va("pt-grow-stk-sc: child: raw cputs from ([0-9a-f]{8})",
                                   r".00001001. user_mem_check assertion failure for va ([0-9a-f]{8})")]),
        Test(4, "quota", expect=[
            "quota: the kernel's count is what uvpt shows: yes",
            "quota: 10 page_allocs counted 10, 10 unmaps gave back 10, no quota yes",
            "quota: set the child's quota to its pages plus 32: yes",
            "quota: child: page_alloc gave 32 of 32 pages of room, then out of memory",
            "quota: child: page_map to a new va: out of memory; re-protecting in place: ok",
            "quota: child: batch re-protect in place: ok",
            "quota: child: after one unmap, page_alloc: ok; count at the quota yes",
            "quota: into the full child, parent's page_map: out of memory, batch: out of memory",
            "quota: child: lifting its own quota: bad environment",
            "quota: child: its child inherits the quota yes; lifting: invalid parameter, "
            "raising: invalid parameter, lowering: ok",
            "quota: child: no way around the quota: yes",
            "quota: child: after all that, the count is what uvpt shows: yes",
            "quota: the child's frames all came back: yes", NO_RUNNABLE]),
        # page_copy (syscall 24, issue 11): the copy-on-write fault's one call.
        Test(4, "pagecopy", expect=[
            "pagecopy: copy 0: contents kept yes, a new frame yes, the other mapping unchanged yes",
            "pagecopy: read-only copy 0: contents kept yes, read-only yes",
            "pagecopy: unaligned invalid parameter, UTOP invalid parameter, unmapped invalid parameter, "
            "no PTE_U invalid parameter, PWT invalid parameter, not a child bad environment",
            "pagecopy: every error as expected yes, nothing changed yes",
            "pagecopy: child's page: shared before yes, copy 0, shared after no, "
            "child sees its contents writable yes", NO_RUNNABLE]),
        # The program's own map, then the kernel's walk of it at the
        # breakpoint: they must agree.
        Test(4, "vmmap and vmprint", prog="vmmap", typed=["vmprint 00001000", "vmprint 00005000", "continue", "quit"],
             expect=["vmmap 00001000 parent before fork", "vmmap 00001001 child after writes",
                     "vmmap 00001000 self", "vmprint 00001000",
                     r"  [0-9a-f]{8}-[0-9a-f]{8}      8 r-u-- frame  [0-9a-f]{8} \(every page\)",
                     "  30000000-30001000      1 rwu-s frames", "  [0-9a-f]{8}-[0-9a-f]{8} +[0-9]+ r-uc- frames",
                     "vmprint: no env 00005000", ".00001000. free env 00001000", NO_RUNNABLE],
             checks=[check_vmmap_is_vmprint]),
    ]
    both = []
    for test in t:
        test.prog = test.prog or test.name
        four = Test(**{**test.__dict__, "name": test.name + "-4cpu", "cpus": 4})
        both += [test, four]
    return both


BENCH_C_ROWS = ["getenvid_int30", "getenvid_sysenter", "page_alloc_unmap", "page_map_self", "pgfault_upcall",
                "yield_alone", "yield_two_envs", "ipc_roundtrip_try", "exofork_destroy"]


def bench_tests() -> List[Test]:
    """The benchmark programs, run once each for their own self-checks (a
    few rounds for the C one: benchcheck_c is bench.c built with ROUNDS=5).
    Only correctness is graded, never a figure."""
    def figures(names: List[str]) -> List[str]:
        return ["BENCH %s [0-9]+" % name for name in names]

    tests = [
        Test(4, "bench_c", prog="benchcheck_c", initrd="obj/c/benchcheck_c",
             expect=figures(BENCH_C_ROWS) + [r"bench_c: done, [0-9]+ checks passed", ".00001000. exiting gracefully",
                                            NO_RUNNABLE],
             forbid=["bench_c: FAIL", "bench_c: this CPU has no sysenter"]),
        Test(4, "benchfork", expect=figures(["fork_256pages", "cow_first_write"])
             + ["benchfork: the child's pages and write are right", NO_RUNNABLE], forbid=["benchfork: FAIL"]),
        Test(4, "benchsyscall", expect=figures(["getenvid_int30", "getenvid_sysenter"]) + [NO_RUNNABLE]),
        Test(4, "benchipc", expect=figures(["ipc_roundtrip", "ipc_send_recv_roundtrip"]) + [NO_RUNNABLE]),
        Test(4, "benchpgfault", expect=figures(["pgfault_roundtrip", "page_alloc"]) + [NO_RUNNABLE]),
        Test(5, "benchswap", prog="fs,benchswap", disk="fs.img", swap=2048,
             expect=figures(["swap_page_out", "swap_page_in"])
             + ["benchswap: 8 timed page-ins, contents right: yes", NO_RUNNABLE]),
        # Two seconds of wall time by design (one per phase).
        Test(4, "benchwall", expect=figures(["syscalls_per_s", "forks_per_s"]) + [NO_RUNNABLE]),
    ]
    for test in tests:
        test.prog = test.prog or test.name
    return tests


FS_SELF_TEST = ["FS can do I/O", "block cache is good", "superblock is good", "bitmap is good",
                "alloc_block is good", "file_open is good", "file_get_block is good", "file_flush is good",
                "file_truncate is good", "file rewrite is good"]
USER_PANIC = r".*user panic in "


# --- lab 5, library side: fds, pipes, spawn, the shell ---------------------

PRIMES_BELOW_1000 = [n for n in range(2, 1000) if all(n % d for d in range(2, int(n ** 0.5) + 1))]


def check_primespipe(lines: List[str]) -> List[str]:
    """Every prime below 1000 on a line of its own, and no other number."""
    got = {int(line.strip()) for line in lines if re.fullmatch(r"[0-9]+", line.strip())}
    problems = []
    missing = [p for p in PRIMES_BELOW_1000 if p not in got]
    if missing:
        problems.append("primespipe: %d primes missing, first %d" % (len(missing), missing[0]))
    extra = sorted(n for n in got if n < 1000 and n not in PRIMES_BELOW_1000)
    if extra:
        problems.append("primespipe: numbers that are not primes: %s" % " ".join(map(str, extra[:10])))
    return problems


def lab5_lib_tests() -> List[Test]:
    t = [
        Test(5, "testpipe", expect=["testpipe: child read the message", "testpipe: child saw end of file",
                                    "testpipe: writer stopped after the read end closed", "testpipe: done",
                                    NO_RUNNABLE]),
        Test(5, "testpiperace", expect=["testpiperace: child done with its checks", "testpiperace: no race seen",
                                        NO_RUNNABLE], forbid=[".*RACE"]),
        Test(5, "testpiperace2", expect=["testpiperace2: no race seen", NO_RUNNABLE], forbid=[".*RACE"]),
        Test(5, "primespipe", timeout=120, expect=["primespipe: done", NO_RUNNABLE], checks=[check_primespipe]),
        Test(5, "testmaxfd", expect=["testmaxfd: 32 fds open, then: too many files are open",
                                     "testmaxfd: pipe with one free fd: too many files are open",
                                     "testmaxfd: done", NO_RUNNABLE]),
    ]
    fs = [
        Test(5, "testfile", expect=["serve_open is good", "file_stat is good", "file_close is good",
                                    "stale fileid is good", "file_read is good", "file_write is good",
                                    "file_read after file_write is good", "open is good", "large file is good",
                                    NO_RUNNABLE]),
        Test(5, "spawnhello", expect=["i am parent environment 00001001", "hello, world",
                                      "i am environment 00001002", NO_RUNNABLE]),
        Test(5, "spawnfaultio", expect=["TRAP frame at 0xf....... from CPU .", "  trap 0x0000000d General Protection",
                                        ".00001002. free env 00001002", NO_RUNNABLE],
             forbid=["faultio: made it here"]),
        Test(5, "testpteshare", expect=["fork handles PTE_SHARE right", "spawn handles PTE_SHARE right", NO_RUNNABLE]),
        Test(5, "testfdsharing", expect=["read in child succeeded", "read in parent succeeded", NO_RUNNABLE]),
        # Ends with the shell waiting for a key (and init waiting for it).
        Test(5, "icode", until="\n$ ", expect=["icode: read /motd", "This is /motd, the message of the day.", "icode: spawn /init",
                                 "init: running", "init: data seems okay", "icode: exiting", "init: bss seems okay",
                                 "init: args: 'init' 'initarg1' 'initarg2'", "init: running sh", r"\$ "]),
        Test(5, "testshell", timeout=60, expect=["shell ran correctly", NO_RUNNABLE],
             forbid=["shell produced incorrect output"]),
        Test(5, "spawnnotexec", expect=["spawnnotexec: spawn /motd: file is not a valid executable",
                                        "spawnnotexec: spawn /no-such-program: file or block not found",
                                        NO_RUNNABLE]),
        boot_shell_test(),
    ]
    for test in fs:
        test.prog = "fs," + (test.prog or test.name)
        test.disk = "fs.img"
    for test in t:
        test.prog = test.prog or test.name
    return t + fs


def check_history(lines: List[str]) -> List[str]:
    """`echo again`, then up-arrow + Enter: the line runs twice."""
    n = sum(1 for line in lines if line.strip() == "again")
    return [] if n == 2 else ["history: 'again' printed %d times, want 2 (up-arrow did not recall the line)" % n]


def boot_shell_test() -> Test:
    """What `make qemu-nox` boots (run=fs,icode): lines typed over serial at
    the shell's `$ `, then `monitor` (int3) reaches the kernel monitor, and
    `quit` there ends QEMU."""
    typed = ["ls", "cat motd", "echo hi | cat > f", "cat f", "echo one; echo two",
             "echo 'a | b' \"c ; d\" e\\ f", "echo bg &", "echo again", "\x1b[A", "lsfd", "monitor", "quit"]
    expect = [r"\$ ls", "motd$", "newmotd$", "sh$", "lorem$", "This is /motd, the message of the day.",
              # A background job may print after the shell's next prompt,
              # even before the next typed line is echoed.
              r"\$ cat f", "hi$", "one$", "two$", "a [|] b c ; d e f$", r"(\$ )?bg",
              "fd 0: name <cons> isdir 0 size 0 dev cons", "fd 1: name <cons> isdir 0 size 0 dev cons",
              "  trap 0x00000003 Breakpoint", "Welcome to the JOS kernel monitor!"]
    return Test(5, "boot to the shell", prog="icode", typed=typed, expect=expect, checks=[check_history])


def lab5_fs_tests() -> List[Test]:
    """The file server (lab 5's storage side). Each test boots `fs` first
    (envid 00001000) on a disk of its own, which fsck checks afterwards;
    each runs at 1 and at 4 CPUs."""
    edge = ["fsedge: open of a missing file: file or block not found",
            "fsedge: create in a missing directory: file or block not found",
            "fsedge: a path without a NUL: invalid path",
            "fsedge: a request without a page: invalid parameter",
            "fsedge: request type 42: invalid parameter",
            "fsedge: set_size past the largest file: invalid parameter",
            "fsedge: write at the largest size: invalid parameter",
            "fsedge: write across the largest size: 10 bytes",
            "fsedge: write at offset -1: invalid parameter",
            "fsedge: stale fileid .new one differs.: invalid parameter",
            "fsedge: child with the inherited fd: stat ok",
            "fsedge: child after closing the fd, same fileid: invalid parameter",
            "fsedge: parent still holds it: stat ok",
            "fsedge: open the root for writing: invalid parameter",
            "fsedge: 1024 files open, one more: too many files are open",
            "fsedge: closed them all, open again: 0",
            "fsedge: disk full after [0-9]+ KB in [0-9]+ files: no free space on disk",
            "fsedge: removed them, a write fits again: 4088 bytes",
            "fsedge: done", NO_RUNNABLE]
    fuzz = ["fsfuzz: client %d done, 1500 requests, [0-9]+ refused" % c for c in range(3)] + [
        "fsfuzz: keeper checked its files in [0-9]+ rounds: intact", "fsfuzz: server alive", NO_RUNNABLE]
    kill = ["fskill: killed 40 clients, [1-9][0-9]* of them waiting for a reply",
            "fskill: 1024 open-file slots free afterwards", NO_RUNNABLE]
    # Paging to disk (docs/swap.md): each case in children under a quota of
    # 16 pages of room, through the FS env's 8 MB swap disk.
    swap = ["FS: swap disk of 2048 pages"] + ["%s: ok" % case for case in (
        "swap-anon", "swap-iter", "swap-fork", "page-linear", "page-parallel", "page-shuffle",
        "page-merge-seq", "page-merge-par")] + [
        "swap-bad: page out above UTOP: invalid parameter",
        "swap-bad: page out without a page: invalid parameter",
        "swap-bad: page in of a page never out: file or block not found",
        "swap-bad: page in above UTOP: invalid parameter",
        "swap-bad: fork to an env that is not our child: bad environment",
        "swap-bad: fork to envid 0: bad environment",
        "swap-bad: fork with an address: invalid parameter",
        "swap-bad: discard without a page: invalid parameter",
        "swap-kill: ok", "swap: slots in use at the end: 0", NO_RUNNABLE]
    big = ["fsbig: wrote 32 MB in 8 files"] + ["fsbig: file %d checksum ........ ok" % f for f in range(8)] + [
        "fsbig: read back 32 MB, every byte and checksum right", NO_RUNNABLE]
    base = [
        Test(5, "fs self-test", prog="fs", disk="fs.img", expect=FS_SELF_TEST + [NO_RUNNABLE]),
        # Its own 6 MB disk: filling the 16 MB fs.img took 18 s of the 30.
        Test(5, "fsedge", prog="fs,fsedge", disk=1536, timeout=60, expect=edge),
        Test(5, "fsfuzz", prog="fs,fsfuzz", disk="fs.img", timeout=60, expect=fuzz),
        Test(5, "fskill", prog="fs,fskill", disk="fs.img", expect=kill),
        # 32 MB of files through a 16 MB machine: the block cache must evict.
        Test(5, "fsbig -m 16", prog="fs,fsbig", disk=9000, mem=16, timeout=300, expect=big),
        Test(5, "swap", prog="fs,swap", disk="fs.img", swap=2048, timeout=90, expect=swap,
             forbid=["lazy: no page", "swap: cannot page in"]),
    ]
    tests = []
    for t in base:
        t.forbid.append(USER_PANIC)
        four = Test(t.lab, t.name + " (4 CPUs)", expect=list(t.expect), forbid=list(t.forbid), prog=t.prog,
                    cpus=4, timeout=t.timeout, disk=t.disk, mem=t.mem, swap=t.swap)
        tests += [t, four]
    return tests


def image_file(image: str, name: bytes) -> Optional[bytes]:
    """The contents of file `name` in the root directory of the JOS disk
    image `image` (docs/abi.md, "Super and File"), or None."""
    with open(image, "rb") as f:
        img = f.read()

    def block(b):
        return img[b * 4096:(b + 1) * 4096]

    def contents(rec):
        size = struct.unpack_from("<i", rec, 128)[0]
        ptrs = list(struct.unpack_from("<10I", rec, 136))
        indirect = struct.unpack_from("<I", rec, 176)[0]
        if indirect:
            ptrs += struct.unpack_from("<1024I", block(indirect))
        data = b"".join(block(p) if p else bytes(4096) for p in ptrs[:(size + 4095) // 4096])
        return data[:size]

    root = contents(block(1)[8:8 + 256])
    for off in range(0, len(root), 256):
        if root[off:off + 128].split(b"\0")[0] == name:
            return contents(root[off:off + 256])
    return None


def check_on_disk(test: Test, name: bytes, want: bytes) -> Checker:
    """After the run, file `name` on the test's disk holds `want`."""
    def check(lines: List[str]) -> List[str]:
        got = image_file(test.disk_file(), name)
        if got == want:
            return []
        return ["on the disk, %s holds %s, not %d bytes %r..." % (
            name.decode(), "nothing" if got is None else "%d bytes %r..." % (len(got), got[:8]), len(want), want[:8])]
    return check


def mmap_tests() -> List[Test]:
    """Issue 10, memory-mapped files (docs/mmap.md): xv6's mmaptest, Pintos's
    mmap set, clients killed in the middle of a page-in. Lab 5 tests: `fs`
    first, a disk of their own that fsck checks, at 1 and 4 CPUs."""
    xv6 = ["mmaptest: %s ok" % t for t in
           ["basic", "private", "read-only", "read/write", "dirty", "not-mapped unmap", "two files", "fork",
            "two envs share"]] + [
        "mmaptest: lazy access: 1 pages mapped, 2 after touching page 10 .the handle, then the page.",
        "mmaptest: lazy access ok",
        "mmaptest: munmap prevents access: child touches 50000000",
        r".[0-9a-f]{8}. user fault va 50000000 ip",
        "mmaptest: munmap prevents access ok",
        "mmaptest: writes to read-only mapped memory: child touches 51000000",
        r".[0-9a-f]{8}. mmap: write to read-only mapping at va 51000000",
        r".[0-9a-f]{8}. user fault va 51000000 ip",
        "mmaptest: writes to read-only mapped memory ok",
        "mmaptest: /mmap.disk written through a mapping only",
        "mmaptest: done", NO_RUNNABLE]
    NO = "refused: invalid parameter"

    def pt(case, what):
        return "mmappintos: %s: %s" % (case, what)
    pintos = [
        pt("mmap-read", "the mapping shows the file, zeros past its end"),
        pt("mmap-close", "read after closing the fd"),
        pt("mmap-unmap", "child touches 10000000"), r".[0-9a-f]{8}. user fault va 10000000 ip",
        pt("mmap-overlap", "the second page again: " + NO), pt("mmap-overlap", "the page before and the first: " + NO),
        pt("mmap-twice", "the file mapped twice, both show it"),
        pt("mmap-write", "stores through the mapping are in the file after munmap"),
        pt("mmap-exit", "a child's stores are in the file after it exits"),
        pt("mmap-shuffle", "10000 swaps in 64 KB, the file matches"),
        pt("mmap-bad-fd", "fd 0x5555: " + NO), pt("mmap-bad-fd", "fd 20, not open: " + NO),
        pt("mmap-bad-fd", "the console: " + NO),
        pt("mmap-clean", r"an unwritten mapping leaves the file as written\(\)"),
        pt("mmap-inherit", "fork: the child's shared store is ours, its private one not"),
        pt("mmap-misalign", "10000234: " + NO), pt("mmap-null", "address 0: " + NO), pt("mmap-over-code", "UTEXT: " + NO),
        pt("mmap-over-data", "a static's page: " + NO), pt("mmap-over-stk", "the stack's page: " + NO),
        pt("mmap-kernel", "UTOP: " + NO), pt("mmap-kernel", "KERNBASE: " + NO), pt("mmap-kernel", "across UTOP: " + NO),
        pt("mmap-zero-len", "length 0: " + NO), pt("mmap-bad-off", "offset 1234: " + NO),
        pt("mmap-zero", "an empty file: " + NO),
        pt("mmap-remove", "a page read before remove still reads the same"),
        pt("mmap-remove", "child touches 10001000"),
        r".[0-9a-f]{8}. mmap: cannot page in va 10001000: file or block not found",
        r".[0-9a-f]{8}. user fault va 10001000 ip",
        pt("mmap-off", "from offset 4096: the file's second and third pages"),
        pt("mmap-ro", "child touches 10000000"),
        r".[0-9a-f]{8}. mmap: write to read-only mapping at va 10000000",
        r".[0-9a-f]{8}. user fault va 10000000 ip",
        "mmappintos: pages mapped before the cases ([0-9]+), after \\1$",
        "mmappintos: done", NO_RUNNABLE]
    kill = ["mmapkill: killed 40 clients, [1-9][0-9]* of them in a page-in",
            "mmapkill: our mappings intact, the file intact", NO_RUNNABLE]
    base = [
        Test(5, "mmapkill", prog="fs,mmapkill", disk="fs.img", expect=kill),
        # A 1 MB disk of its own: filling it makes the allocator reuse blocks.
        Test(5, "mmapreuse", prog="fs,mmapreuse", disk=256, expect=[
            "mmapreuse: removed the mapped file, filled the disk with another: [0-9]+ KB",
            "mmapreuse: the old mapping kept its bytes, the new file holds only its own", NO_RUNNABLE]),
        Test(5, "mmaptest", prog="fs,mmaptest", disk="fs.img", expect=xv6),
        Test(5, "mmappintos", prog="fs,mmappintos", disk="fs.img", expect=pintos),
    ]
    tests = []
    for t in base:
        t.forbid.append(USER_PANIC)
        four = Test(t.lab, t.name + " (4 CPUs)", expect=list(t.expect), forbid=list(t.forbid), prog=t.prog,
                    cpus=4, timeout=t.timeout, disk=t.disk, mem=t.mem)
        if t.name == "mmaptest":
            # The stores reached the disk itself, not only the server's cache.
            for each in (t, four):
                each.checks.append(check_on_disk(each, b"mmap.disk", b"D" * 8192))
        tests += [t, four]
    # The benchmark's own check (its figures are `make bench`'s).
    tests.append(Test(5, "benchmmap", prog="fs,benchmmap", disk="fs.img", forbid=[USER_PANIC],
                      expect=["BENCH mmap_fault_uncached [0-9]+", "BENCH mmap_fault_cached [0-9]+",
                              "benchmmap: both mappings showed /sh's ELF header", NO_RUNNABLE]))
    return tests


def demand_text_tests() -> List[Test]:
    """Issue 9 item 5: spawn leaves /bigtext's 2 MB of lazy text to page
    in on first touch, and ten copies share the file server's frames."""
    expect = [
        "bigtext: 512 pages of lazy text, 0 mapped at start; ran pages 0, 300, 511: 3 mapped",
        # Its text (about 10 pages) and 3 lazy pages are loans; its own
        # frames are data, bss, stack, exception stack, text map.
        "bigtext: [1-3][0-9] pages mapped in all, [0-9] of them frames of its own",
        # sys_cputs of a string in a lazy page the library paged in first.
        "lazy text page 400",
        "bigtext: a forked child ran page 200: ok .mapped before: no.",
        "bigtext: writing to lazy text at 00[89a][0-9a-f]{5}$",
        r".[0-9a-f]{8}. write to program text at va 00[89a][0-9a-f]{5}$",
        r".[0-9a-f]{8}. user fault va 00[89a][0-9a-f]{5} ip",
        "demandtext: 10 copies share the frame of their first text page: yes, of lazy page 300: yes",
        "demandtext: lazy page 300's frame has 11 references .the copies and the file server.",
        "demandtext: 10 copies took [0-9]+ frames; one copy's text is 52[0-9] pages: less",
        NO_RUNNABLE]
    tests = [Test(5, name, prog="fs,demandtext", disk="fs.img", cpus=cpus, expect=list(expect),
                  forbid=[USER_PANIC, "bigtext: the write to program text went through"])
             for name, cpus in (("demandtext", 1), ("demandtext (4 CPUs)", 4))]
    # The benchmark's own check (its figures are `make bench`'s).
    tests.append(Test(5, "benchdemand", prog="fs,benchdemand", disk="fs.img", forbid=[USER_PANIC],
                      expect=["BENCH demand_text_fault_uncached [0-9]+", "BENCH demand_text_fault_cached [0-9]+",
                              "benchdemand: both copies ran their pages", NO_RUNNABLE]))
    return tests


def vmk_tests() -> List[Test]:
    """Issue 9's kernel mechanisms (docs/vm.md). Lab 4: pgaccess forks."""
    pgaccess = ["pgaccess: 32 pages took 33 frames, 1 of them page tables",
                "pgaccess: fresh pages accessed: \\(0 pages\\)",
                "pgaccess: working set: 1 2 30 \\(3 pages\\)",
                "pgaccess: dirty: 30 \\(1 pages\\)",
                "pgaccess: accessed again: \\(0 pages\\)",
                "pgaccess: reading and clearing the bits took 0 frames",
                "pgaccess: child accessed: 3 \\(1 pages\\)",
                # The region's page table (COW faults use page_copy: no PFTEMP table).
                "pgaccess: after unmapping, 1 frames more in use than at the start, 1 page tables more",
                "pgaccess: done", NO_RUNNABLE]
    # The kernel recurses on the first trap from user mode until its stack
    # hits the KSTKGAP guard: the double-fault task reports it.
    kstack = ["kstackoverflow: recursing in the kernel on CPU [0-3]", "double fault on CPU [0-3], in:",
              r" *kern/src/[a-z_]+.rs:[0-9]+: overflow_kernel_stack_on_purpose\+[0-9]+",
              r"kernel panic at kern/src/dblfault.rs:[0-9]+: double fault on CPU ([0-3]): kernel stack overflow into "
              r"the guard page of CPU \1's stack \[ef.{6}, ef.{6}\) at esp ef.{6}, eip f01[0-9a-f]{5}",
              "Stack backtrace:"]
    # The same in i386_init, on the boot CPU's stack (the one below KSTACKTOP
    # that entry.S moves to once mem_init has mapped it), before any env.
    bootstack = ["bootstackoverflow: recursing in the kernel on CPU 0", "double fault on CPU 0, in:",
                 r" *kern/src/[a-z_]+.rs:[0-9]+: overflow_kernel_stack_on_purpose\+[0-9]+",
                 r"kernel panic at kern/src/dblfault.rs:[0-9]+: double fault on CPU 0: kernel stack overflow into "
                 r"the guard page of CPU 0's stack \[efff0000, efff8000\) at esp efff.{4}, eip f01[0-9a-f]{5}",
                 "Stack backtrace:"]
    # A handler that always faults again: the frames reach the guard page.
    # Either the next frame would not fit (then JOS's user_mem_check line
    # follows), or the handler's own pushes ran off the page first.
    uxstack = [r"\[00001000\] exception stack overflow: (the upcall frame at eebfe... runs|the handler's esp "
               r"eebfe... is) in(to)? the guard page below UXSTACKTOP-PGSIZE",
               r"\[00001000\] free env 00001000", NO_RUNNABLE]
    return [
        Test(4, "pgaccess", prog="pgaccess", expect=pgaccess),
        # Four CPUs: the env may move between CPUs between touch and look.
        Test(4, "pgaccess-4cpu", prog="pgaccess", cpus=4, expect=pgaccess),
        Test(4, "kstackoverflow", prog="hello", kargs="kstackoverflow", panics=True, expect=kstack,
             forbid=["hello, world"]),
        Test(4, "kstackoverflow-4cpu", prog="hello", kargs="kstackoverflow", cpus=4, panics=True, expect=kstack,
             forbid=["hello, world"]),
        Test(4, "bootstackoverflow", prog="hello", kargs="bootstackoverflow", panics=True, expect=bootstack,
             forbid=["hello, world", "SMP: CPU 1 starting"]),
        Test(4, "bootstackoverflow-4cpu", prog="hello", kargs="bootstackoverflow", cpus=4, panics=True,
             expect=bootstack, forbid=["hello, world", "SMP: CPU 1 starting"]),
        Test(4, "uxstackoverflow", prog="uxstackoverflow", expect=uxstack, forbid=["uxstackoverflow: still alive"]),
        Test(4, "uxstackoverflow-4cpu", prog="uxstackoverflow", cpus=4, expect=uxstack,
             forbid=["uxstackoverflow: still alive"]),
    ]


def ipc_send_recv_tests() -> List[Test]:
    """Issue 11: syscall 19 (send, then receive, in one call) with the kernel's
    direct switch to the receiver it wakes; its bad calls are in badcalls."""
    expect = ["ipcsendrecv: 200 of 200 round trips right",
              "ipcsendrecv: send to a dead server: bad environment", NO_RUNNABLE]
    return [
        Test(4, "ipcsendrecv", prog="ipcsendrecv", expect=expect),
        # Client and server on different CPUs: the server a send wakes may
        # not be switched to on the sender's CPU while another CPU runs it.
        Test(4, "ipcsendrecv-2cpu", prog="ipcsendrecv", cpus=2, expect=list(expect)),
    ]


def all_tests() -> List[Test]:
    tests = (lab1_2_tests() + lab3_tests() + lab4_tests() + fuzz_tests() + refcount_tests() + fpu_tests() + vm_tests() + bench_tests()
             + vmk_tests()
             + lab5_fs_tests() + mmap_tests() + demand_text_tests() + lab5_lib_tests() + ipc_send_recv_tests())
    for test in tests:
        # Lab 3/4 programs that end the run must give every page back.
        if test.lab >= 3 and NO_RUNNABLE in test.expect:
            test.checks.append(check_no_leak)
    names = [t.name for t in tests]
    assert len(names) == len(set(names)), "test names must be unique"
    return tests


def labs_present() -> List[int]:
    """Labs 3 and 4 are graded once their programs' sources exist. Sources,
    not binaries: a program that fails to build must fail its tests (`... does
    not exist (program not built)`), not make its lab disappear."""
    labs = [1, 2]
    if os.path.exists(os.path.join("user", "src", "bin", "hello.rs")):
        labs.append(3)
    if os.path.exists(os.path.join("user", "src", "bin", "forktree.rs")):
        labs.append(4)
    if os.path.exists(os.path.join(FS_DIR, "fs")):
        labs.append(5)
    return labs


# --- running QEMU ---------------------------------------------------------


def monitor_socket(test: Test) -> str:
    return os.path.join(GRADE_DIR, re.sub(r"[^A-Za-z0-9_.-]", "-", test.name) + ".qemu-monitor")


def qemu_argv(test: Test, cpus: int) -> Tuple[str, ...]:
    # A keyboard test talks to QEMU's own monitor (sendkey, xp) over a socket.
    monitor = "unix:%s,server,nowait" % monitor_socket(test) if test.keys else "none"
    argv = [QEMU, "-nographic", "-m", str(test.mem), "-kernel", KERNEL, "-serial", "mon:stdio", "-monitor", monitor,
            "-no-reboot", "-smp", "%d,sockets=%d" % (cpus, cpus),
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if test.disk is not None:
        argv += ["-drive", "file=%s,index=1,media=disk,format=raw" % test.disk_file()]
    if test.swap:
        argv += ["-drive", "file=%s,index=2,media=disk,format=raw" % test.swap_file()]
    if test.initrd:
        argv += ["-initrd", test.initrd]
    if test.lockstep:
        argv += ["-icount", "shift=0,sleep=off"]
    return tuple(argv + ["-append", test.append()])


@dataclass
class Run:
    output: str
    status: Optional[int]  # None: killed at the timeout
    seconds: float


def run_until(argv: Tuple[str, ...], timeout: float, until: str) -> Run:
    """Runs QEMU until its output contains `until` (for runs that end
    waiting for the user, e.g. at the shell's prompt), then stops it; that
    counts as a clean exit (status 1)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks: List[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read1(4096), b"")))
    reader.start()
    seen = False
    while proc.poll() is None and time.monotonic() - start < timeout:
        if until.encode() in b"".join(chunks):
            seen = True
            time.sleep(0.2)  # let the rest of the line arrive
            break
        time.sleep(0.02)
    status: Optional[int] = proc.poll()
    if status is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        status = 1 if seen else None
    reader.join()
    return Run(b"".join(chunks).decode("utf-8", "replace"), status, time.monotonic() - start)


def run_typed(argv: Tuple[str, ...], timeout: float, typed: Tuple[str, ...]) -> Run:
    """Runs QEMU and types one line of `typed` at each prompt: the
    monitor's `K> ` or the shell's `$ `."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks: List[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read1(4096), b"")))
    reader.start()
    sent = 0
    while proc.poll() is None and time.monotonic() - start < timeout:
        out = b"".join(chunks)
        if sent < len(typed) and out.count(b"K> ") + out.count(b"$ ") > sent:
            proc.stdin.write(typed[sent].encode() + b"\r")
            proc.stdin.flush()
            sent += 1
        time.sleep(0.02)
    status: Optional[int] = proc.poll()
    if status is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    reader.join()
    return Run(b"".join(chunks).decode("utf-8", "replace"), status, time.monotonic() - start)


# QEMU `sendkey` names for the characters a keyboard test types.
KEY_NAMES = {" ": "spc", "-": "minus", ".": "dot", "/": "slash", "\n": "ret"}
CGA_TEXT = 0xB8000  # physical address of the 80x25 text screen


class QemuMonitor:
    """QEMU's human monitor over a unix socket."""

    def __init__(self, path: str, deadline: float):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(0.1)

    def command(self, line: str, until: Callable[[str], bool], deadline: float) -> str:
        self.sock.sendall(line.encode() + b"\n")
        got = b""
        while time.monotonic() < deadline and not until(got.decode("latin-1")):
            try:
                got += self.sock.recv(65536)
            except socket.timeout:
                pass
        return got.decode("latin-1")

    def type_line(self, text: str, deadline: float) -> None:
        for ch in text + "\n":
            self.command("sendkey " + KEY_NAMES.get(ch, ch), lambda out: "(qemu)" in out, deadline)

    def screen(self, deadline: float) -> List[str]:
        """The CGA text screen, read from video memory with `xp`."""
        cells = 80 * 25
        words_re = re.compile(r"0x([0-9a-f]{4})")

        def words(out: str) -> List[int]:
            return [int(w, 16) for line in out.splitlines() if re.match(r"^[0-9a-f]+:", line)
                    for w in words_re.findall(line.split(":", 1)[1])]
        out = self.command("xp /%dhx 0x%x" % (cells, CGA_TEXT), lambda o: len(words(o)) >= cells, deadline)
        chars = "".join(chr(w & 0xFF) if 32 <= (w & 0xFF) < 127 else " " for w in words(out)[:cells])
        return [chars[i:i + 80].rstrip() for i in range(0, len(chars), 80)]


def run_keys(argv: Tuple[str, ...], timeout: float, keys: Tuple[str, ...], sock_path: str) -> Run:
    """Runs QEMU, types one line of `keys` on the PS/2 keyboard at each
    monitor prompt, and before the last line appends the CGA screen to the
    output as `screen| ` lines."""
    start = time.monotonic()
    deadline = start + timeout
    if os.path.exists(sock_path):
        os.remove(sock_path)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks: List[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read1(4096), b"")))
    reader.start()
    screen: List[str] = []
    try:
        mon = QemuMonitor(sock_path, deadline)
        sent = 0
        while proc.poll() is None and time.monotonic() < deadline:
            if sent < len(keys) and b"".join(chunks).count(b"K> ") > sent:
                if sent == len(keys) - 1:
                    screen = mon.screen(deadline)
                mon.type_line(keys[sent], deadline)
                sent += 1
            time.sleep(0.02)
    except OSError as e:
        chunks.append(("\n(grader: QEMU monitor: %s)\n" % e).encode())
    status: Optional[int] = proc.poll()
    if status is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    reader.join()
    output = b"".join(chunks).decode("utf-8", "replace")
    output += "\n=== CGA screen (video memory at 0xb8000) ===\n" + "\n".join("screen| " + row for row in screen) + "\n"
    return Run(output, status, time.monotonic() - start)


def run_qemu(argv: Tuple[str, ...], timeout: float) -> Run:
    start = time.monotonic()
    # Its own session, so that a timeout kills QEMU and anything it started.
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        status: Optional[int] = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        status = None
    return Run(out.decode("utf-8", "replace"), status, time.monotonic() - start)


def missing_program(test: Test) -> Optional[str]:
    if test.initrd:
        return next((f for f in test.initrd.split(",") if not os.path.exists(f)), None)
    for prog in (test.prog or "").split(","):
        where = FS_DIR if prog == "fs" else USER_DIR
        if prog and not os.path.exists(os.path.join(where, prog)):
            return os.path.join(where, prog)
    if test.disk is not None:
        for tool in (FSCK, FSFORMAT) + ((FS_IMG,) if test.disk == "fs.img" else ()):
            if not os.path.exists(tool):
                return tool
    return None


def prepare_disk(test: Test) -> None:
    """The test's own disk: a copy of the image, or a fresh one."""
    dst = test.disk_file()
    if test.disk == "fs.img":
        with open(FS_IMG, "rb") as src, open(dst, "wb") as out:
            out.write(src.read())
    else:
        subprocess.run([FSFORMAT, dst, str(test.disk)] + FS_TEXT_FILES, check=True)


def fsck_problems(test: Test) -> List[str]:
    """fsck on the disk the test ran on: each problem it found."""
    r = subprocess.run([FSCK, test.disk_file()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode == 0:
        return []
    lines = r.stdout.decode("utf-8", "replace").splitlines() or ["fsck exited with %d" % r.returncode]
    return ["fsck: " + line for line in lines[:10]]


def grade(tests: List[Test], cpus: int, jobs: int, scale: float) -> int:
    """Runs the tests, prints one line per test and a score per lab; returns
    the number of failed tests."""
    os.makedirs(GRADE_DIR, exist_ok=True)
    for f in os.listdir(GRADE_DIR):
        if f.endswith(".out"):
            os.remove(os.path.join(GRADE_DIR, f))

    # Tests with the same QEMU command line share a boot.
    runs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for test in tests:
            if missing_program(test):
                continue
            argv = qemu_argv(test, max(cpus, test.cpus))
            if test.disk is not None:
                prepare_disk(test)
            if test.swap:
                with open(test.swap_file(), "wb") as f:
                    f.truncate(test.swap * 4096)
            budget = max(test.timeout * scale, runs[argv][0] if argv in runs else 0)
            runs[argv] = (budget, None)
        # Longest first (as the last grade of this checkout measured them):
        # a long run started last would finish alone while the other
        # cores idle.
        first_test = {}
        for test in tests:
            first_test.setdefault(qemu_argv(test, max(cpus, test.cpus)), test.name)
        took_before = load_durations()
        order = sorted(runs, key=lambda a: -took_before.get(first_test.get(a, ""), 0.0))
        for argv in order:
            budget = runs[argv][0]
            typed = next((t.typed for t in tests if t.typed and qemu_argv(t, max(cpus, t.cpus)) == argv), None)
            keyed = next((t for t in tests if t.keys and qemu_argv(t, max(cpus, t.cpus)) == argv), None)
            until = next((t.until for t in tests if t.until and qemu_argv(t, max(cpus, t.cpus)) == argv), None)
            if keyed:
                runs[argv] = (budget, pool.submit(run_keys, argv, budget, tuple(keyed.keys), monitor_socket(keyed)))
            elif until:
                runs[argv] = (budget, pool.submit(run_until, argv, budget, until))
            elif typed:
                runs[argv] = (budget, pool.submit(run_typed, argv, budget, tuple(typed)))
            else:
                runs[argv] = (budget, pool.submit(run_qemu, argv, budget))

        took_now = {}
        failed_names = set()
        for i, test in enumerate(tests):
            missing = missing_program(test)
            if missing:
                seconds, problems = 0.0, ["%s does not exist (program not built)" % missing]
            else:
                budget, future = runs[qemu_argv(test, max(cpus, test.cpus))]
                run = future.result()
                with open(test.out_file(), "w") as f:
                    f.write(run.output)
                test.timeout, seconds = budget, run.seconds
                took_now[test.name] = seconds
                problems = evaluate(test, run.output, run.status)
                if test.disk is not None:
                    problems += fsck_problems(test)
            print("%s: %s (%.1fs)" % (test.name, "FAIL" if problems else "OK", seconds))
            for p in problems:
                print("    " + p)
            if problems:
                failed_names.add(test.name)
                if not missing:
                    print("    output saved to " + test.out_file())
            if i + 1 == len(tests) or tests[i + 1].lab != test.lab:
                lab = [t.name for t in tests if t.lab == test.lab]
                passed = len([n for n in lab if n not in failed_names])
                print("Lab %d Score: %d/%d" % (test.lab, passed, len(lab)))
            sys.stdout.flush()
    save_durations(took_now)
    return len(failed_names)


def durations_file() -> str:
    return os.path.join(GRADE_DIR, "durations.json")


def load_durations() -> Dict[str, float]:
    """Seconds each test's run took when it last ran here (none on a fresh
    clone: then the runs start in test order)."""
    try:
        with open(durations_file()) as f:
            return {str(k): float(v) for k, v in json.load(f).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def save_durations(took: Dict[str, float]) -> None:
    merged = load_durations()
    merged.update(took)
    with open(durations_file(), "w") as f:
        json.dump(merged, f, indent=0, sort_keys=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lab", type=int, choices=[1, 2, 3, 4, 5], help="grade only this lab")
    ap.add_argument("--cpus", type=int, default=1, help="run every test on at least this many CPUs")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="QEMUs run at once")
    ap.add_argument("--no-build", action="store_true", help="do not run `make all` first")
    ap.add_argument("--selftest", action="store_true", help="test the matcher on canned outputs, boot nothing")
    ap.add_argument("--only", metavar="REGEX", help="run only the tests whose name matches (e.g. 'quota')")
    args = ap.parse_args()
    os.chdir(ROOT)

    if args.selftest:
        return subprocess.call([sys.executable, os.path.join(ROOT, "tools", "test_grade.py")])
    try:
        scale = float(os.environ.get("GRADE_TIMEOUT_SCALE", "1"))
    except ValueError:
        sys.exit("GRADE_TIMEOUT_SCALE must be a number")

    if not args.no_build and subprocess.call(["make", "--no-print-directory", "all"]) != 0:
        print("make all failed: nothing graded")
        print("0 passed, 1 failed")
        return 1
    labs = [args.lab] if args.lab else labs_present()
    tests = [t for t in all_tests() if t.lab in labs]
    if args.only:
        tests = [t for t in tests if re.search(args.only, t.name)]
        if not tests:
            sys.exit("no test matches %r" % args.only)
    failed = grade(tests, max(1, args.cpus), max(1, args.jobs), scale)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

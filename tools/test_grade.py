#!/usr/bin/env python3
"""Tests of grade-lab.py's matching on canned console outputs (good and bad),
and of its runner against a fake QEMU.  Run: python3 tools/test_grade.py
(or grade-lab.py --selftest)."""

import contextlib
import importlib.util
import io
import os
import sys
import tempfile
import textwrap
import unittest
import unittest.mock

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
_spec = importlib.util.spec_from_file_location("grade_lab", os.path.join(ROOT, "grade-lab.py"))
grade_lab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grade_lab)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testskip  # noqa: E402

CLEAN = 1  # QEMU's status when the kernel exits with code 0


def frame(ebp, eip, *args):
    return "  ebp %08x  eip %08x  args %s" % (ebp, eip, " ".join("%08x" % a for a in args))


def backtrace(first_args=(0, 0, 1, 2, 3, 4, 5, 0x2BADB002), names=None):
    # As the kernel prints it: test_backtrace(0) called the backtrace (its
    # frame's args are the command's), ..., i386_init, then the entry code.
    names = names or ["test_backtrace"] * 6 + ["i386_init", "relocated"]
    lines = ["Stack backtrace:"]
    for i, (arg, name) in enumerate(zip(first_args, names)):
        lines.append(frame(0xEFFFFC8C + 0x74 * i, 0xF0101234 + i, arg, 0, 0, 0, 0))
        src = {"mon_backtrace": "kern/src/monitor.rs", "relocated": "boot/entry.S"}.get(name, "kern/src/init.rs")
        lines.append("       %s:%d: %s+%d" % (src, 40 + i, name, 20 + i))
    return lines


def lab12_output(**kw):
    return "\r\n".join(
        ["SeaBIOS (version 1.16.2)", "Booting from ROM..", "6828 decimal is 15254 octal!"]
        + ["check_page_free_list() succeeded!", "check_page_alloc() succeeded!", "check_page() succeeded!",
           "check_kern_pgdir() succeeded!", "check_page_installed_pgdir() succeeded!"]
        + ["entering test_backtrace %d" % x for x in range(5, -1, -1)]
        + backtrace(**kw)
        + ["leaving test_backtrace %d" % x for x in range(6)]
        + ["Welcome to the JOS kernel monitor!", ""])


HELLO = textwrap.dedent("""\
    [00000000] new env 00001000
    hello, world
    i am environment 00001000
    [00001000] exiting gracefully
    [00001000] free env 00001000
    Free pages: 31000 (31000 before the first env)
    No runnable environments in the system!
    """)


def test_named(name):
    return next(t for t in grade_lab.all_tests() if t.name == name)


def verdict(name, output, status=CLEAN):
    return grade_lab.evaluate(test_named(name), output, status)


class KeyboardAndScreen(unittest.TestCase):
    def test_needs_both_the_serial_echo_and_the_screen(self):
        test = test_named("keyboard and CGA screen")
        self.assertEqual(test.append(), "rjos")  # no autoexit: it waits for keys
        serial = "K> kerninfo\nSpecial kernel symbols:\n"
        screen = "\n".join("screen| " + r for r in ["K> kerninfo", "Special kernel symbols:",
                                                     "Kernel executable memory footprint: 1628KB", "K>"])
        self.assertEqual(grade_lab.evaluate(test, serial + screen, CLEAN), [])
        self.assertTrue(grade_lab.evaluate(test, serial, CLEAN))  # nothing on the screen
        self.assertTrue(grade_lab.evaluate(test, screen, CLEAN))  # keys never reached the kernel


class ExpectedPanic(unittest.TestCase):
    PANIC_RUN = "\n".join([
        "kfault: reading va 0 in the kernel", "  trap 0x0000000e Page Fault", "  cr2  0x00000000",
        "  err  0x00000000 [kernel, read, not-present]",
        "kernel panic at kern/src/trap.rs:281: kernel page fault at va 00000000, eip f0108c43",
        "Stack backtrace:", "         kern/src/trap.rs:281: trap+1334"])

    def test_panic_with_its_exit_code_passes(self):
        self.assertEqual(verdict("kernel page fault", self.PANIC_RUN, status=3), [])

    def test_clean_exit_or_no_panic_fails(self):
        self.assertTrue(verdict("kernel page fault", self.PANIC_RUN, status=CLEAN))
        self.assertTrue(verdict("kernel page fault", "kfault: reading va 0 in the kernel", status=3))

    def test_other_tests_still_forbid_panics(self):
        self.assertIn("forbidden: kernel panic  (line: kernel panic at kern/src/trap.rs:281: kernel page fault "
                      "at va 00000000, eip f0108c43)", verdict("hello", self.PANIC_RUN))


class Lab1And2(unittest.TestCase):
    def test_good_output_passes_every_test(self):
        for test in grade_lab.lab1_2_tests():
            if not (test.typed or test.keys):  # interactive tests have their own transcripts
                self.assertEqual(grade_lab.evaluate(test, lab12_output(), CLEAN), [], test.name)

    def test_monitor_transcript(self):
        test = test_named("monitor commands")
        self.assertEqual(test.append(), "rjos")  # no autoexit: the monitor must wait for input
        self.assertEqual(test.typed[-1], "quit")
        self.assertTrue(grade_lab.evaluate(test, lab12_output(), CLEAN))  # nothing typed: fails

    def test_missing_frame_fails_count(self):
        out = lab12_output(first_args=(0, 0, 1, 2, 3, 4, 5))
        self.assertEqual(verdict("backtrace count", out), ["expected 8 backtrace frames (`  ebp efff....  eip f01.....  args ...`), found 7"])
        self.assertEqual(verdict("backtrace arguments", out), [])

    def test_wrong_arguments_fail(self):
        out = lab12_output(first_args=(0, 0, 1, 2, 3, 5, 4, 0))
        self.assertEqual(len(verdict("backtrace arguments", out)), 1)
        self.assertEqual(verdict("backtrace count", out), [])

    def test_mangled_symbol_fails(self):
        names = ["test_backtrace"] * 5 + ["_ZN4kern4init14test_backtrace17h0E", "i386_init", "relocated"]
        self.assertEqual(len(verdict("backtrace symbols", lab12_output(names=names))), 1)

    def test_entry_frame_needs_its_file_and_line(self):
        out = lab12_output().replace("boot/entry.S:47: relocated", "<unknown>:0: relocated")
        self.assertNotEqual(lab12_output(), out)
        self.assertEqual(verdict("backtrace symbols", lab12_output()), [])
        self.assertEqual(verdict("backtrace symbols", out), ["missing: " + grade_lab.ENTRY_FRAME_RE + " (the entry code's frame)"])

    def test_eip_outside_kernel_is_not_a_frame(self):
        out = lab12_output().replace("eip f0101234", "eip 00101234")
        self.assertIn("found 7", verdict("backtrace count", out)[0])

    def test_panic_fails_even_when_lines_are_there(self):
        out = lab12_output() + "kernel panic at kern/src/pmap.rs:31: oops\n"
        problems = verdict("printf", out, status=3)
        self.assertEqual(len(problems), 2)
        self.assertTrue(problems[0].startswith("forbidden: kernel panic"))
        self.assertIn("code 1", problems[1])

    def test_missing_check_line(self):
        out = lab12_output().replace("check_page() succeeded!", "check_page() failed")
        self.assertEqual(verdict("check_page", out), [r"missing: check_page\(\) succeeded!"])
        self.assertEqual(verdict("check_page_alloc", out), [])


class ExitStatus(unittest.TestCase):
    def test_statuses(self):
        self.assertEqual(grade_lab.check_exit(1, 30), [])
        self.assertIn("within 30s", grade_lab.check_exit(None, 30)[0])
        self.assertIn("code 2", grade_lab.check_exit(5, 30)[0])
        self.assertIn("triple fault", grade_lab.check_exit(0, 30)[0])


class Lab3And4(unittest.TestCase):
    def test_hello_passes(self):
        self.assertEqual(verdict("hello", HELLO), [])

    def test_hello_leak_names_both_numbers(self):
        out = HELLO.replace("Free pages: 31000", "Free pages: 30998")
        self.assertEqual(verdict("hello", out),
                         ["leak check: 30998 pages free at the end but 31000 before the first env (-2)"])

    def test_hello_without_free_pages_line_fails(self):
        out = HELLO.replace("Free pages: 31000 (31000 before the first env)\n", "")
        self.assertIn("no 'Free pages", verdict("hello", out)[0])

    def test_free_pages_after_the_end_does_not_count(self):
        lines = HELLO.split("\n")
        out = "\n".join(lines[:5] + lines[6:7] + lines[5:6])
        self.assertEqual(len(verdict("hello", out)), 1)

    def test_divzero_forbidden_line(self):
        out = textwrap.dedent("""\
            TRAP frame at 0xf02b1000 from CPU 0
              trap 0x00000000 Divide error
              eip  0x00800041
              ss   0x----0023
            [00001000] free env 00001000
            """)
        self.assertEqual(verdict("divzero", out), [])
        self.assertEqual(len(verdict("divzero", "1/0 is 00000001!\n" + out)), 1)

    def test_user_fault_needs_the_env_brackets(self):
        good = "[00001000] user fault va f0100000 ip 00800039\n  err  0x00000005 [user, read, protection]\n"
        self.assertEqual(verdict("faultreadkernel", good), [])
        self.assertEqual(len(verdict("faultreadkernel", good.replace("ip 008", "ip 009"))), 1)

    def test_forktree_and_primes(self):
        tree = ["%04x: I am '%s'" % (0x1000 + i, w) for i, w in enumerate(["", "0", "1", "00", "000", "100", "110", "111", "011", "001"])]
        tree += ["[00001000] exiting gracefully", "[00001001] exiting gracefully",
                 "[00002003] exiting gracefully", "[00002003] free env 00002003"]
        self.assertEqual(verdict("forktree", "\n".join(tree)), [])
        primes = ["CPU 0: %d [%08x] new env %08x" % (p, 0x1000 + n - 1, 0x1000 + n)
                  for p, n in ((2, 2), (3, 3), (5, 4), (7, 5), (11, 6), (1877, 0x121))]
        self.assertEqual(verdict("primes", "\n".join(primes)), [])
        self.assertEqual(len(verdict("primes", "\n".join(primes[:-1]))), 1)

    def test_stresssched_forbids_double_run(self):
        ok = "\n".join("[00001%03x] stresssched on CPU %d" % (i, i % 4) for i in range(1, 21))
        self.assertEqual(verdict("stresssched", ok), [])
        self.assertEqual(len(verdict("stresssched", ok + "\n[00001003] ran on two CPUs at once\n")), 1)

    def test_cputswrap_compares_the_two_addresses(self):
        out = textwrap.dedent("""\
            cputswrap: first bad va 00804000
            [00001000] user_mem_check assertion failure for va 00804000
            [00001000] free env 00001000
            Free pages: 31000 (31000 before the first env)
            No runnable environments in the system!
            """)
        self.assertEqual(verdict("cputswrap", out), [])
        wrong = verdict("cputswrap", out.replace("for va 00804000", "for va 00805000"))
        self.assertEqual(len(wrong), 1)
        self.assertIn("00805000", wrong[0])

    def test_badelf_wants_every_refusal_and_no_leak(self):
        bad = grade_lab.load_mkbadelf().BAD
        lines = ["[00000000] cannot load '%s': %s" % (name, why) for name, (_, why) in bad.items()]
        end = ["hello, world", "Free pages: 31000 (31000 before the first env)", grade_lab.NO_RUNNABLE]
        self.assertEqual(verdict("badelf", "\n".join(lines + end)), [])
        self.assertEqual(len(verdict("badelf", "\n".join(lines[1:] + end))), 1)
        leaked = end[:1] + ["Free pages: 30999 (31000 before the first env)"] + end[2:]
        self.assertEqual(len(verdict("badelf", "\n".join(lines + leaked))), 1)
        self.assertEqual(test_named("badelf").prog.split(",")[-1], "hello")

    def test_badcalls_failures_are_caught(self):
        ok = "badcalls: 459 checks passed\nFree pages: 1 (1 before the first env)\n" + grade_lab.NO_RUNNABLE
        self.assertEqual(verdict("badcalls", ok), [])
        bad = "badcalls: page_alloc perm 0: got error 0 (0), want invalid parameter\n" + ok
        self.assertEqual(len(verdict("badcalls", bad)), 1)

    def test_names_unique_and_lab4_copies_run_the_lab3_program(self):
        self.assertEqual(test_named("lab4-faultread").prog, "faultread")
        self.assertEqual(test_named("primes").timeout, 60)


class VirtualMemory(unittest.TestCase):
    def test_every_vm_test_runs_at_one_and_four_cpus(self):
        names = [t.name for t in grade_lab.vm_tests()]
        for t in grade_lab.vm_tests():
            if not t.name.endswith("-4cpu"):
                self.assertIn(t.name + "-4cpu", names)
                self.assertEqual((t.cpus, test_named(t.name + "-4cpu").cpus), (1, 4))

    def test_vmmap_must_equal_vmprint(self):
        ranges = ["  00800000-00801000      1 r-uc- frames 00008000-00009000",
                  "  00c00000-00c08000      8 r-u-- frame  00005000 (every page)",
                  "  30000000-30001000      1 rwu-s frames 00019000-0001a000"] * 3
        user = ["vmmap 00001000 self"] + ranges + ["vmmap: 23 pages in 10 ranges, 5 page tables"]
        kern = ["vmprint 00001000"] + ranges + ["vmprint: 23 pages in 10 ranges, 5 page tables"]
        check = grade_lab.check_vmmap_is_vmprint
        self.assertEqual(check(user + kern), [])
        self.assertEqual(len(check(user + kern[:1] + kern[2:])), 1)  # a range missing
        self.assertEqual(len(check(user + kern[:-1] + ["vmprint: 24 pages in 10 ranges, 5 page tables"])), 1)

    def test_reported_and_faulting_va_must_agree(self):
        check = grade_lab.check_same_va(r"stack: va ([0-9a-f]{8})", r"user fault va ([0-9a-f]{8})")
        self.assertEqual(check(["stack: va eebfcfcc is", "user fault va eebfcfcc ip"]), [])
        self.assertEqual(len(check(["stack: va eebfcfcc is", "user fault va eebfcfc0 ip"])), 1)


class Runner(unittest.TestCase):
    """grade() against a fake QEMU: a script that prints a canned output."""

    FAKE = textwrap.dedent("""\
        #!/bin/sh
        for a; do last=$a; done
        case "$last" in
        *run=slow*) sleep 10 ;;
        *run=hello*) printf '%s' "$HELLO"; exit 1 ;;
        *) printf '%s' "$LAB12"; exit 1 ;;
        esac
        """)

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        fake = os.path.join(d, "qemu")
        with open(fake, "w") as f:
            f.write(self.FAKE)
        os.chmod(fake, 0o755)
        os.makedirs(os.path.join(d, "user"))
        open(os.path.join(d, "user", "hello"), "w").close()
        open(os.path.join(d, "user", "slow"), "w").close()
        self.saved = (grade_lab.QEMU, grade_lab.GRADE_DIR, grade_lab.USER_DIR)
        grade_lab.QEMU, grade_lab.GRADE_DIR, grade_lab.USER_DIR = fake, os.path.join(d, "grade"), os.path.join(d, "user")
        os.environ["HELLO"], os.environ["LAB12"] = HELLO, lab12_output()

    def tearDown(self):
        grade_lab.QEMU, grade_lab.GRADE_DIR, grade_lab.USER_DIR = self.saved
        self.dir.cleanup()

    def grade(self, tests, scale=1.0):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            failed = grade_lab.grade(tests, cpus=1, jobs=2, scale=scale)
        return failed, out.getvalue().splitlines()

    def test_order_scores_and_saved_outputs(self):
        tests = [t for t in grade_lab.lab1_2_tests() if not (t.typed or t.keys)] + [test_named("hello"), test_named("divzero")]
        failed, lines = self.grade(tests)
        self.assertEqual(failed, 1)
        names = [line.split(":")[0] for line in lines if not line.startswith((" ", "Lab "))]
        self.assertEqual(names, [t.name for t in tests])
        self.assertIn("Lab 1 Score: 4/4", lines)
        self.assertIn("Lab 2 Score: 5/5", lines)
        self.assertIn("Lab 3 Score: 1/2", lines)
        self.assertRegex(lines[-3], r"^divzero: FAIL \(0\.0s\)$")
        self.assertIn("user/divzero does not exist", lines[-2])
        saved = sorted(f for f in os.listdir(grade_lab.GRADE_DIR) if f.endswith(".out"))
        self.assertEqual(len(saved), 10)
        # The next grade starts the runs that took longest first.
        took = grade_lab.load_durations()
        self.assertIn("hello", took)
        self.assertNotIn("divzero", took)  # never ran: its program is missing
        with open(os.path.join(grade_lab.GRADE_DIR, "hello.out")) as f:
            self.assertEqual(f.read(), HELLO)

    def test_timeout_is_a_failure(self):
        slow = grade_lab.Test(3, "slow", prog="slow", expect=["never"], timeout=10)
        failed, lines = self.grade([slow], scale=0.05)
        self.assertEqual(failed, 1)
        self.assertIn("    the kernel did not end QEMU within 0.5s (killed)", lines)
        self.assertIn("    output saved to " + os.path.join(grade_lab.GRADE_DIR, "slow.out"), lines)

    def test_qemu_argv(self):
        argv = grade_lab.qemu_argv(test_named("hello"), 4)
        self.assertIn("4,sockets=4", argv)
        # Lab 3 on: the lab-2 self-checks are skipped (the lab-2 tests grade them).
        self.assertEqual(argv[-2:], ("-append", "autoexit nocheck run=hello"))
        self.assertEqual(grade_lab.qemu_argv(test_named("printf"), 1)[-1], "autoexit")
        self.assertEqual(grade_lab.qemu_argv(test_named("check_page_alloc"), 1)[-1], "autoexit")


_bench_spec = importlib.util.spec_from_file_location("bench", os.path.join(ROOT, "tools", "bench.py"))
bench = importlib.util.module_from_spec(_bench_spec)
_bench_spec.loader.exec_module(bench)


class BenchTable(unittest.TestCase):
    """tools/bench.py: reading BENCH lines, and the table and CSV it writes."""

    def test_bench_lines(self):
        out = "BENCH getenvid_int30 565\r\nBENCH fork_256pages 127287 insns\nBENCH broken x\nnoise BENCH a 1\n"
        self.assertEqual(bench.bench_lines(out.replace("\r", "")),
                         {"getenvid_int30": 565, "fork_256pages": 127287})

    def test_bench_c_rows_match_the_grader(self):
        names = [name for _, prog, name, _, _ in bench.ROWS if prog == "bench_c"]
        self.assertEqual(names, grade_lab.BENCH_C_ROWS)

    def test_table_and_csv(self):
        results = {"bench_c": {"getenvid_int30": 290, "yield_alone": 900}, "benchfork": {"extra": 7}}
        with tempfile.TemporaryDirectory() as tmp:
            old = bench.OUT_DIR
            bench.OUT_DIR = tmp
            try:
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    bench.print_table(results)
                with open(os.path.join(tmp, "bench.csv")) as f:
                    rows = f.read().splitlines()
            finally:
                bench.OUT_DIR = old
        table = printed.getvalue().splitlines()
        int30 = next(line for line in table if line.startswith("null system call, int"))
        self.assertEqual(int30.split()[-4:], ["290", "404", "300", "yes"])
        alone = next(line for line in table if line.startswith("sys_yield, nothing"))
        self.assertEqual(alone.split()[-4:], ["900", "13,740", "800", "no"])
        self.assertIn("  benchfork    extra                           7", table)
        self.assertEqual(rows[0], "operation,program,name,guest_instructions,c_jos,goal")
        self.assertIn('"null system call, int $0x30 (getenvid)",bench_c,getenvid_int30,290,404,300', rows)
        self.assertIn(",benchfork,extra,7,,", rows)
        # A row whose program ran but printed nothing for it stays empty.
        self.assertIn('"null system call, sysenter",bench_c,getenvid_sysenter,,,150', rows)


class TestsCannotVanish(unittest.TestCase):
    """A test whose program failed to build fails; it is never left out."""

    def test_c_tests_are_declared_without_their_binaries(self):
        with tempfile.TemporaryDirectory() as d, working_dir(d):
            names = [t.name for t in grade_lab.all_tests()]
            missing = [grade_lab.missing_program(test_named(n)) for n in ("hello_c", "run-elf hello")]
        self.assertIn("hello_c", names)
        self.assertIn("run-elf hello", names)
        self.assertEqual(missing, ["obj/c/hello_c", "obj/c/hello"])

    def test_run_elf_hello_refuses_the_embedded_hello(self):
        c_run = HELLO.replace("hello, world\ni am environment 00001000\n",
                              "hello from C, i am environment 00001000\n")
        self.assertEqual(verdict("run-elf hello", c_run), [])
        self.assertNotEqual(verdict("run-elf hello", HELLO), [])

    def test_labs_are_present_by_their_sources(self):
        with tempfile.TemporaryDirectory() as d, working_dir(d):
            self.assertEqual(grade_lab.labs_present(), [1, 2])
            os.makedirs("user/src/bin")
            for prog in ("hello", "forktree"):
                open("user/src/bin/%s.rs" % prog, "w").close()
            self.assertEqual(grade_lab.labs_present(), [1, 2, 3, 4])


class ToolSkips(unittest.TestCase):
    """gdb-test and grub-test without their tools: fail in CI, else skip loudly."""

    def check(self, ci):
        out = io.StringIO()
        with tempfile.TemporaryDirectory() as d, working_dir(d), contextlib.redirect_stdout(out), \
                unittest.mock.patch.dict(os.environ, {"CI": ci}):
            status = testskip.check_tools("gdb", ["no-such-tool-rjos"])
            note = os.path.exists("obj/skipped/gdb-test")
            ran = testskip.check_tools("gdb", ["sh"])
            still = os.path.exists("obj/skipped/gdb-test")
        return status, note, ran, still, out.getvalue()

    def test_ci_fails(self):
        status, note, _, _, out = self.check("true")
        self.assertEqual((status, note), (1, False))
        self.assertIn("gdb: FAIL (no-such-tool-rjos not installed; CI=true", out)

    def test_elsewhere_skips_loudly_and_leaves_a_note(self):
        status, note, ran, still, out = self.check("")
        self.assertEqual((status, note), (0, True))
        self.assertIn("gdb: SKIPPED (no-such-tool-rjos not installed) *** this test did NOT run ***", out)
        self.assertEqual((ran, still), (None, False))  # a run removes the note


class Lab5(unittest.TestCase):
    def test_disk_tests_get_their_own_drive_and_memory(self):
        t = test_named("fsbig -m 16")
        argv = grade_lab.qemu_argv(t, 1)
        self.assertIn("16", argv)
        self.assertIn("file=%s,index=1,media=disk,format=raw" % t.disk_file(), argv)
        four = test_named("fsbig -m 16 (4 CPUs)")
        self.assertNotEqual(t.disk_file(), four.disk_file())

    def test_fs_self_test_lines_and_leak_check(self):
        t = test_named("fs self-test")
        out = "\n".join(grade_lab.FS_SELF_TEST + ["Free pages: 5 (5 before the first env)", grade_lab.NO_RUNNABLE])
        self.assertEqual(grade_lab.evaluate(t, out, CLEAN), [])
        missing = out.replace("bitmap is good\n", "")
        self.assertEqual(grade_lab.evaluate(t, missing, CLEAN), ["missing: bitmap is good"])
        panicked = out + "\n[00001000] user panic in fs at fs/src/bc.rs:1: no disk"
        self.assertEqual(len(grade_lab.evaluate(t, panicked, CLEAN)), 1)

    def test_fsck_failure_fails_the_test(self):
        self.assertTrue(os.path.exists(os.path.join(ROOT, grade_lab.FSCK)), "fsck not built: run make first")
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            with tempfile.TemporaryDirectory() as d:
                t = grade_lab.Test(5, "fsck-selftest", disk=64)
                orig = grade_lab.GRADE_DIR
                grade_lab.GRADE_DIR = d
                try:
                    grade_lab.prepare_disk(t)
                    self.assertEqual(grade_lab.fsck_problems(t), [])
                    with open(t.disk_file(), "r+b") as f:
                        f.seek(4096)
                        f.write(b"\0\0\0\0")  # the superblock's magic
                    problems = grade_lab.fsck_problems(t)
                finally:
                    grade_lab.GRADE_DIR = orig
            self.assertTrue(any("bad magic" in p for p in problems), problems)
        finally:
            os.chdir(cwd)


@contextlib.contextmanager
def working_dir(path):
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])

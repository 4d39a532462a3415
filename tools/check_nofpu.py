#!/usr/bin/env python3
"""Check that the kernel stays free of FPU, MMX and SSE instructions.

usage: tools/check_nofpu.py obj/kern/kernel

The kernel is built soft-float: the FPU registers belong to user envs, and
only kern/src/fpu.rs touches them, through x86.rs's fxsave and fxrstor (and
clts). Any other x87/MMX/SSE instruction in the kernel's code would clobber
an env's registers behind fpu.rs's back. Disassembles every code section
with objdump and fails, listing them, if any such instruction appears.
"""

import re
import subprocess
import sys

ALLOWED = {"fxsave", "fxrstor"}
# x87 mnemonics all start with f (fld, fstp, fnstcw, fwait...); MMX/SSE
# ones either name an %mm/%xmm register or are the control-register moves.
FPU_MNEMONIC = re.compile(r"^(f[a-z0-9]*|wait|emms|ldmxcsr|stmxcsr)$")
FPU_OPERAND = re.compile(r"%(x?mm[0-9]+|st(\([0-7]\))?)\b")


def fpu_instructions(kernel: str):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", kernel], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip().endswith(":"):
            continue
        insn = parts[1].strip()
        mnemonic = insn.split(" ")[0] if insn else ""
        if FPU_MNEMONIC.match(mnemonic) or FPU_OPERAND.search(insn):
            yield parts[0].strip().rstrip(":"), insn, mnemonic


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    found = list(fpu_instructions(sys.argv[1]))
    allowed = [f for f in found if f[2] in ALLOWED]
    bad = [f for f in found if f[2] not in ALLOWED]
    for addr, insn, _ in bad:
        print("check_nofpu: %s: %s" % (addr, insn))
    if bad:
        print("check_nofpu: %d FPU/SSE instruction(s) in the kernel besides fxsave/fxrstor" % len(bad))
        return 1
    if not allowed:
        print("check_nofpu: no fxsave/fxrstor found: is this the kernel?")
        return 1
    print("check_nofpu: kernel has %d fxsave/fxrstor and no other FPU/SSE instruction" % len(allowed))
    return 0


if __name__ == "__main__":
    sys.exit(main())

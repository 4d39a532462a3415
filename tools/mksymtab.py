#!/usr/bin/env python3
"""Writes the kernel's symbol and line table into its `.ksymtab` section.

Usage: mksymtab.py KERNEL-ELF   (the file is patched in place)

The kernel resolves backtrace addresses by itself (kern/src/kdebug.rs), without
a heap, from a table it carries. kernel.ld reserves a zero-filled `.ksymtab`
section in the loaded image; this script fills it after linking:

* functions from `nm -n -S -C` (address, size, demangled name), with our own
  `kern::module::` prefixes dropped, so `kern::init::test_backtrace` reads
  `test_backtrace`;
* source lines from `objdump --dwarf=decodedline`, kept only where the file
  or line changes, with paths made short: repository-relative for our code,
  `core/src/...` for the standard library, `spin-0.9.9/src/...` for crates;
* source lines for the assembly files (ASM_SOURCES), which have no DWARF
  lines: the disassembly of each label's block is matched to the source's
  instructions, so a backtrace through boot/entry.S names its line as JOS's
  does (`boot/entry.S:54: relocated+27`).

The binary layout is documented in kern/src/kdebug.rs. The script fails (and
with it the build) if the table does not fit in the section.
"""

import os
import re
import struct
import subprocess
import sys

MAGIC = 0x4D59534B  # "KSYM"
VERSION = 1
NO_FILE = 0xFFFF
SHF_EXECINSTR = 0x4
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sections(elf):
    """{name: (addr, file offset, size, flags)} from the ELF32 section headers."""
    if elf[:5] != b"\x7fELF\x01":
        sys.exit("mksymtab: not an ELF32 file")
    shoff, = struct.unpack_from("<I", elf, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x2E)
    headers = [struct.unpack_from("<IIIIIIIIII", elf, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = headers[shstrndx][4]
    out = {}
    for name_off, _type, flags, addr, offset, size, *_ in headers:
        end = elf.index(b"\0", strtab_off + name_off)
        out[elf[strtab_off + name_off:end].decode()] = (addr, offset, size, flags)
    return out


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def short_name(name):
    """Drops our crate's module paths: `kern::init::f` -> `f`."""
    return re.sub(r"\bkern::(?:[a-z0-9_]+::)*", "", name)


def short_path(path):
    """A path a student can read: repository-relative, or from the library root."""
    path = os.path.normpath(path)
    if path.startswith(REPO + os.sep):
        return os.path.relpath(path, REPO)
    for marker in ("/rustlib/src/rust/library/", "/index.crates.io-"):
        at = path.find(marker)
        if at >= 0:
            rest = path[at + len(marker):]
            # Registry paths carry a hash directory: index.crates.io-HASH/crate/...
            return rest.split("/", 1)[1] if marker.startswith("/index") else rest
    return path


def resolve(path, full):
    """Completes a compilation unit's relative name (`src/panicking.rs` for
    core's) from the one absolute path seen that ends the same way."""
    if os.path.isabs(path) or os.path.exists(os.path.join(REPO, path)):
        return path
    matches = [p for p in full if p.endswith("/" + path)]
    return matches[0] if len(matches) == 1 else path


def functions(kernel, in_text):
    """Sorted [(start, size, name)] of the functions in executable sections."""
    funcs = {}
    for line in run("nm", "-n", "-S", "-C", "--defined-only", kernel).splitlines():
        m = re.match(r"([0-9a-f]{8})(?: ([0-9a-f]{8}))? ([tTwW]) (.*)$", line)
        if not m:
            continue
        start, size = int(m.group(1), 16), int(m.group(2) or "0", 16)
        if in_text(start) and (start not in funcs or funcs[start][0] == 0):
            funcs[start] = (size, short_name(m.group(4)))
    return sorted((a, s, n) for a, (s, n) in funcs.items())


def line_rows(kernel, in_text):
    """Sorted [(addr, file path or None, line)], None marking the end of a
    sequence; and every file name the dump mentions."""
    rows = []
    headers = set()
    current = None
    dump = run("objdump", "--dwarf=decodedline", "-w", kernel)
    for line in dump.splitlines():
        words = line.split()
        if len(words) == 1 and line.endswith(":") or line.startswith("CU: "):
            current = line[4:] if line.startswith("CU: ") else line
            current = current[:-1]
            headers.add(current)
            continue
        if len(words) < 3 or not re.match(r"^(0x[0-9a-f]+|\d+)$", words[2]):
            continue
        addr = int(words[2], 0)
        if not in_text(addr) or words[1] == "0":
            continue  # discarded code, or compiler-made code with no line
        if words[1] == "-":
            rows.append((addr, 0, None, 0))
        elif words[1].isdigit():
            rows.append((addr, 1, current, int(words[1])))
    # At one address a new sequence's first row beats the previous one's end.
    rows.sort(key=lambda r: (r[0], r[1]))
    by_addr = {}
    for addr, _order, path, num in rows:
        by_addr[addr] = (path, num)
    return sorted((a, p, n) for a, (p, n) in by_addr.items()), headers


# Assembly the kernel pulls in with global_asm!. LLVM emits no line table for
# it, so the lines of its code are worked out here (asm_rows).
ASM_SOURCES = ["boot/entry.S", "boot/mpentry.S", "kern/src/trapentry.S"]
LABEL_RE = re.compile(r"^\s*([A-Za-z_.$][\w.$]*|\d+):")
DATA_DIRECTIVES = (".long", ".word", ".byte", ".short", ".quad", ".fill", ".space", ".zero", ".ascii", ".asciz")


def asm_blocks(path):
    """{label: (label's line, [(line, mnemonic) of each instruction after it])}
    for the labels of one assembly file. A macro without parameters expands
    to its body's instructions, all on the line that invokes it. The list is
    None for a block that holds data or other macros, whose instructions
    cannot be counted from the text."""
    blocks, label = {}, None
    macros, macro = {}, None  # name -> mnemonics (None: not expandable)
    with open(os.path.join(REPO, path)) as f:
        for num, text in enumerate(f, 1):
            for piece in text.split("#", 1)[0].split(";"):
                words = piece.replace(",", " ").split()
                if words[:1] == [".macro"]:
                    macro = words[1]
                    macros[macro] = [] if len(words) == 2 else None
                    continue
                if words[:1] == [".endm"]:
                    macro = None
                    continue
                if macro is not None:
                    if macros[macro] is not None and words:
                        if words[0].startswith("."):
                            macros[macro] = None
                        else:
                            macros[macro].append(words[0])
                    continue
                while LABEL_RE.match(piece):
                    name = LABEL_RE.match(piece).group(1)
                    if not name.isdigit():
                        label = name
                        blocks[label] = (num, [])
                    piece = piece[LABEL_RE.match(piece).end():]
                word = piece.split()[0] if piece.split() else ""
                if not word or label is None or blocks[label][1] is None:
                    continue
                if word in macros and macros[word] is not None:
                    blocks[label][1].extend((num, m) for m in macros[word])
                elif word in macros or word.startswith(DATA_DIRECTIVES):
                    blocks[label] = (blocks[label][0], None)
                elif not word.startswith("."):
                    blocks[label][1].append((num, word))
    return blocks


def same_mnemonic(source, disassembled):
    """`movl` is objdump's `mov`, `pushal` its `pusha`, `lgdt` its `lgdtl`."""
    def norm(m):
        return m.lower().rstrip("bwlq")
    return norm(source) == norm(disassembled)


def asm_rows(kernel, funcs, covered):
    """Line rows for the labelled assembly blocks of ASM_SOURCES: one per
    instruction when the disassembly matches the source instruction by
    instruction, else one at the label for the whole block. Addresses in
    `covered` (DWARF rows) are left alone."""
    starts = {name: start for start, _size, name in funcs}
    bounds = sorted(start for start, _size, _name in funcs)
    rows = []
    for path in filter(lambda p: os.path.exists(os.path.join(REPO, p)), ASM_SOURCES):
        for label, (label_line, code) in asm_blocks(path).items():
            start = starts.get(label)
            if start is None or start in covered:
                continue
            end = next((b for b in bounds if b > start), start + 1)
            listing = run("objdump", "-d", "--no-show-raw-insn", "--start-address=%#x" % start,
                          "--stop-address=%#x" % end, kernel)
            insns = [(int(m.group(1), 16), m.group(2)) for m in
                     re.finditer(r"^\s*([0-9a-f]+):\s+([a-z][a-z0-9]*)", listing, re.M)]
            if code and len(insns) >= len(code) and all(
                    same_mnemonic(src, dis) for (_, src), (_, dis) in zip(code, insns)):
                rows += [(addr, path, num) for (addr, _), (num, _) in zip(insns, code)]
                after = insns[len(code)][0] if len(insns) > len(code) else end
            else:
                rows.append((start, path, label_line))
                after = end
            if after not in covered:
                rows.append((after, None, 0))
    # A block's end marker gives way to a block starting at the same address.
    by_addr = {}
    for addr, path, num in rows:
        if path is not None or addr not in by_addr:
            by_addr[addr] = (path, num)
    return [(a, p, n) for a, (p, n) in by_addr.items()]


def build_table(funcs, rows, headers):
    strtab = bytearray()
    offsets = {}

    def intern(s):
        if s not in offsets:
            offsets[s] = len(strtab)
            strtab.extend(s.encode() + b"\0")
        return offsets[s]

    files = []
    file_index = {}
    lines = []
    last = ()
    full = sorted(p for p in headers if os.path.isabs(p))
    for addr, path, num in rows:
        if path is None:
            key = (NO_FILE, 0)
        else:
            path = short_path(resolve(path, full))
            if path not in file_index:
                file_index[path] = len(files)
                files.append(intern(path))
            # Lines past 65535 do not fit the u16 field: report "line 0".
            key = (file_index[path], num if num <= 0xFFFF else 0)
        if key != last:
            lines.append((addr,) + key)
            last = key
    if len(files) >= NO_FILE:
        sys.exit("mksymtab: too many source files")
    out = bytearray(struct.pack("<6I", MAGIC, VERSION, len(funcs), len(lines), len(files), 0))
    for start, size, name in funcs:
        out += struct.pack("<3I", start, size, intern(name))
    for addr, file, num in lines:
        out += struct.pack("<IHH", addr, file, num)
    for name in files:
        out += struct.pack("<I", name)
    out += strtab
    struct.pack_into("<I", out, 20, len(strtab))
    return bytes(out), len(funcs), len(lines)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mksymtab.py KERNEL-ELF")
    kernel = sys.argv[1]
    with open(kernel, "rb") as f:
        elf = bytearray(f.read())
    secs = sections(elf)
    if ".ksymtab" not in secs:
        sys.exit("mksymtab: %s has no .ksymtab section (see kern/kernel.ld)" % kernel)
    text = [(a, a + s) for a, _o, s, fl in secs.values() if fl & SHF_EXECINSTR and s]

    def in_text(addr):
        return any(lo <= addr < hi for lo, hi in text)

    rows, headers = line_rows(kernel, in_text)
    funcs = functions(kernel, in_text)
    covered = {addr for addr, _path, _num in rows}
    rows = sorted(rows + asm_rows(kernel, funcs, covered), key=lambda r: r[0])
    table, nfuncs, nlines = build_table(funcs, rows, headers)
    _addr, offset, size, _flags = secs[".ksymtab"]
    if len(table) > size:
        sys.exit("mksymtab: table needs %d bytes but .ksymtab holds %d: enlarge it in kern/kernel.ld"
                 % (len(table), size))
    elf[offset:offset + len(table)] = table
    with open(kernel, "wb") as f:
        f.write(elf)
    if os.environ.get("MKSYMTAB_VERBOSE"):
        print("mksymtab: %d functions, %d line rows, %d of %d bytes" % (nfuncs, nlines, len(table), size))


if __name__ == "__main__":
    main()

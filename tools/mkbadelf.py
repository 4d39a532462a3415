#!/usr/bin/env python3
"""Write hostile ELF files for the kernel's loader to refuse.

usage: mkbadelf.py OUT_DIR

Each file is a small i386 executable with one thing wrong (see BAD below).
The grader hands them all to the kernel as multiboot modules and expects
one `[00000000] cannot load 'NAME': REASON` line per file, no panic and no
leaked page. The files are only rewritten when their bytes change.
"""
import os
import struct
import sys

UTOP = 0xEEC00000
UTEXT = 0x800000
EHDR_SIZE, PHDR_SIZE = 52, 32
EM_386, EM_X86_64 = 3, 62
PT_LOAD = 1

# Should a file ever load, it destroys itself: mov $3,%eax (env_destroy);
# xor %edx,%edx (envid 0); int $0x30; then spin.
CODE = bytes.fromhex("b803000000" "31d2" "cd30" "ebfe")


def elf(vaddr=UTEXT, memsz=None, filesz=None, offset=None, ident_class=1,
        machine=EM_386, magic=b"\x7fELF", phoff=EHDR_SIZE, body=CODE):
    """An ELF header, one PT_LOAD program header, then `body`."""
    offset = EHDR_SIZE + PHDR_SIZE if offset is None else offset
    filesz = len(body) if filesz is None else filesz
    memsz = filesz if memsz is None else memsz
    ident = magic + bytes([ident_class, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, vaddr, phoff, 0, 0,
                               EHDR_SIZE, PHDR_SIZE, 1, 40, 0, 0)
    phdr = struct.pack("<IIIIIIII", PT_LOAD, offset, vaddr, vaddr, filesz, memsz, 7, 0x1000)
    return ehdr + phdr + body


# name -> (bytes, the kernel's reason): the grader reads the reasons here.
BAD = {
    "badmagic": (elf(magic=b"\x7fELG"), "bad ELF magic"),
    "elf64": (elf(ident_class=2), "not a 32-bit little-endian ELF file"),
    "badmachine": (elf(machine=EM_X86_64), "not an i386 program"),
    "segutop": (elf(vaddr=UTOP, memsz=0x1000), "segment at or above UTOP"),
    "segkernel": (elf(vaddr=0xF0100000), "segment at or above UTOP"),
    "segwrap": (elf(memsz=0xFFF00000), "segment wraps past 4 GiB"),
    "bigfilesz": (elf(filesz=len(CODE) + 1, memsz=len(CODE)), "segment with filesz > memsz"),
    "phtrunc": (elf(phoff=EHDR_SIZE + PHDR_SIZE + len(CODE) - 8),
                "program headers beyond the end of the file"),
    "segtrunc": (elf(filesz=len(CODE) + 4096), "segment beyond the end of the file"),
    # Well formed, but needs ~2 GB: the loader must run out of memory
    # cleanly and give back every page it had mapped.
    "hugemem": (elf(memsz=0x7F000000), "out of memory"),
    "empty": (b"", "file shorter than an ELF header"),
}


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().split("\n\n")[1])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (data, _) in BAD.items():
        path = os.path.join(out, name)
        if os.path.exists(path) and open(path, "rb").read() == data:
            continue
        with open(path, "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())

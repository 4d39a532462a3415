#!/usr/bin/env python3
"""Copy the user programs cargo built into obj/user, stripped, for embedding.

usage: collect-user.py CARGO_OUT_DIR OBJ_USER_DIR

Only files that changed are rewritten, so the kernel is not rebuilt needlessly.
The list of programs is the [[bin]] targets of user/ (every file in
user/src/bin), plus C test programs under user/c that the Makefile built.
The programs in FS_ONLY go to OBJ_USER_DIR/../fsonly instead: they are put
on the disk image but not embedded in the kernel (too big to carry twice).
"""
import os
import shutil
import subprocess
import sys


# bigtext has 2 MB of demand-paged text (issue 9, docs/vm.md); it only ever
# runs spawned from the file system.
FS_ONLY = {"bigtext"}


def main():
    out_dir, obj_dir = sys.argv[1], sys.argv[2]
    fs_only_dir = os.path.join(os.path.dirname(os.path.abspath(obj_dir)), "fsonly")
    # Stripped copies are made beside, not in, the directories the kernel
    # embeds: creating and removing a temporary file there changes the
    # directory's mtime, which cargo's rerun-if-changed on the directory
    # took for a change (a kernel rebuild, 3 s of every `make grade`).
    stage_dir = os.path.join(os.path.dirname(os.path.abspath(obj_dir)), ".stage")
    os.makedirs(obj_dir, exist_ok=True)
    os.makedirs(fs_only_dir, exist_ok=True)
    os.makedirs(stage_dir, exist_ok=True)
    bin_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "user", "src", "bin")
    names = sorted(f[:-3] for f in os.listdir(bin_dir) if f.endswith(".rs")) if os.path.isdir(bin_dir) else []
    for name in names:
        src = os.path.join(out_dir, name)
        dst = os.path.join(fs_only_dir if name in FS_ONLY else obj_dir, name)
        tmp = os.path.join(stage_dir, name)
        shutil.copyfile(src, tmp)
        subprocess.run(["strip", "-g", tmp], check=True)
        if os.path.exists(dst) and open(dst, "rb").read() == open(tmp, "rb").read():
            os.remove(tmp)
        else:
            os.replace(tmp, dst)
    # Remove programs that no longer exist.
    for f in os.listdir(obj_dir):
        if (f not in names or f in FS_ONLY) and not f.endswith(".c.elf"):
            os.remove(os.path.join(obj_dir, f))
    for f in os.listdir(fs_only_dir):
        if f not in FS_ONLY:
            os.remove(os.path.join(fs_only_dir, f))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tests of tools/vmpicture.py on a canned vmmap output (host only)."""

import importlib.util
import os
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("vmpicture", os.path.join(ROOT, "tools", "vmpicture.py"))
vmpicture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vmpicture)

OUTPUT = """[00000000] new env 00001000
vmmap 00001000 parent after fork
  00800000-0080b000     11 r-uc- frames 0000a000-00015000
  00c00000-00c08000      8 r-u-- frame  00005000 (every page)
  30000000-30001000      1 rwu-s frames 00019000-0001a000
  eebfd000-eebfe000      1 rwu-- frames 00020000-00021000
  eebff000-eec00000      1 rwu-- frames 00016000-00017000
vmmap: 22 pages in 5 ranges, 5 page tables
vmmap 00001001 child after fork
  00800000-0080b000     11 r-uc- frames 0000a000-00015000
  00c00000-00c08000      8 r-u-- frame  00005000 (every page)
  30000000-30001000      1 rwu-s frames 00019000-0001a000
  eebfd000-eebfe000      1 rwu-- frames 00030000-00031000
  eebff000-eec00000      1 rwu-- frames 00031000-00032000
vmmap: 22 pages in 5 ranges, 5 page tables
"""


class Parse(unittest.TestCase):
    def test_sections_ranges_and_kinds(self):
        maps = vmpicture.parse(OUTPUT)
        self.assertEqual([(m.envid, m.label, len(m.ranges)) for m in maps],
                         [("00001000", "parent after fork", 5), ("00001001", "child after fork", 5)])
        kinds = [r.kind() for r in maps[0].ranges]
        self.assertEqual(kinds, ["copy-on-write", "zero page", "shared", "stack", "exception stack"])
        zero = maps[0].ranges[1]
        self.assertEqual((zero.frame, zero.frame_end, zero.same_frame), (0x5000, 0x6000, True))

    def test_links_join_exactly_the_shared_frames(self):
        a, b = vmpicture.parse(OUTPUT)
        left, _ = vmpicture.layout(a, 0)
        right, _ = vmpicture.layout(b, 0)
        # COW text/data, the zero page and the PTE_SHARE page; not the stacks.
        self.assertEqual(len(vmpicture.shared_links(left, right)), 3)
        self.assertEqual(list(vmpicture.pairs([a, b])), ["after fork"])

    def test_main_writes_one_picture_per_map_and_one_per_pair(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "run.out")
            with open(src, "w") as f:
                f.write(OUTPUT)
            self.assertEqual(vmpicture.main(["vmpicture", src, d]), 0)
            svgs = sorted(n for n in os.listdir(d) if n.endswith(".svg"))
            self.assertEqual(svgs, ["pair-after-fork.svg", "vmmap-00001000-parent-after-fork.svg",
                                    "vmmap-00001001-child-after-fork.svg"])
            with open(os.path.join(d, "pair-after-fork.svg")) as f:
                self.assertEqual(f.read().count("<line "), 3)
            with open(src, "w") as f:
                f.write("no maps here\n")
            self.assertEqual(vmpicture.main(["vmpicture", src, d]), 1)


if __name__ == "__main__":
    unittest.main()

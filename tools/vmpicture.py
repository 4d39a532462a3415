#!/usr/bin/env python3
"""Draws the address-space maps that `vmmap` (user) or `vmprint` (kernel
monitor) print as SVG pictures.

usage: vmpicture.py CONSOLE_OUTPUT OUTDIR

Every `vmmap ENVID LABEL` section becomes OUTDIR/vmmap-ENVID-LABEL.svg.
Sections whose labels differ only in their first word ("parent after fork",
"child after fork") are also drawn side by side in OUTDIR/pair-REST.svg,
with a line between every two ranges that share a frame: after fork, the
copy-on-write pages; after the writes, only what was never copied.

Ranges are drawn in address order, not to scale (a box grows with the log
of its page count), coloured by kind: the shared zero page, copy-on-write,
PTE_SHARE, the stack, the exception stack, other writable and read-only
memory. Gaps of unmapped address space are marked between boxes.
"""

import math
import os
import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

HEADER_RE = re.compile(r"^vmmap ([0-9a-f]{8}) (.+)$")
RANGE_RE = re.compile(r"^  ([0-9a-f]{8})-([0-9a-f]{8}) +([0-9]+) ([-rwucs]{5}) "
                      r"(?:frames ([0-9a-f]{8})-([0-9a-f]{8})|frame  ([0-9a-f]{8}) \(every page\))")

PGSIZE = 4096
USTACKTOP = 0xEEBFE000
UXSTACK = 0xEEBFF000
STACK_FLOOR = USTACKTOP - (1 << 20)

COLOURS = {
    "zero page": "#d0d0d0",
    "copy-on-write": "#f4a259",
    "shared": "#8cc084",
    "stack": "#7aa6d8",
    "exception stack": "#b48ead",
    "writable": "#f6e27f",
    "read-only": "#ffffff",
}


@dataclass
class Range:
    start: int
    end: int
    pages: int
    flags: str
    frame: int
    frame_end: int
    same_frame: bool

    def kind(self) -> str:
        if self.start == UXSTACK:
            return "exception stack"
        if STACK_FLOOR <= self.start < USTACKTOP:
            return "stack"
        if self.same_frame:
            return "zero page"
        if "c" in self.flags:
            return "copy-on-write"
        if "s" in self.flags:
            return "shared"
        return "writable" if "w" in self.flags else "read-only"

    def shares_frames_with(self, other: "Range") -> bool:
        return self.frame < other.frame_end and other.frame < self.frame_end


@dataclass
class Map:
    envid: str
    label: str
    ranges: List[Range]


def parse(text: str) -> List[Map]:
    """Every vmmap section of a console output, in order."""
    maps: List[Map] = []
    current: Optional[Map] = None
    for line in text.replace("\r", "").split("\n"):
        header = HEADER_RE.match(line)
        if header:
            current = Map(header.group(1), header.group(2).strip(), [])
            maps.append(current)
            continue
        m = RANGE_RE.match(line)
        if m and current is not None:
            start, end, pages, flags = int(m.group(1), 16), int(m.group(2), 16) or 1 << 32, int(m.group(3)), m.group(4)
            if m.group(7):
                frame, frame_end, same = int(m.group(7), 16), int(m.group(7), 16) + PGSIZE, True
            else:
                frame, frame_end, same = int(m.group(5), 16), int(m.group(6), 16), False
            current.ranges.append(Range(start, end, pages, flags, frame, frame_end, same))
        elif current is not None and not line.startswith("  "):
            current = None
    return maps


def box_height(r: Range) -> float:
    return 22 + 8 * math.log2(r.pages)


GAP = 14
WIDTH = 300


def layout(m: Map, top: float) -> Tuple[List[Tuple[Range, float, float]], float]:
    """(range, y, height) for each range, and the column's bottom."""
    placed, y, prev_end = [], top, None
    for r in m.ranges:
        if prev_end is not None and r.start != prev_end:
            y += GAP
        h = box_height(r)
        placed.append((r, y, h))
        y += h
        prev_end = r.end
    return placed, y


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def column(m: Map, x: float, top: float) -> Tuple[List[str], List[Tuple[Range, float, float]], float]:
    placed, bottom = layout(m, top + 30)
    out = ['<text x="%g" y="%g" font-weight="bold">%s %s</text>' % (x, top + 16, m.envid, esc(m.label))]
    prev: Optional[Range] = None
    for r, y, h in placed:
        if prev is not None and r.start != prev.end:
            gap_mb = (r.start - prev.end) / (1 << 20)
            out.append('<text x="%g" y="%g" font-size="10" fill="#777">... %.1f MB unmapped ...</text>'
                       % (x + 90, y - 3, gap_mb))
        kind = r.kind()
        out.append('<rect x="%g" y="%g" width="%d" height="%g" fill="%s" stroke="#333"/>'
                   % (x, y, WIDTH, h, COLOURS[kind]))
        frames = ("frame %08x (every page)" % r.frame) if r.same_frame else "frames %08x-%08x" % (r.frame, r.frame_end)
        out.append('<text x="%g" y="%g" font-size="11">%08x-%08x %d pg %s %s</text>'
                   % (x + 4, y + 13, r.start, r.end & 0xFFFFFFFF, r.pages, r.flags, kind))
        out.append('<text x="%g" y="%g" font-size="10" fill="#444">%s</text>' % (x + 4, y + 13 + 10, frames))
        prev = r
    return out, placed, bottom


def legend(y: float) -> List[str]:
    out = []
    for i, (kind, colour) in enumerate(COLOURS.items()):
        out.append('<rect x="%d" y="%g" width="12" height="12" fill="%s" stroke="#333"/>' % (10 + i * 120, y, colour))
        out.append('<text x="%d" y="%g" font-size="11">%s</text>' % (26 + i * 120, y + 10, kind))
    return out


def svg(body: List[str], width: float, height: float) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace" font-size="12">\n'
            '<rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n' % (width, height, "\n".join(body)))


def draw_one(m: Map) -> str:
    body, _, bottom = column(m, 10, 0)
    return svg(body + legend(bottom + 15), max(WIDTH + 20, 860), bottom + 40)


def shared_links(left: List[Tuple[Range, float, float]], right: List[Tuple[Range, float, float]]) -> List[Tuple[float, float]]:
    """(y on the left, y on the right) for every two ranges sharing a frame."""
    return [(ly + lh / 2, ry + rh / 2) for lr, ly, lh in left for rr, ry, rh in right if lr.shares_frames_with(rr)]


def draw_pair(a: Map, b: Map) -> str:
    left, lplaced, lbottom = column(a, 10, 0)
    xr = WIDTH + 170
    right, rplaced, rbottom = column(b, xr, 0)
    links = ['<line x1="%d" y1="%g" x2="%d" y2="%g" stroke="#c0392b" stroke-width="1.5"/>'
             % (10 + WIDTH, y1, xr, y2) for y1, y2 in shared_links(lplaced, rplaced)]
    bottom = max(lbottom, rbottom)
    note = ['<text x="10" y="%g" font-size="11">red lines: ranges that share frames</text>' % (bottom + 45)]
    return svg(left + right + links + legend(bottom + 15) + note, max(xr + WIDTH + 20, 860), bottom + 60)


def slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")


def pairs(maps: List[Map]) -> Dict[str, Tuple[Map, Map]]:
    """Maps of two envs whose labels agree after the first word."""
    by_rest: Dict[str, List[Map]] = {}
    for m in maps:
        words = m.label.split(" ", 1)
        if len(words) == 2:
            by_rest.setdefault(words[1], []).append(m)
    return {rest: (ms[0], ms[1]) for rest, ms in by_rest.items()
            if len(ms) == 2 and ms[0].envid != ms[1].envid}


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1], errors="replace") as f:
        maps = parse(f.read())
    if not maps:
        print("vmpicture: no 'vmmap ENVID LABEL' sections in %s (does the program call jos::vmmap::vmmap?)"
              % argv[1], file=sys.stderr)
        return 1
    os.makedirs(argv[2], exist_ok=True)
    written = []
    for m in maps:
        written.append(os.path.join(argv[2], "vmmap-%s-%s.svg" % (m.envid, slug(m.label))))
        with open(written[-1], "w") as f:
            f.write(draw_one(m))
    for rest, (a, b) in pairs(maps).items():
        written.append(os.path.join(argv[2], "pair-%s.svg" % slug(rest)))
        with open(written[-1], "w") as f:
            f.write(draw_pair(a, b))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

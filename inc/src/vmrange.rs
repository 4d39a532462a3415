//! Page-table views: runs of pages merged into ranges, as the kernel's
//! `vmprint` command and the user program `vmmap` print them.
//!
//! A walk feeds every mapped page (its va and PTE) to a [`Merger`] in
//! address order. Consecutive pages join one [`Range`] when their shown
//! rights are equal and their frames follow each other, or when every page
//! maps the very same frame (the shared zero page). Both sides print a
//! range with [`Range::flags`] and the same layout, so one host tool
//! (`tools/vmpicture.py`) reads either.

use crate::memlayout::PGSIZE;
use crate::mmu::{pte_addr, PTE_COW, PTE_P, PTE_SHARE, PTE_U, PTE_W};
use crate::printfmt::snprintf;

/// Room for one line of [`Range::line`] (about 60 bytes are used).
pub const LINE_MAX: usize = 96;

/// The PTE bits a view shows; the rest (accessed, dirty, ...) do not split
/// a range.
pub const SHOWN_BITS: u32 = PTE_P | PTE_W | PTE_U | PTE_COW | PTE_SHARE;

/// Pages `[start, start + pages * PGSIZE)` with the same rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub pages: u32,
    /// The frame of the first page.
    pub frame: u32,
    /// Every page maps `frame` itself (else the frames are consecutive).
    pub same_frame: bool,
    /// The shown PTE bits.
    pub perm: u32,
}

impl Range {
    fn new(va: u32, pte: u32) -> Range {
        Range {
            start: va,
            pages: 1,
            frame: pte_addr(pte),
            same_frame: false,
            perm: pte & SHOWN_BITS,
        }
    }

    /// The first address after the range (as u64: a range may end at 4 GB).
    pub fn end(&self) -> u64 {
        self.start as u64 + self.pages as u64 * PGSIZE as u64
    }

    /// The range as one line of `vmprint` and `vmmap` (newline included),
    /// formatted into `buf`.
    pub fn line<'b>(&self, buf: &'b mut [u8; LINE_MAX]) -> &'b str {
        let flags = self.flags();
        let flags = core::str::from_utf8(&flags).unwrap_or("?????");
        let (start, end) = (self.start, self.end() as u32);
        let n = if self.same_frame {
            let fmt = "  %08x-%08x %6u %s frame  %08x (every page)\n";
            snprintf(
                buf,
                fmt,
                crate::jos_args!(start, end, self.pages, flags, self.frame),
            )
        } else {
            let fmt = "  %08x-%08x %6u %s frames %08x-%08x\n";
            let frame_end = self.frame_end() as u32;
            snprintf(
                buf,
                fmt,
                crate::jos_args!(start, end, self.pages, flags, self.frame, frame_end),
            )
        };
        core::str::from_utf8(&buf[..n]).unwrap_or("")
    }

    /// The frame after the last one, for consecutive frames.
    pub fn frame_end(&self) -> u64 {
        let n = if self.same_frame { 1 } else { self.pages };
        self.frame as u64 + n as u64 * PGSIZE as u64
    }

    /// Whether the page at `va` with `pte` continues this range; if so,
    /// takes it in.
    fn absorb(&mut self, va: u32, pte: u32) -> bool {
        let pa = pte_addr(pte) as u64;
        if pte & SHOWN_BITS != self.perm || va as u64 != self.end() {
            return false;
        }
        let same = pa == self.frame as u64;
        let next = pa == self.frame as u64 + self.pages as u64 * PGSIZE as u64;
        let fits = match (self.pages, self.same_frame) {
            (1, _) => same || next,
            (_, true) => same,
            (_, false) => next,
        };
        if fits {
            self.same_frame = same;
            self.pages += 1;
        }
        fits
    }

    /// The rights as five letters: `r` (always: the page is present), `w`,
    /// `u`, `c` (PTE_COW) and `s` (PTE_SHARE), `-` where a bit is clear.
    pub fn flags(&self) -> [u8; 5] {
        let bit = |b: u32, c: u8| if self.perm & b != 0 { c } else { b'-' };
        [
            bit(PTE_P, b'r'),
            bit(PTE_W, b'w'),
            bit(PTE_U, b'u'),
            bit(PTE_COW, b'c'),
            bit(PTE_SHARE, b's'),
        ]
    }
}

/// Merges pages fed in increasing address order into ranges.
#[derive(Default)]
pub struct Merger {
    current: Option<Range>,
}

impl Merger {
    pub const fn new() -> Merger {
        Merger { current: None }
    }

    /// Adds the present page at `va` mapped by `pte`. Returns the previous
    /// range when this page cannot join it (that range is then complete).
    pub fn push(&mut self, va: u32, pte: u32) -> Option<Range> {
        if let Some(r) = self.current.as_mut() {
            if r.absorb(va, pte) {
                return None;
            }
        }
        self.current.replace(Range::new(va, pte))
    }

    /// The last range, once the walk is over.
    pub fn finish(&mut self) -> Option<Range> {
        self.current.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RWU: u32 = PTE_P | PTE_W | PTE_U;
    const RU: u32 = PTE_P | PTE_U;

    fn merge(pages: &[(u32, u32)]) -> Vec<Range> {
        let mut m = Merger::new();
        let mut out: Vec<Range> = pages
            .iter()
            .filter_map(|&(va, pte)| m.push(va, pte))
            .collect();
        out.extend(m.finish());
        out
    }

    #[test]
    fn lines_are_what_vmprint_and_vmmap_print() {
        let mut buf = [0; LINE_MAX];
        let shared = Range {
            start: 0x1000_0000,
            pages: 8,
            frame: 0x5000,
            same_frame: true,
            perm: PTE_P | PTE_U,
        };
        assert_eq!(
            shared.line(&mut buf),
            "  10000000-10008000      8 r-u-- frame  00005000 (every page)\n"
        );
        let run = Range {
            start: 0x80_0000,
            pages: 2,
            frame: 0x9000,
            same_frame: false,
            perm: PTE_P | PTE_U | PTE_W,
        };
        assert_eq!(
            run.line(&mut buf),
            "  00800000-00802000      2 rwu-- frames 00009000-0000b000\n"
        );
    }

    #[test]
    fn consecutive_frames_merge() {
        let r = merge(&[
            (0x800000, 0x5000 | RU),
            (0x801000, 0x6000 | RU),
            (0x802000, 0x7000 | RU),
        ]);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].start, r[0].pages, r[0].frame, r[0].same_frame),
            (0x800000, 3, 0x5000, false)
        );
        assert_eq!(r[0].end(), 0x803000);
        assert_eq!(r[0].frame_end(), 0x8000);
        assert_eq!(&r[0].flags(), b"r-u--");
    }

    #[test]
    fn one_frame_repeated_merges() {
        let zero = 0x0012_3000;
        let pages: Vec<(u32, u32)> = (0..1000)
            .map(|i| (0x1000_0000 + i * PGSIZE, zero | RU))
            .collect();
        let r = merge(&pages);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].pages, r[0].frame, r[0].same_frame),
            (1000, zero, true)
        );
        assert_eq!(r[0].frame_end(), zero as u64 + 0x1000);
    }

    #[test]
    fn rights_gaps_and_frames_split() {
        let r = merge(&[
            (0x800000, 0x5000 | RU),
            (0x801000, 0x6000 | RWU),                  // other rights
            (0x803000, 0x7000 | RWU),                  // a hole before it
            (0x804000, 0x9000 | RWU),                  // frame not next
            (0x805000, 0xA000 | RWU | PTE_COW),        // COW
            (0x806000, 0xB000 | RWU | PTE_COW | 0x60), // accessed+dirty do not split
        ]);
        let starts: Vec<u32> = r.iter().map(|r| r.start).collect();
        assert_eq!(starts, [0x800000, 0x801000, 0x803000, 0x804000, 0x805000]);
        assert_eq!(r[4].pages, 2);
        assert_eq!(&r[4].flags(), b"rwuc-");
        assert_eq!(&Range::new(0, PTE_SHARE | RWU).flags(), b"rwu-s");
    }

    #[test]
    fn a_repeated_frame_then_a_new_one_splits() {
        let r = merge(&[
            (0x1000, 0x5000 | RU),
            (0x2000, 0x5000 | RU),
            (0x3000, 0x6000 | RU),
        ]);
        assert_eq!(r.len(), 2);
        assert!(r[0].same_frame && r[0].pages == 2);
        // ...and consecutive frames do not take a repeat.
        let r = merge(&[
            (0x1000, 0x5000 | RU),
            (0x2000, 0x6000 | RU),
            (0x3000, 0x6000 | RU),
        ]);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn top_of_memory_does_not_overflow() {
        let r = merge(&[(0xFFFF_F000, 0x5000 | RU)]);
        assert_eq!(r[0].end(), 1 << 32);
        assert_eq!(merge(&[]), []);
    }
}

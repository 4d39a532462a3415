//! The parts of an ELF file `spawn` reads: the file header and the program
//! headers, decoded from raw little-endian bytes and checked. Pure logic,
//! tested on the host.

use inc::error::E_NOT_EXEC;
use inc::fs::TextRange;
use inc::memlayout::UTOP;

/// `\x7fELF` read as a little-endian word.
pub const ELF_MAGIC: u32 = 0x464C_457F;
/// Bytes of an ELF32 file header and of one program header.
pub const EHDR_SIZE: usize = 52;
pub const PHDR_SIZE: usize = 32;
pub const PT_LOAD: u32 = 1;
/// `p_flags` bit: the segment is writable.
pub const PF_W: u32 = 2;
/// `p_flags` bit, from the range the ELF standard leaves to the OS
/// (PF_MASKOS): the program asks for this read-only segment to be paged in
/// on first touch (`lib/user.ld` sets it on `.lazytext`; docs/vm.md).
pub const PF_RJOS_DEMAND: u32 = 0x0010_0000;

/// How spawn brings one loadable segment into the child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Nothing now: the child's library pages it in from the file on first
    /// touch (read-only loans of the server's cache pages).
    Demand(TextRange),
    /// Now, as read-only loans of the server's cache pages: every env
    /// running the program shares the frames.
    Lend,
    /// Now, as private pages filled from the file (writable segments, a
    /// bss, a file offset not page-aligned with the address).
    Copy,
}

/// The placement of segment `ph` of a program entered at `entry`. Only
/// read-only pages that are file bytes throughout can be shared, and the
/// segment holding the entry point is never left to page in: the library
/// code that pages in must itself be there when the program starts.
pub fn placement(ph: &ProgHeader, entry: u32, page_size: u32) -> Placement {
    let aligned = ph.offset % page_size == ph.va % page_size;
    if ph.flags & PF_W != 0 || ph.filesz != ph.memsz || !aligned {
        return Placement::Copy;
    }
    let start = ph.va - ph.va % page_size;
    let end = (ph.va + ph.memsz).div_ceil(page_size) * page_size;
    let has_entry = (ph.va..ph.va + ph.memsz).contains(&entry);
    if ph.flags & PF_RJOS_DEMAND != 0 && !has_entry {
        let offset = ph.offset - ph.offset % page_size;
        return Placement::Demand(TextRange { start, end, offset });
    }
    Placement::Lend
}

/// What spawn needs from the file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElfHeader {
    pub entry: u32,
    pub phoff: u32,
    pub phnum: u16,
}

/// One program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgHeader {
    pub p_type: u32,
    pub offset: u32,
    pub va: u32,
    pub filesz: u32,
    pub memsz: u32,
    pub flags: u32,
}

fn word(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn half(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

/// Decodes a file header; anything but a 32-bit ELF with the right magic
/// and program-header size is `-E_NOT_EXEC`.
pub fn parse_header(b: &[u8]) -> Result<ElfHeader, i32> {
    if b.len() < EHDR_SIZE || word(b, 0) != ELF_MAGIC || b[4] != 1 {
        return Err(-E_NOT_EXEC);
    }
    let phnum = half(b, 44);
    if phnum > 0 && half(b, 42) as usize != PHDR_SIZE {
        return Err(-E_NOT_EXEC);
    }
    Ok(ElfHeader {
        entry: word(b, 24),
        phoff: word(b, 28),
        phnum,
    })
}

/// Decodes a program header; a loadable segment that does not fit below
/// UTOP or has more file bytes than memory is `-E_NOT_EXEC`.
pub fn parse_prog_header(b: &[u8]) -> Result<ProgHeader, i32> {
    if b.len() < PHDR_SIZE {
        return Err(-E_NOT_EXEC);
    }
    let ph = ProgHeader {
        p_type: word(b, 0),
        offset: word(b, 4),
        va: word(b, 8),
        filesz: word(b, 16),
        memsz: word(b, 20),
        flags: word(b, 24),
    };
    if ph.p_type == PT_LOAD {
        let end = ph.va.checked_add(ph.memsz);
        if ph.filesz > ph.memsz || end.is_none_or(|end| end > UTOP) {
            return Err(-E_NOT_EXEC);
        }
        if ph.offset.checked_add(ph.filesz).is_none() {
            return Err(-E_NOT_EXEC);
        }
    }
    Ok(ph)
}

/// For the page at `page_va` of segment `ph`: which file bytes land in it,
/// as (offset in the page, offset in the file, length).
pub fn file_part(ph: &ProgHeader, page_va: u32, page_size: u32) -> Option<(u32, u32, u32)> {
    let start = ph.va.max(page_va);
    let end = (ph.va + ph.filesz).min(page_va + page_size);
    (start < end).then(|| (start - page_va, ph.offset + (start - ph.va), end - start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(phnum: u16) -> Vec<u8> {
        let mut b = vec![0u8; EHDR_SIZE];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 1;
        b[24..28].copy_from_slice(&0x80_0020u32.to_le_bytes());
        b[28..32].copy_from_slice(&52u32.to_le_bytes());
        b[42..44].copy_from_slice(&32u16.to_le_bytes());
        b[44..46].copy_from_slice(&phnum.to_le_bytes());
        b
    }

    #[test]
    fn good_header_decodes() {
        let h = parse_header(&header(2)).unwrap();
        assert_eq!(
            h,
            ElfHeader {
                entry: 0x80_0020,
                phoff: 52,
                phnum: 2
            }
        );
    }

    #[test]
    fn not_an_elf_is_not_exec() {
        assert_eq!(
            parse_header(b"This is /motd, the message of the day."),
            Err(-E_NOT_EXEC)
        );
        assert_eq!(parse_header(&header(1)[..40]), Err(-E_NOT_EXEC));
        let mut b = header(1);
        b[4] = 2; // 64-bit
        assert_eq!(parse_header(&b), Err(-E_NOT_EXEC));
    }

    fn phdr(va: u32, filesz: u32, memsz: u32) -> Vec<u8> {
        let mut b = vec![0u8; PHDR_SIZE];
        for (off, v) in [
            (0, PT_LOAD),
            (4, 0x1000),
            (8, va),
            (16, filesz),
            (20, memsz),
            (24, PF_W),
        ] {
            b[off..off + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    #[test]
    fn segments_are_checked() {
        assert!(parse_prog_header(&phdr(0x80_0000, 0x100, 0x2000)).is_ok());
        assert_eq!(
            parse_prog_header(&phdr(0x80_0000, 0x200, 0x100)),
            Err(-E_NOT_EXEC)
        );
        assert_eq!(
            parse_prog_header(&phdr(UTOP - 0x1000, 0, 0x2000)),
            Err(-E_NOT_EXEC)
        );
        assert_eq!(
            parse_prog_header(&phdr(0xFFFF_F000, 0, 0x2000)),
            Err(-E_NOT_EXEC)
        );
    }

    #[test]
    fn file_bytes_per_page() {
        let ph = parse_prog_header(&phdr(0x80_0020, 0x1800, 0x3000)).unwrap();
        assert_eq!(
            file_part(&ph, 0x80_0000, 0x1000),
            Some((0x20, 0x1000, 0xFE0))
        );
        assert_eq!(file_part(&ph, 0x80_1000, 0x1000), Some((0, 0x1FE0, 0x820)));
        assert_eq!(file_part(&ph, 0x80_2000, 0x1000), None); // bss only
    }

    fn segment(offset: u32, va: u32, filesz: u32, memsz: u32, flags: u32) -> ProgHeader {
        ProgHeader {
            p_type: PT_LOAD,
            offset,
            va,
            filesz,
            memsz,
            flags,
        }
    }

    #[test]
    fn placement_shares_only_whole_read_only_file_pages() {
        const R: u32 = 4;
        const RX: u32 = 5;
        let entry = 0x80_0020;
        let text = segment(0x1020, 0x80_0020, 0x799d, 0x799d, RX);
        assert_eq!(placement(&text, entry, 0x1000), Placement::Lend);
        let data = segment(0x9000, 0x80_9000, 0x100, 0x100, R | PF_W);
        assert_eq!(placement(&data, entry, 0x1000), Placement::Copy);
        let ro_bss = segment(0x9000, 0x80_9000, 0x100, 0x2000, R);
        assert_eq!(placement(&ro_bss, entry, 0x1000), Placement::Copy);
        let misaligned = segment(0x1010, 0x80_0020, 0x100, 0x100, RX);
        assert_eq!(placement(&misaligned, entry, 0x1000), Placement::Copy);
    }

    #[test]
    fn placement_leaves_marked_segments_to_page_in_unless_they_hold_the_entry() {
        let lazy = segment(0x9100, 0x80_a100, 0x20_0000, 0x20_0000, 5 | PF_RJOS_DEMAND);
        assert_eq!(
            placement(&lazy, 0x80_0020, 0x1000),
            Placement::Demand(TextRange {
                start: 0x80_a000,
                end: 0xA0_b000,
                offset: 0x9000
            })
        );
        assert_eq!(placement(&lazy, 0x80_a200, 0x1000), Placement::Lend);
        let mut writable = lazy;
        writable.flags |= PF_W;
        assert_eq!(placement(&writable, 0x80_0020, 0x1000), Placement::Copy);
    }
}

//! Checking a user program's ELF image before the loader maps any of it.
//!
//! `load_icode` only ever sees an [`ElfImage`], which exists once every
//! header has been checked: right magic, 32-bit little-endian i386
//! executable, program-header table inside the file, and every PT_LOAD
//! segment below UTOP, not wrapping, with `filesz <= memsz` and its file
//! bytes inside the file. Other program headers are ignored, as JOS does.
//! Nothing here touches memory outside the byte slice, so it all runs on the
//! host.

use goblin::elf::header::{EI_CLASS, EI_DATA, ELFCLASS32, ELFDATA2LSB, ELFMAG, EM_386, ET_EXEC};
use goblin::elf32::header::{Header, SIZEOF_EHDR};
use goblin::elf32::program_header::{ProgramHeader, PT_LOAD, SIZEOF_PHDR};
use inc::memlayout::UTOP;

/// One loadable segment: `memsz` bytes at `va`, the first `data.len()` of
/// them from the file, the rest zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    pub va: u32,
    pub memsz: u32,
    pub data: &'a [u8],
}

/// An ELF file whose headers passed every check.
#[derive(Clone, Copy, Debug)]
pub struct ElfImage<'a> {
    bytes: &'a [u8],
    entry: u32,
    phoff: usize,
    phnum: usize,
}

impl<'a> ElfImage<'a> {
    /// Checks `bytes`; `Err` says in a few words what is wrong.
    pub fn parse(bytes: &'a [u8]) -> Result<ElfImage<'a>, &'static str> {
        let hdr = read_header(bytes).ok_or("file shorter than an ELF header")?;
        if hdr.e_ident[..ELFMAG.len()] != ELFMAG[..] {
            return Err("bad ELF magic");
        }
        if hdr.e_ident[EI_CLASS] != ELFCLASS32 || hdr.e_ident[EI_DATA] != ELFDATA2LSB {
            return Err("not a 32-bit little-endian ELF file");
        }
        if hdr.e_machine != EM_386 {
            return Err("not an i386 program");
        }
        if hdr.e_type != ET_EXEC {
            return Err("not an executable");
        }
        if hdr.e_phnum > 0 && hdr.e_phentsize as usize != SIZEOF_PHDR {
            return Err("odd program-header size");
        }
        let phoff = hdr.e_phoff as usize;
        let phnum = hdr.e_phnum as usize;
        let table_end = phoff.checked_add(phnum * SIZEOF_PHDR);
        if table_end.is_none_or(|end| end > bytes.len()) {
            return Err("program headers beyond the end of the file");
        }
        let image = ElfImage {
            bytes,
            entry: hdr.e_entry,
            phoff,
            phnum,
        };
        for i in 0..phnum {
            let ph = image.program_header(i);
            if ph.p_type == PT_LOAD {
                check_segment(&ph, bytes.len())?;
            }
        }
        Ok(image)
    }

    /// Where the program starts.
    pub fn entry(&self) -> u32 {
        self.entry
    }

    /// The PT_LOAD segments, in file order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'a>> + '_ {
        (0..self.phnum)
            .map(|i| self.program_header(i))
            .filter(|ph| ph.p_type == PT_LOAD)
            .map(|ph| {
                let off = ph.p_offset as usize;
                Segment {
                    va: ph.p_vaddr,
                    memsz: ph.p_memsz,
                    data: &self.bytes[off..off + ph.p_filesz as usize],
                }
            })
    }

    /// Program header `i` (`parse` checked the table lies inside the file).
    fn program_header(&self, i: usize) -> ProgramHeader {
        let at = self.phoff + i * SIZEOF_PHDR;
        let mut buf = Aligned([0; SIZEOF_PHDR]);
        buf.0.copy_from_slice(&self.bytes[at..at + SIZEOF_PHDR]);
        // SAFETY: `buf` holds SIZEOF_PHDR initialised bytes, is aligned for
        // ProgramHeader (a plain struct of u32s) and outlives the copy below.
        unsafe { ProgramHeader::from_raw_parts(buf.0.as_ptr().cast(), 1)[0] }
    }
}

/// A byte buffer aligned like the ELF structures read out of it (the file
/// itself may put a table at any offset).
#[repr(C, align(4))]
struct Aligned<const N: usize>([u8; N]);

fn read_header(bytes: &[u8]) -> Option<Header> {
    let mut buf = Aligned([0; SIZEOF_EHDR]);
    buf.0.copy_from_slice(bytes.get(..SIZEOF_EHDR)?);
    Some(*Header::from_bytes(&buf.0))
}

fn check_segment(ph: &ProgramHeader, file_len: usize) -> Result<(), &'static str> {
    if ph.p_filesz > ph.p_memsz {
        return Err("segment with filesz > memsz");
    }
    match ph.p_vaddr.checked_add(ph.p_memsz) {
        None if ph.p_vaddr < UTOP => return Err("segment wraps past 4 GiB"),
        Some(end) if end <= UTOP => {}
        _ => return Err("segment at or above UTOP"),
    }
    let file_end = (ph.p_offset as usize).checked_add(ph.p_filesz as usize);
    if file_end.is_none_or(|end| end > file_len) {
        return Err("segment beyond the end of the file");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use goblin::elf::header::EM_X86_64;

    /// A minimal ELF file: header, `segs.len()` program headers, then `body`.
    fn build(segs: &[(u32, u32, u32, u32, u32)], body: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; SIZEOF_EHDR];
        f[..4].copy_from_slice(ELFMAG);
        f[EI_CLASS] = ELFCLASS32;
        f[EI_DATA] = ELFDATA2LSB;
        f[6] = 1;
        f[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        f[18..20].copy_from_slice(&EM_386.to_le_bytes());
        f[24..28].copy_from_slice(&0x80_0020u32.to_le_bytes());
        f[28..32].copy_from_slice(&(SIZEOF_EHDR as u32).to_le_bytes());
        f[42..44].copy_from_slice(&(SIZEOF_PHDR as u16).to_le_bytes());
        f[44..46].copy_from_slice(&(segs.len() as u16).to_le_bytes());
        for &(ty, off, va, filesz, memsz) in segs {
            for w in [ty, off, va, va, filesz, memsz, 7, 0x1000] {
                f.extend_from_slice(&w.to_le_bytes());
            }
        }
        f.extend_from_slice(body);
        f
    }

    const BODY_AT: u32 = (SIZEOF_EHDR + 2 * SIZEOF_PHDR) as u32;

    #[test]
    fn accepts_a_good_program_and_lists_its_segments() {
        let f = build(
            &[
                (PT_LOAD, BODY_AT, 0x80_0000, 4, 0x2000),
                (4, 0, 0xFFFF_F000, 0x9999, 0x9999), // a PT_NOTE: ignored
            ],
            b"abcd",
        );
        let img = ElfImage::parse(&f).unwrap();
        assert_eq!(img.entry(), 0x80_0020);
        let segs: Vec<_> = img.segments().collect();
        assert_eq!(
            segs,
            [Segment {
                va: 0x80_0000,
                memsz: 0x2000,
                data: b"abcd"
            }]
        );
    }

    #[test]
    fn refuses_bad_headers() {
        let good = build(&[], b"");
        let mut f = good.clone();
        f[0] = 0;
        assert_eq!(ElfImage::parse(&f).unwrap_err(), "bad ELF magic");
        let mut f = good.clone();
        f[EI_CLASS] = 2;
        assert!(ElfImage::parse(&f).is_err());
        let mut f = good.clone();
        f[18..20].copy_from_slice(&EM_X86_64.to_le_bytes());
        assert_eq!(ElfImage::parse(&f).unwrap_err(), "not an i386 program");
        assert!(ElfImage::parse(&good[..20]).is_err());
        assert!(ElfImage::parse(&good).is_ok());
    }

    #[test]
    fn refuses_bad_segments() {
        let bad = |seg| ElfImage::parse(&build(&[seg, (0, 0, 0, 0, 0)], b"abcd")).unwrap_err();
        assert_eq!(
            bad((PT_LOAD, BODY_AT, 0x80_0000, 8, 4)),
            "segment with filesz > memsz"
        );
        assert_eq!(
            bad((PT_LOAD, BODY_AT, UTOP, 0, 4)),
            "segment at or above UTOP"
        );
        assert_eq!(
            bad((PT_LOAD, BODY_AT, UTOP - 4, 0, 8)),
            "segment at or above UTOP"
        );
        assert_eq!(
            bad((PT_LOAD, BODY_AT, 0xFFFF_F000, 0, 0x2000)),
            "segment at or above UTOP"
        );
        assert_eq!(
            bad((PT_LOAD, BODY_AT, 0x80_0000, 0, 0xFFF0_0000)),
            "segment wraps past 4 GiB"
        );
        assert_eq!(
            bad((PT_LOAD, BODY_AT, 0x80_0000, 5, 5)),
            "segment beyond the end of the file"
        );
        assert_eq!(
            bad((PT_LOAD, u32::MAX, 0x80_0000, 5, 5)),
            "segment beyond the end of the file"
        );
    }

    #[test]
    fn refuses_a_truncated_header_table() {
        let f = build(&[(PT_LOAD, BODY_AT, 0x80_0000, 0, 0)], b"");
        assert_eq!(
            ElfImage::parse(&f[..f.len() - 1]).unwrap_err(),
            "program headers beyond the end of the file"
        );
    }
}

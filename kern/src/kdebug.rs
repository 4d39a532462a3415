//! Kernel debugging: which function and source line an address belongs to.
//!
//! JOS read STABS that the linker left in the kernel. Our kernel carries a
//! table of its own instead: `tools/mksymtab.py` reads the linked kernel's
//! symbols (`nm`) and DWARF line table (`objdump`), and writes the result
//! into the `.ksymtab` section that `kernel.ld` reserved for it. The kernel
//! never allocates to read it: [`SymTab`] is a view over those bytes.
//!
//! The format, all numbers little-endian u32 unless noted:
//!
//! ```text
//! header   magic, version, nfuncs, nlines, nfiles, strtab_len
//! funcs    nfuncs x (start, size, name)       sorted by start
//! lines    nlines x (addr, file u16, line u16) sorted by addr; each row covers
//!          [addr, next row's addr); file NO_FILE marks a gap without source
//! files    nfiles x name
//! strtab   strtab_len bytes of NUL-terminated strings (names are offsets here)
//! ```

/// "KSYM" read as a little-endian u32.
pub const MAGIC: u32 = 0x4D59_534B;
pub const VERSION: u32 = 1;
/// A line-table row with this file index covers code without source lines.
pub const NO_FILE: u16 = 0xFFFF;

const HEADER_LEN: usize = 24;
const FUNC_LEN: usize = 12;
const LINE_LEN: usize = 8;
const FILE_LEN: usize = 4;

/// A parsed view of a symbol table.
#[derive(Clone, Copy, Debug)]
pub struct SymTab<'a> {
    funcs: &'a [u8],
    lines: &'a [u8],
    files: &'a [u8],
    strtab: &'a [u8],
}

/// What the symbol table knows about one code address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EipDebugInfo<'a> {
    /// Source file (relative to the repository for our own code) and line.
    pub source: Option<(&'a str, u32)>,
    /// Name of the enclosing function and its start address.
    pub function: Option<(&'a str, u32)>,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let bytes = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    let bytes = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

/// Splits `n` records of `len` bytes off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], n: u32, len: usize) -> Option<&'a [u8]> {
    let total = (n as usize).checked_mul(len)?;
    if rest.len() < total {
        return None;
    }
    let (head, tail) = rest.split_at(total);
    *rest = tail;
    Some(head)
}

/// Index of the last of `n` sorted records whose key is <= `addr`.
fn last_at_or_below(n: usize, addr: u32, key: impl Fn(usize) -> u32) -> Option<usize> {
    // Binary search for the first record whose key is > addr.
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if key(mid) <= addr {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo.checked_sub(1)
}

impl<'a> SymTab<'a> {
    /// Checks the header and that every section fits; `None` for anything
    /// else (for instance the zeros of a kernel that `mksymtab.py` skipped).
    pub fn parse(bytes: &'a [u8]) -> Option<SymTab<'a>> {
        if u32_at(bytes, 0)? != MAGIC || u32_at(bytes, 4)? != VERSION {
            return None;
        }
        let nfuncs = u32_at(bytes, 8)?;
        let nlines = u32_at(bytes, 12)?;
        let nfiles = u32_at(bytes, 16)?;
        let strtab_len = u32_at(bytes, 20)?;
        let mut rest = bytes.get(HEADER_LEN..)?;
        Some(SymTab {
            funcs: take(&mut rest, nfuncs, FUNC_LEN)?,
            lines: take(&mut rest, nlines, LINE_LEN)?,
            files: take(&mut rest, nfiles, FILE_LEN)?,
            strtab: take(&mut rest, strtab_len, 1)?,
        })
    }

    /// The NUL-terminated string at `off` in the string table.
    fn string(&self, off: u32) -> Option<&'a str> {
        let tail = self.strtab.get(off as usize..)?;
        let len = tail.iter().position(|&b| b == 0)?;
        core::str::from_utf8(&tail[..len]).ok()
    }

    /// The function containing `addr`: its name and start address.
    pub fn function(&self, addr: u32) -> Option<(&'a str, u32)> {
        let n = self.funcs.len() / FUNC_LEN;
        let field = |i: usize, f: usize| u32_at(self.funcs, i * FUNC_LEN + f).unwrap_or(0);
        let i = last_at_or_below(n, addr, |i| field(i, 0))?;
        let (start, size) = (field(i, 0), field(i, 4));
        // Size 0 (an assembly label) reaches up to the next symbol.
        if size != 0 && addr - start >= size {
            return None;
        }
        Some((self.string(field(i, 8))?, start))
    }

    /// The source file and line of the code at `addr`.
    pub fn source_line(&self, addr: u32) -> Option<(&'a str, u32)> {
        let n = self.lines.len() / LINE_LEN;
        let i = last_at_or_below(n, addr, |i| u32_at(self.lines, i * LINE_LEN).unwrap_or(0))?;
        let file = u16_at(self.lines, i * LINE_LEN + 4)?;
        let line = u16_at(self.lines, i * LINE_LEN + 6)?;
        if file == NO_FILE {
            return None;
        }
        let name = self.string(u32_at(self.files, file as usize * FILE_LEN)?)?;
        Some((name, line as u32))
    }

    /// Everything known about `addr`.
    pub fn lookup(&self, addr: u32) -> EipDebugInfo<'a> {
        EipDebugInfo {
            source: self.source_line(addr),
            function: self.function(addr),
        }
    }
}

/// Debug information for a return address: the call instruction sits just
/// before it, so the lookup uses `eip - 1` (a call that ends a function
/// would otherwise be blamed on the next function, or the next line).
pub fn debuginfo_eip(eip: u32) -> EipDebugInfo<'static> {
    match kernel_symtab() {
        Some(tab) if eip != 0 => tab.lookup(eip - 1),
        _ => EipDebugInfo::default(),
    }
}

/// The kernel's own table, if `mksymtab.py` filled it in.
#[cfg(target_os = "none")]
pub fn kernel_symtab() -> Option<SymTab<'static>> {
    extern "C" {
        // Bounds of the `.ksymtab` section (kernel.ld).
        static ksymtab_start: u8;
        static ksymtab_end: u8;
    }
    // SAFETY: the linker script reserves [ksymtab_start, ksymtab_end) in the
    // loaded kernel image, which stays mapped and is never written at run time.
    let bytes = unsafe {
        let start = core::ptr::addr_of!(ksymtab_start);
        let len = core::ptr::addr_of!(ksymtab_end) as usize - start as usize;
        core::slice::from_raw_parts(start, len)
    };
    SymTab::parse(bytes)
}

/// The host has no kernel image to look in.
#[cfg(not(target_os = "none"))]
pub fn kernel_symtab() -> Option<SymTab<'static>> {
    None
}

/// Reads the 32-bit word at `va` for a backtrace, if it is safe to: it must
/// lie at or above the lowest kernel stack (stacks, then the direct map and
/// the kernel image) and be mapped in the loaded page directory. A broken
/// frame chain then ends the walk instead of faulting.
#[cfg(target_os = "none")]
pub fn read_stack_word(va: u32) -> Option<u32> {
    use inc::memlayout::{KSTACKTOP, KSTKGAP, KSTKSIZE, NCPU};
    let lowest_stack = KSTACKTOP - NCPU as u32 * (KSTKSIZE + KSTKGAP);
    if va < lowest_stack || !va.is_multiple_of(4) || !mapped(va) {
        return None;
    }
    // SAFETY: va is aligned and its page is present (a 4-byte aligned word
    // never straddles two pages).
    Some(unsafe { (va as usize as *const u32).read_volatile() })
}

/// Whether `va` is mapped in the loaded page directory, found by walking the
/// tables as the MMU does. Works before pmap is up (the entry page directory
/// uses only 4 MB pages) and after (every page table is in the direct map).
#[cfg(target_os = "none")]
fn mapped(va: u32) -> bool {
    use crate::addr::PhysAddr;
    use inc::mmu::{pdx, pte_addr, ptx, PTE_P, PTE_PS};
    let entry = |table_pa: u32, index: usize| -> Option<u32> {
        let table = PhysAddr(table_pa).to_kva()?.as_ptr::<u32>();
        // SAFETY: page directories and tables are whole pages in the direct
        // map, and index < 1024.
        Some(unsafe { table.add(index).read_volatile() })
    };
    let Some(pde) = entry(pte_addr(crate::x86::rcr3()), pdx(va)) else {
        return false;
    };
    if pde & PTE_P == 0 {
        return false;
    }
    if pde & PTE_PS != 0 {
        return true;
    }
    entry(pte_addr(pde), ptx(va)).is_some_and(|pte| pte & PTE_P != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a table the way `mksymtab.py` does.
    fn build(funcs: &[(u32, u32, &str)], lines: &[(u32, u16, u16)], files: &[&str]) -> Vec<u8> {
        let mut strtab = Vec::new();
        let mut intern = |s: &str| {
            let off = strtab.len() as u32;
            strtab.extend_from_slice(s.as_bytes());
            strtab.push(0);
            off
        };
        let func_names: Vec<u32> = funcs.iter().map(|f| intern(f.2)).collect();
        let file_names: Vec<u32> = files.iter().map(|f| intern(f)).collect();
        let mut out = Vec::new();
        let counts = [funcs.len(), lines.len(), files.len(), strtab.len()];
        for v in [MAGIC, VERSION].into_iter().chain(counts.map(|c| c as u32)) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for (f, name) in funcs.iter().zip(&func_names) {
            for v in [f.0, f.1, *name] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        for &(addr, file, line) in lines {
            out.extend_from_slice(&addr.to_le_bytes());
            out.extend_from_slice(&file.to_le_bytes());
            out.extend_from_slice(&line.to_le_bytes());
        }
        for name in file_names {
            out.extend_from_slice(&name.to_le_bytes());
        }
        out.extend_from_slice(&strtab);
        // The reserved section is larger than the table: trailing zeros.
        out.resize(out.len() + 64, 0);
        out
    }

    fn sample() -> Vec<u8> {
        build(
            &[
                (0x1000, 0, "entry"),
                (0x1100, 0x40, "test_backtrace"),
                (0x1200, 0x80, "i386_init"),
            ],
            &[
                (0x1100, 0, 44),
                (0x1110, 1, 7),
                (0x1120, 0, 47),
                (0x1140, NO_FILE, 0),
                (0x1200, 0, 22),
                (0x1280, NO_FILE, 0),
            ],
            &["kern/src/init.rs", "kern/src/console.rs"],
        )
    }

    #[test]
    fn finds_functions() {
        let bytes = sample();
        let tab = SymTab::parse(&bytes).unwrap();
        assert_eq!(tab.function(0x0fff), None);
        assert_eq!(tab.function(0x1000), Some(("entry", 0x1000)));
        // A size-0 label extends to the next symbol.
        assert_eq!(tab.function(0x10ff), Some(("entry", 0x1000)));
        assert_eq!(tab.function(0x1129), Some(("test_backtrace", 0x1100)));
        // Past the end of a sized function: nothing.
        assert_eq!(tab.function(0x1140), None);
        assert_eq!(tab.function(0x127f), Some(("i386_init", 0x1200)));
        assert_eq!(tab.function(0x1280), None);
    }

    #[test]
    fn finds_lines() {
        let bytes = sample();
        let tab = SymTab::parse(&bytes).unwrap();
        assert_eq!(tab.source_line(0x10ff), None);
        assert_eq!(tab.source_line(0x1100), Some(("kern/src/init.rs", 44)));
        assert_eq!(tab.source_line(0x111f), Some(("kern/src/console.rs", 7)));
        assert_eq!(tab.source_line(0x1125), Some(("kern/src/init.rs", 47)));
        assert_eq!(tab.source_line(0x1150), None);
        assert_eq!(tab.source_line(0x1234), Some(("kern/src/init.rs", 22)));
        assert_eq!(tab.source_line(0xffff_ffff), None);
    }

    #[test]
    fn lookup_combines_both() {
        let bytes = sample();
        let info = SymTab::parse(&bytes).unwrap().lookup(0x1128);
        assert_eq!(info.source, Some(("kern/src/init.rs", 47)));
        assert_eq!(info.function, Some(("test_backtrace", 0x1100)));
    }

    #[test]
    fn rejects_bad_tables() {
        assert!(SymTab::parse(&[0u8; 256]).is_none());
        assert!(SymTab::parse(&[]).is_none());
        let mut bytes = sample();
        // Claim more functions than the bytes hold.
        bytes[8..12].copy_from_slice(&0x1000_0000u32.to_le_bytes());
        assert!(SymTab::parse(&bytes).is_none());
        let mut bytes = sample();
        bytes[4] = 2; // unknown version
        assert!(SymTab::parse(&bytes).is_none());
    }

    #[test]
    fn garbage_offsets_do_not_panic() {
        // A file index and a name offset that point nowhere.
        let mut bytes = build(&[(0x10, 4, "f")], &[(0x10, 9, 1)], &["a.rs"]);
        let name_off = HEADER_LEN + 8;
        bytes[name_off..name_off + 4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let tab = SymTab::parse(&bytes).unwrap();
        assert_eq!(tab.function(0x11), None);
        assert_eq!(tab.source_line(0x11), None);
    }

    #[test]
    fn no_table_on_the_host() {
        assert_eq!(debuginfo_eip(0x1234), EipDebugInfo::default());
    }
}

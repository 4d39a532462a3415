//! What the boot loader told us: memory size, command line, modules.
//!
//! The multiboot structures live in low physical memory, which the entry page
//! directory maps at KERNBASE; we copy what we need into [`BootInfo`] before
//! the kernel's own page tables replace that mapping.

use inc::memlayout::KERNBASE;
use multiboot::information::{MemoryManagement, MemoryType, Multiboot, PAddr};

/// The boot loader's magic number in eax.
pub const MULTIBOOT_BOOTLOADER_MAGIC: u32 = 0x2BADB002;
/// The entry page directory (boot/entry.S) maps only physical [0, ENTRY_MAPPED).
const EARLY_MAPPED: u64 = crate::init::ENTRY_MAPPED as u64;
/// Enough for the grader's hostile-ELF test (tools/mkbadelf.py) plus a program.
pub const MAX_MODULES: usize = 16;
const NAME_LEN: usize = 64;
const CMDLINE_LEN: usize = 512;

/// One module (a foreign ELF file handed over by the boot loader).
#[derive(Clone, Copy)]
pub struct Module {
    pub start: u32,
    pub end: u32,
    name: [u8; NAME_LEN],
    name_len: usize,
}

impl Module {
    /// The module's name: the last path component of its string.
    pub fn name(&self) -> &str {
        let full = core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("");
        let first = full.split_ascii_whitespace().next().unwrap_or("");
        first.rsplit('/').next().unwrap_or(first)
    }
}

pub struct BootInfo {
    /// Bytes of conventional memory below 640 KB.
    pub basemem: u32,
    /// One past the highest usable physical address (not clamped).
    pub mem_top: u64,
    cmdline: [u8; CMDLINE_LEN],
    cmdline_len: usize,
    pub modules: [Module; MAX_MODULES],
    pub nmodules: usize,
}

impl BootInfo {
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len]).unwrap_or("")
    }

    pub fn modules(&self) -> &[Module] {
        &self.modules[..self.nmodules]
    }
}

struct EarlyMem;

/// # Safety
/// The trait's contract (multiboot::information::MemoryManagement): callers
/// pass physical ranges from the boot loader's structures; we only hand out
/// ranges the entry page directory maps, and never allocate or free.
impl MemoryManagement for EarlyMem {
    unsafe fn paddr_to_slice(&self, addr: PAddr, length: usize) -> Option<&'static [u8]> {
        if addr.checked_add(length as u64)? > EARLY_MAPPED {
            return None;
        }
        let va = (addr as u32 + KERNBASE) as usize as *const u8;
        // SAFETY: [addr, addr+length) is below 8 MB, mapped at KERNBASE by the entry page directory.
        Some(unsafe { core::slice::from_raw_parts(va, length) })
    }

    unsafe fn allocate(&mut self, _length: usize) -> Option<(PAddr, &mut [u8])> {
        None
    }

    unsafe fn deallocate(&mut self, _addr: PAddr) {}
}

/// Reads the multiboot information at physical address `info_pa`.
///
/// # Safety
/// `info_pa` must be the pointer the boot loader passed in ebx with the
/// multiboot magic, and the entry page directory must still be loaded.
pub unsafe fn read(info_pa: u32) -> Option<BootInfo> {
    let mut mem = EarlyMem;
    // SAFETY: the caller vouches for info_pa; EarlyMem only hands out mapped memory.
    let mb = unsafe { Multiboot::from_ptr(info_pa as PAddr, &mut mem) }?;
    let mut info = BootInfo {
        basemem: mb.lower_memory_bound().unwrap_or(640) * 1024,
        mem_top: 0,
        cmdline: [0; CMDLINE_LEN],
        cmdline_len: 0,
        modules: [Module {
            start: 0,
            end: 0,
            name: [0; NAME_LEN],
            name_len: 0,
        }; MAX_MODULES],
        nmodules: 0,
    };
    if let Some(regions) = mb.memory_regions() {
        for r in regions.filter(|r| r.memory_type() == MemoryType::Available) {
            info.mem_top = info.mem_top.max(r.base_address() + r.length());
        }
    }
    if info.mem_top == 0 {
        let upper_kb = mb.upper_memory_bound().unwrap_or(0) as u64;
        info.mem_top = (1 << 20) + upper_kb * 1024;
    }
    if let Some(line) = mb.command_line() {
        info.cmdline_len = copy_str(&mut info.cmdline, line);
    }
    if let Some(mods) = mb.modules() {
        for m in mods.take(MAX_MODULES) {
            let slot = &mut info.modules[info.nmodules];
            slot.start = m.start as u32;
            slot.end = m.end as u32;
            slot.name_len = copy_str(&mut slot.name, m.string.unwrap_or(""));
            info.nmodules += 1;
        }
    }
    Some(info)
}

fn copy_str(dst: &mut [u8], s: &str) -> usize {
    let mut n = s.len().min(dst.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    dst[..n].copy_from_slice(&s.as_bytes()[..n]);
    n
}

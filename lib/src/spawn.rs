//! `spawn`: start a program from the file system in a new environment.
//!
//! Unlike Unix's fork + exec, the parent builds the child from outside:
//! it reads the ELF file, maps each segment's pages into the child
//! (read-only pages as loans of the file server's cache pages, shared by
//! every env running the program; writable ones filled through a scratch
//! page at UTEMP; segments marked for it left to page in on first touch,
//! `demand.rs`), builds the argument stack, shares the
//! pages marked PTE_SHARE (the fd table, so the child inherits our fds),
//! and sets the child's registers with `sys_env_set_trapframe`. The kernel
//! only offers the page mapping and register mechanisms; all of this is
//! library policy.

use crate::argv::build_stack;
use crate::elf::{file_part, parse_header, parse_prog_header, placement};
use crate::elf::{ElfHeader, Placement, ProgHeader, EHDR_SIZE, PF_W, PHDR_SIZE, PT_LOAD};
use crate::fd::{close, fd_lookup, readn, seek};
use crate::fork::{for_each_page, uvpt};
use crate::{sys_env_destroy, sys_env_set_status, sys_exofork, sys_page_alloc, sys_page_map};
use inc::env::{envx, EnvId, ENV_RUNNABLE};
use inc::error::E_NOT_EXEC;
use inc::fd::{FDTABLE, FILEDATA};
use inc::fs::{TextMap, O_RDONLY, TEXT_HANDLE, TEXT_MAP};
use inc::memlayout::{PGSIZE, USTACKTOP, UTEMP, UTOP};
use inc::mmu::{round_down, PTE_P, PTE_SHARE, PTE_SYSCALL, PTE_U, PTE_W};

/// `spawnl!(prog, arg0, arg1, ...)`: [`spawn`] with the arguments listed.
#[macro_export]
macro_rules! spawnl {
    ($prog:expr $(, $arg:expr)* $(,)?) => {
        $crate::spawn::spawn($prog, &[$(&$arg[..]),*])
    };
}

/// Starts the program at `path` with arguments `argv` (`argv[0]` is by
/// convention its name). Returns the child's id; the child runs at once.
/// A file that is not an ELF executable is `-E_NOT_EXEC`, with nothing
/// created.
pub fn spawn(path: &[u8], argv: &[&[u8]]) -> Result<EnvId, i32> {
    let fd = crate::file::open(path, O_RDONLY)?;
    let r = spawn_from(fd, argv);
    // Usually closed already, before the child got our fds.
    let _ = close(fd);
    r
}

fn spawn_from(fd: i32, argv: &[&[u8]]) -> Result<EnvId, i32> {
    let mut hdr = [0u8; EHDR_SIZE];
    if readn(fd, &mut hdr)? != EHDR_SIZE {
        return Err(-E_NOT_EXEC);
    }
    let elf = parse_header(&hdr)?;
    let child = sys_exofork()?;
    if child == 0 {
        // Never reached: the child's registers are replaced before it runs.
        crate::exit();
    }
    let r =
        load_child(child, fd, &elf, argv).and_then(|esp| start_child(child, fd, elf.entry, esp));
    match r {
        Ok(()) => Ok(child),
        Err(e) => {
            // Destroying the half-built child frees every page it was given.
            let _ = sys_env_destroy(child);
            // SAFETY: UTEMP is spawn's scratch page; nothing refers to it.
            let _ = unsafe { crate::sys_page_unmap(0, UTEMP) };
            Err(e)
        }
    }
}

/// Maps the program's segments and its argument stack into `child`;
/// returns the child's initial esp. Each segment is placed as
/// `elf::placement` says; the ranges left to page in on demand go into the
/// child's text map (demand.rs).
#[inline(never)]
fn load_child(child: EnvId, fd: i32, elf: &ElfHeader, argv: &[&[u8]]) -> Result<u32, i32> {
    let mut text = TextMap::default();
    for i in 0..u32::from(elf.phnum) {
        let mut raw = [0u8; PHDR_SIZE];
        seek(fd, (elf.phoff + i * PHDR_SIZE as u32) as i32)?;
        if readn(fd, &mut raw)? != PHDR_SIZE {
            return Err(-E_NOT_EXEC);
        }
        let ph = parse_prog_header(&raw)?;
        if ph.p_type != PT_LOAD || ph.memsz == 0 {
            continue;
        }
        match placement(&ph, elf.entry, PGSIZE) {
            Placement::Demand(range) if text.push(range) => {}
            Placement::Demand(_) | Placement::Lend => lend_segment(child, fd, &ph)?,
            Placement::Copy => map_segment(child, fd, &ph)?,
        }
    }
    if !text.ranges().is_empty() {
        give_text_map(child, fd, &text)?;
    }
    with_scratch_page(child, USTACKTOP - PGSIZE, PTE_P | PTE_U | PTE_W, |page| {
        build_stack(argv, page, USTACKTOP)
    })
}

/// Gives `child` its text map, read-only at TEXT_MAP, and its own
/// reference to the program file at TEXT_HANDLE (our fd's page, shared).
fn give_text_map(child: EnvId, fd: i32, text: &TextMap) -> Result<(), i32> {
    with_scratch_page(child, TEXT_MAP, PTE_P | PTE_U, |page| {
        page[..text.as_bytes().len()].copy_from_slice(text.as_bytes());
        Ok(())
    })?;
    let fd_page = fd_lookup(fd)?.page();
    let perm = uvpt(fd_page).ok_or(-E_NOT_EXEC)? & PTE_SYSCALL;
    // SAFETY: this only maps into the child.
    unsafe { sys_page_map(0, fd_page, child, TEXT_HANDLE, perm) }
}

/// Closes the program file (so the child does not inherit it), shares our
/// fds and other PTE_SHARE pages, sets the registers and lets it run.
fn start_child(child: EnvId, fd: i32, entry: u32, esp: u32) -> Result<(), i32> {
    let _ = close(fd);
    copy_shared_pages(child)?;
    let mut tf = crate::envs(envx(child)).env_tf;
    tf.eip = entry;
    tf.esp = esp;
    // SAFETY: this sets the child's registers, not ours.
    unsafe { crate::sys_env_set_trapframe(child, &tf)? };
    sys_env_set_status(child, ENV_RUNNABLE)
}

/// Maps every page of segment `ph` into `child`: file bytes where the
/// segment has them, zeros after (the bss).
fn map_segment(child: EnvId, fd: i32, ph: &ProgHeader) -> Result<(), i32> {
    let perm = PTE_P | PTE_U | if ph.flags & PF_W != 0 { PTE_W } else { 0 };
    let mut va = round_down(ph.va, PGSIZE);
    while va < ph.va + ph.memsz {
        map_page(child, fd, ph, va, perm)?;
        va += PGSIZE;
    }
    Ok(())
}

/// Maps a private page at `va` of segment `ph` into `child` with `perm`:
/// the file's bytes for that page, zeros elsewhere.
fn map_page(child: EnvId, fd: i32, ph: &ProgHeader, va: u32, perm: u32) -> Result<(), i32> {
    with_scratch_page(child, va, perm, |page| {
        if let Some((at, off, len)) = file_part(ph, va, PGSIZE) {
            seek(fd, off as i32)?;
            let want = &mut page[at as usize..(at + len) as usize];
            if readn(fd, want)? != want.len() {
                return Err(-E_NOT_EXEC); // the file is shorter than its headers say
            }
        }
        Ok(())
    })
}

/// Maps every page of read-only segment `ph` into `child` as a loan of the
/// server's cache page (shared by every env running the program); a page
/// the server will not lend (half its cache is lent already) is copied.
fn lend_segment(child: EnvId, fd: i32, ph: &ProgHeader) -> Result<(), i32> {
    let fileid = crate::fsipc::fd_at(fd_lookup(fd)?.page()).fd_file_id;
    let mut va = round_down(ph.va, PGSIZE);
    let offset_of = |va: u32| round_down(ph.offset, PGSIZE) + (va - round_down(ph.va, PGSIZE));
    while va < ph.va + ph.memsz {
        if lend_page(child, fileid, offset_of(va), va).is_err() {
            map_page(child, fd, ph, va, PTE_P | PTE_U)?;
        }
        va += PGSIZE;
    }
    Ok(())
}

/// Borrows the server's page for the block at `offset` of file `fileid`
/// (at UTEMP, read-only) and maps it at `va` in `child`.
fn lend_page(child: EnvId, fileid: i32, offset: u32, va: u32) -> Result<(), i32> {
    let got = crate::fsipc::map_block(fileid, offset, 0, UTEMP);
    if got < 0 {
        return Err(got);
    }
    // SAFETY: moving the loan from our scratch page into the child.
    unsafe {
        sys_page_map(0, UTEMP, child, va, PTE_P | PTE_U)?;
        crate::sys_page_unmap(0, UTEMP)
    }
}

/// Allocates a zeroed page at UTEMP, lets `fill` write it, then moves it to
/// `va` in `child` with `perm`.
fn with_scratch_page<T>(
    child: EnvId,
    va: u32,
    perm: u32,
    fill: impl FnOnce(&mut [u8]) -> Result<T, i32>,
) -> Result<T, i32> {
    // SAFETY: UTEMP is spawn's scratch page; nothing else lives there.
    unsafe { sys_page_alloc(0, UTEMP, PTE_P | PTE_U | PTE_W)? };
    // SAFETY: the page was just mapped writable, and this is the only
    // reference to it until it is unmapped below.
    let page = unsafe { core::slice::from_raw_parts_mut(UTEMP as *mut u8, PGSIZE as usize) };
    let out = fill(page)?;
    // SAFETY: mapping into the child and unmapping our scratch page; the
    // slice above is no longer used.
    unsafe {
        sys_page_map(0, UTEMP, child, va, perm)?;
        crate::sys_page_unmap(0, UTEMP)?;
    }
    Ok(out)
}

/// Maps our PTE_SHARE pages into `child` with the same frames: the fd data
/// windows before the fd pages, as fork does (pipe.rs says why).
fn copy_shared_pages(child: EnvId) -> Result<(), i32> {
    let fd_table = FDTABLE..FILEDATA;
    // Our own program file's reference (demand.rs) is not the child's.
    let share = |va: u32, pte: u32| {
        if pte & PTE_SHARE == 0 || va == TEXT_HANDLE {
            return Ok(());
        }
        // SAFETY: this only maps into the child.
        unsafe { sys_page_map(0, va, child, va, pte & PTE_SYSCALL) }
    };
    for_each_page(0..FDTABLE, &share)?;
    for_each_page(FILEDATA..UTOP, &share)?;
    for_each_page(fd_table, &share)
}

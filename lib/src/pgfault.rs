//! User-level page-fault handling.
//!
//! The kernel's only part is the upcall: on a page fault it pushes a
//! `UTrapframe` on the program's exception stack (the page just below
//! UXSTACKTOP) and jumps to the registered entry, `_pgfault_upcall` in
//! `pfentry.S`. That entry calls [`pgfault_dispatch`], which runs the
//! handler chain (the library's lazy policy, then the handler set here),
//! and then resumes the faulting instruction.

use core::arch::global_asm;
use core::sync::atomic::{AtomicUsize, Ordering};
use inc::memlayout::{PGSIZE, UTOP, UXSTACKTOP};
use inc::mmu::{FEC_PR, FEC_WR, PTE_COW, PTE_P, PTE_U, PTE_W};
use inc::trap::UTrapframe;

global_asm!(
    include_str!("pfentry.S"),
    UTF_REGS = const core::mem::offset_of!(UTrapframe, utf_regs),
    UTF_EIP = const core::mem::offset_of!(UTrapframe, utf_eip),
    UTF_EFLAGS = const core::mem::offset_of!(UTrapframe, utf_eflags),
    UTF_ESP = const core::mem::offset_of!(UTrapframe, utf_esp),
    options(att_syntax)
);

// pfentry.S pops the registers, then eflags, then esp in one sequence: the
// fields must follow each other in that order.
const _: () = {
    use core::mem::offset_of;
    assert!(offset_of!(UTrapframe, utf_eip) == UTF_REGS_END);
    assert!(offset_of!(UTrapframe, utf_eflags) == offset_of!(UTrapframe, utf_eip) + 4);
    assert!(offset_of!(UTrapframe, utf_esp) == offset_of!(UTrapframe, utf_eflags) + 4);
};
const UTF_REGS_END: usize =
    core::mem::offset_of!(UTrapframe, utf_regs) + core::mem::size_of::<inc::trap::PushRegs>();

extern "C" {
    /// The assembly upcall entry (pfentry.S).
    fn _pgfault_upcall();
}

/// A page-fault handler: gets the fault's details; when it returns, the
/// faulting instruction runs again.
pub type PgfaultHandler = fn(&UTrapframe);

/// The installed handler as a `usize` (0 = none).
static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// What a handler in the chain (`mmap::handle`, `demand::handle`) did
/// with a fault.
pub enum Verdict {
    Handled,
    /// Its fault, but not servable: reported; the kernel ends the env.
    Refused,
    NotMine,
}

/// The address of the upcall entry, for `sys_env_set_pgfault_upcall`.
pub fn pgfault_upcall_addr() -> u32 {
    _pgfault_upcall as *const () as usize as u32
}

/// Maps the exception stack and registers the upcall where missing. The
/// kernel's state is asked, not a flag in memory: a child made by a bare
/// `sys_exofork` inherits our memory but not our upcall or exception stack.
fn install_upcall() -> Result<(), i32> {
    let xstack = UXSTACKTOP - PGSIZE;
    if crate::fork::uvpt(xstack).is_none() {
        // SAFETY: the exception-stack page belongs to the upcall alone; no
        // Rust data lives there.
        unsafe { crate::sys_page_alloc(0, xstack, PTE_P | PTE_U | PTE_W)? };
    }
    if crate::thisenv().env_pgfault_upcall != pgfault_upcall_addr() {
        // SAFETY: _pgfault_upcall follows the upcall convention.
        unsafe { crate::sys_env_set_pgfault_upcall(0, pgfault_upcall_addr())? };
    }
    Ok(())
}

/// Called by `libmain` before `umain`: the library's own policy (lazy
/// heap, zero page, stack growth; `lazy.rs`) is on for every program. If
/// memory is too short even for the exception stack, the program simply
/// runs without it.
pub(crate) fn install_default() {
    let _ = install_upcall();
}

/// Installs `handler` for the page faults the library's policy does not
/// take (see [`pgfault_dispatch`]).
pub fn set_pgfault_handler(handler: PgfaultHandler) {
    if let Err(e) = install_upcall() {
        crate::panic!("set_pgfault_handler: %e", e);
    }
    HANDLER.store(handler as usize, Ordering::Relaxed);
}

/// Called by `_pgfault_upcall` with the UTrapframe the kernel pushed.
///
/// A write to a copy-on-write page goes straight to the program's handler.
/// Otherwise the chain: mapped files (`mmap::handle`), the library's policy
/// (`lazy::handle`: swap, zero page, heap, stack), demand-paged program
/// text (`demand::handle`); then the program's handler, if one is set; else the fault goes back to the
/// kernel: we drop the upcall and return, the instruction faults again,
/// and the kernel reports it and destroys us exactly as it would have
/// without any upcall (faultread, testbss's wild write).
#[no_mangle]
extern "C" fn pgfault_dispatch(utf: *const UTrapframe) {
    // SAFETY: the kernel passes a complete UTrapframe on our exception stack.
    let utf = unsafe { &*utf };
    // Faults nested too deep end in the kernel: a frame that would not fit
    // the exception stack, or a handler whose own pushes ran off it into
    // the guard page, destroys the env with a message naming the guard.
    // A write to a copy-on-write page is the program's handler's alone
    // (fork's `cow_fault`): no policy below takes one, so it skips them.
    if is_cow_write(utf) {
        if let Some(handler) = program_handler() {
            return handler(utf);
        }
    }
    // Mapped files first: a mapping may lie where the lazy policy would
    // otherwise claim the page (MAP_FIXED above the break).
    match crate::mmap::handle(utf) {
        Verdict::Handled => return,
        Verdict::Refused => return give_back(),
        Verdict::NotMine => {}
    }
    if crate::lazy::handle(utf) {
        return;
    }
    match crate::demand::handle(utf) {
        Verdict::Handled => return,
        Verdict::Refused => return give_back(),
        Verdict::NotMine => {}
    }
    match program_handler() {
        Some(handler) => handler(utf),
        None => give_back(),
    }
}

/// The handler `set_pgfault_handler` installed, if any.
fn program_handler() -> Option<PgfaultHandler> {
    let raw = HANDLER.load(Ordering::Relaxed);
    // SAFETY: only set_pgfault_handler stores into HANDLER, always a
    // PgfaultHandler (0 is none).
    (raw != 0).then(|| unsafe { core::mem::transmute::<usize, PgfaultHandler>(raw) })
}

/// Whether the fault is a write to a present PTE_COW page of ours.
fn is_cow_write(utf: &UTrapframe) -> bool {
    let present_write = FEC_PR | FEC_WR;
    utf.utf_err & present_write == present_write
        && utf.utf_fault_va < UTOP
        && crate::fork::uvpt(utf.utf_fault_va).is_some_and(|pte| pte & PTE_COW != 0)
}

/// Hands the fault back to the kernel: with no upcall, the faulting
/// instruction's retry makes the kernel report it and destroy us.
fn give_back() {
    // SAFETY: with no upcall the kernel handles our next fault itself.
    if unsafe { crate::sys_env_set_pgfault_upcall(0, 0) }.is_err() {
        crate::exit();
    }
}

//! User-level page-fault handling.
//!
//! The kernel's only part is the upcall: on a page fault it pushes a
//! `UTrapframe` on the program's exception stack (the page just below
//! UXSTACKTOP) and jumps to the registered entry, `_pgfault_upcall` in
//! `pfentry.S`. That entry calls [`pgfault_dispatch`], which calls the
//! handler set here, and then resumes the faulting instruction.

use core::arch::global_asm;
use core::sync::atomic::{AtomicUsize, Ordering};
use inc::memlayout::{PGSIZE, UXSTACKTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
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

/// The installed handler as a `usize` (0 = none yet).
static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// The address of the upcall entry, for `sys_env_set_pgfault_upcall`.
pub fn pgfault_upcall_addr() -> u32 {
    _pgfault_upcall as *const () as usize as u32
}

/// Installs `handler` for this environment's page faults.
///
/// The first call allocates the exception stack and registers the upcall
/// with the kernel; later calls only swap the handler.
pub fn set_pgfault_handler(handler: PgfaultHandler) {
    if HANDLER.load(Ordering::Relaxed) == 0 {
        let xstack = UXSTACKTOP - PGSIZE;
        // SAFETY: the exception-stack page belongs to the upcall alone; no
        // Rust data lives there.
        if let Err(e) = unsafe { crate::sys_page_alloc(0, xstack, PTE_P | PTE_U | PTE_W) } {
            crate::panic!("set_pgfault_handler: exception stack: %e", e);
        }
        // SAFETY: _pgfault_upcall follows the upcall convention.
        if let Err(e) = unsafe { crate::sys_env_set_pgfault_upcall(0, pgfault_upcall_addr()) } {
            crate::panic!("set_pgfault_handler: upcall: %e", e);
        }
    }
    HANDLER.store(handler as usize, Ordering::Relaxed);
}

/// Called by `_pgfault_upcall` with the UTrapframe the kernel pushed.
#[no_mangle]
extern "C" fn pgfault_dispatch(utf: *const UTrapframe) {
    // SAFETY: the kernel passes a complete UTrapframe on our exception stack.
    let utf = unsafe { &*utf };
    let raw = HANDLER.load(Ordering::Relaxed);
    if raw == 0 {
        crate::panic!(
            "page fault at va %08x ip %08x with no handler",
            utf.utf_fault_va,
            utf.utf_eip
        );
    }
    // SAFETY: only set_pgfault_handler stores into HANDLER, always a PgfaultHandler.
    let handler: PgfaultHandler = unsafe { core::mem::transmute::<usize, PgfaultHandler>(raw) };
    handler(utf);
}

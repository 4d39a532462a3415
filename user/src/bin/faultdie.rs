//! faultdie: a page-fault handler that reports the fault and destroys
//! its own environment.
#![no_std]
#![no_main]

use core::arch::asm;
use jos::{cprintf, set_pgfault_handler, sys_env_destroy, sys_getenvid, UTrapframe};

fn handler(utf: &UTrapframe) {
    cprintf!(
        "i faulted at va %x, err %x\n",
        utf.utf_fault_va,
        utf.utf_err & 7
    );
    let _ = sys_env_destroy(sys_getenvid());
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    // SAFETY: a write to an unmapped page; the handler never returns here.
    unsafe { asm!("mov dword ptr [{0}], 0", in(reg) 0xdead_beefu32) };
}

//! sysenternt: sets EFLAGS.NT (which CPL 3 may change with popf) and then
//! enters the kernel with `sysenter`. Unlike an interrupt gate, sysenter
//! does not clear NT, so a kernel that does not clear it itself would run
//! with NT set, and its next `iret` would be a task return through a stale
//! TSS link: a kernel fault caused by a user program.
#![no_std]
#![no_main]

use core::arch::asm;
use inc::syscall::Syscall;

const FL_NT: u32 = 0x4000;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    for call in [Syscall::Getenvid, Syscall::Yield] {
        // SAFETY: NT only changes what an `iret` does; we execute none.
        unsafe { asm!("pushfd", "or dword ptr [esp], {nt}", "popfd", nt = const FL_NT) };
        // SAFETY: getenvid and yield take no arguments.
        if unsafe { jos::syscall_sysenter(call as u32, 0, 0, 0, 0) }.is_none() {
            jos::cprintf!("sysenternt: this CPU has no sysenter\n");
            return;
        }
    }
    // SAFETY: clears NT again; nothing else depends on it.
    unsafe { asm!("pushfd", "and dword ptr [esp], {mask}", "popfd", mask = const !FL_NT) };
    jos::cprintf!("sysenternt: the kernel survived NT\n");
}

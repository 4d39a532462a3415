//! sysenterbad: cputs of an unmapped address through `sysenter`, the fast
//! path that builds its own trap frame. The kernel must destroy us just as
//! through `int $0x30`, naming 0xdeadbeef.
#![no_std]
#![no_main]

use inc::syscall::Syscall;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: a cputs; the kernel checks the range before reading it.
    let r = unsafe { jos::syscall_sysenter(Syscall::Cputs as u32, 0xDEAD_BEEF, 8, 0, 0) };
    match r {
        None => jos::cprintf!("sysenterbad: this CPU has no sysenter\n"),
        Some(_) => jos::cprintf!("sysenterbad: still alive\n"),
    };
}

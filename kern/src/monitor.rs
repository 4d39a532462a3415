//! The kernel monitor (`K> `).
//!
//! STUB: being written.

use inc::trap::Trapframe;

/// JOS's backtrace command; `test_backtrace` calls it with (0, 0, 0).
#[inline(never)]
pub extern "C" fn mon_backtrace(argc: i32, argv: *const u8, tf: *mut Trapframe) -> i32 {
    let _ = (argc, argv, tf);
    0
}

/// Runs the monitor. With a trap frame (a breakpoint or debug trap from user
/// mode), `continue` and `stepi` return so the caller can resume the env.
/// With `autoexit` on the command line it ends QEMU instead of prompting.
pub fn monitor(tf: Option<&mut Trapframe>) {
    let _ = tf;
    cprintf!("Welcome to the JOS kernel monitor!\n");
    if crate::init::cmdline().autoexit {
        crate::x86::qemu_exit(0);
    }
    loop {
        crate::x86::hlt();
    }
}

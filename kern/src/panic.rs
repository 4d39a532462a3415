//! Kernel panics: print the message and where, then a backtrace, then stop.

use core::fmt::Write;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::x86::cli();
    // A panic inside the panic path would loop forever: stop at once instead.
    if PANICKING.swap(true, Ordering::SeqCst) {
        crate::x86::qemu_exit(2);
        loop {
            crate::x86::hlt();
        }
    }
    let mut con = crate::console::Console;
    let _ = match info.location() {
        Some(l) => writeln!(
            con,
            "kernel panic at {}:{}: {}",
            l.file(),
            l.line(),
            info.message()
        ),
        None => writeln!(con, "kernel panic: {}", info.message()),
    };
    crate::init::after_panic()
}

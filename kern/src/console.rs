//! The console: every byte the kernel prints goes to the serial port (which
//! the grader reads) and the CGA screen; input comes from the serial port or
//! the PS/2 keyboard. On the host (unit tests) output goes to stdout.

pub use inc::printfmt::{Arg, Putch, ToArg};

/// Prints with JOS's printf verbs (`%d %u %x %o %s %c %p %e`, widths, `-`/`0`, `l`/`ll`).
#[macro_export]
macro_rules! cprintf {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::console::vcprintf($fmt, &[$($crate::console::ToArg::to_arg(&$arg)),*])
    };
}

/// The sink that writes formatted bytes to the console.
pub struct Console;

impl Putch for Console {
    fn putch(&mut self, c: u8) {
        putc(c);
    }
}

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        s.bytes().for_each(putc);
        Ok(())
    }
}

/// Formats and prints; returns the number of bytes printed.
pub fn vcprintf(fmt: &str, args: &[Arg]) -> usize {
    inc::printfmt::vprintfmt(&mut Console, fmt, args)
}

#[cfg(target_os = "none")]
pub fn init() {
    crate::serial::init();
    crate::cga::init();
}

/// Writes one byte to every output device.
#[cfg(target_os = "none")]
pub fn putc(c: u8) {
    crate::serial::putc(c);
    crate::cga::putc(c);
}

#[cfg(not(target_os = "none"))]
pub fn putc(c: u8) {
    extern crate std;
    use std::io::Write;
    let _ = std::io::stdout().write_all(&[c]);
}

/// A waiting input byte from any input device, if there is one.
#[cfg(target_os = "none")]
pub fn getc() -> Option<u8> {
    crate::serial::getc().or_else(crate::kbd::getc)
}

/// Waits for an input byte (the monitor's way of reading).
#[cfg(target_os = "none")]
pub fn getchar() -> u8 {
    loop {
        if let Some(c) = getc() {
            return c;
        }
        core::hint::spin_loop();
    }
}

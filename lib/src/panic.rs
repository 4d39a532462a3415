//! User panics: `[envid] user panic in <binary> at <file>:<line>: <message>`,
//! then the environment exits.
//!
//! Two ways in: the [`panic!`](crate::panic!) macro, which formats with JOS's
//! printf verbs like the C original, and Rust's own panics (`unwrap`, array
//! bounds, `core::panic!`), which arrive at the `#[panic_handler]`.

use crate::printf::{Arg, PrintBuf, Putch};
use core::fmt::Write;

/// JOS's `panic(fmt, ...)`: prints the message with its location and exits.
#[macro_export]
macro_rules! panic {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::panic::panic_at(
            file!(),
            line!(),
            $fmt,
            &[$($crate::printf::ToArg::to_arg(&$arg)),*],
        )
    };
}

/// Starts the panic line: `[envid] user panic in <binary> at <file>:<line>: `.
fn header(out: &mut PrintBuf, file: &str, line: u32) {
    let name = crate::binaryname();
    let envid = crate::sys_getenvid();
    inc::printfmt::vprintfmt(
        out,
        "[%08x] user panic in %s at %s:%d: ",
        inc::jos_args!(envid, name, file, line),
    );
}

/// Prints a formatted panic message for `file:line` and exits.
pub fn panic_at(file: &str, line: u32, fmt: &str, args: &[Arg]) -> ! {
    let mut out = PrintBuf::new();
    header(&mut out, file, line);
    inc::printfmt::vprintfmt(&mut out, fmt, args);
    out.putch(b'\n');
    out.flush();
    crate::exit()
}

#[panic_handler]
fn rust_panic(info: &core::panic::PanicInfo) -> ! {
    let mut out = PrintBuf::new();
    match info.location() {
        Some(loc) => header(&mut out, loc.file(), loc.line()),
        None => header(&mut out, "?", 0),
    }
    let _ = write!(out, "{}", info.message());
    out.putch(b'\n');
    out.flush();
    crate::exit()
}

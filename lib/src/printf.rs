//! `cprintf!` and `println!`: JOS's printf verbs (see `inc::printfmt`),
//! printed through `sys_cputs`.
//!
//! Output is collected in a 256-byte buffer and handed to the kernel in one
//! call per buffer, so a short line from one environment is never cut in
//! half by another's output.

pub use inc::printfmt::{Arg, Putch, ToArg};

/// Prints with JOS's printf verbs: `cprintf!("%d %s\n", x, s)`.
#[macro_export]
macro_rules! cprintf {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vcprintf($fmt, &[$($crate::printf::ToArg::to_arg(&$arg)),*])
    };
}

/// Like [`cprintf!`], with a newline added.
#[macro_export]
macro_rules! println {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vprintln($fmt, &[$($crate::printf::ToArg::to_arg(&$arg)),*])
    };
}

/// JOS's `snprintf`: formats into a byte buffer, always NUL-terminated
/// (output that does not fit is cut); returns the length without the NUL.
#[macro_export]
macro_rules! snprintf {
    ($buf:expr, $fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vsnprintf($buf, $fmt, &[$($crate::printf::ToArg::to_arg(&$arg)),*])
    };
}

/// Bytes waiting to go to the console.
pub struct PrintBuf {
    buf: [u8; 256],
    len: usize,
}

impl PrintBuf {
    pub const fn new() -> PrintBuf {
        PrintBuf {
            buf: [0; 256],
            len: 0,
        }
    }

    /// Hands the buffered bytes to the kernel.
    pub fn flush(&mut self) {
        if self.len > 0 {
            crate::sys_cputs(self.buf.as_ptr(), self.len);
            self.len = 0;
        }
    }
}

impl Default for PrintBuf {
    fn default() -> PrintBuf {
        PrintBuf::new()
    }
}

impl Putch for PrintBuf {
    fn putch(&mut self, c: u8) {
        if self.len == self.buf.len() {
            self.flush();
        }
        self.buf[self.len] = c;
        self.len += 1;
    }
}

impl core::fmt::Write for PrintBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        s.bytes().for_each(|c| self.putch(c));
        Ok(())
    }
}

/// The function behind [`snprintf!`]: the text, then a NUL, in `buf`.
pub fn vsnprintf(buf: &mut [u8], fmt: &str, args: &[Arg]) -> usize {
    let Some(room) = buf.len().checked_sub(1) else {
        return 0; // not even room for the NUL
    };
    let len = inc::printfmt::snprintf(&mut buf[..room], fmt, args);
    buf[len] = 0;
    len
}

/// Formats and prints; returns the number of bytes printed.
pub fn vcprintf(fmt: &str, args: &[Arg]) -> usize {
    let mut out = PrintBuf::new();
    let n = inc::printfmt::vprintfmt(&mut out, fmt, args);
    out.flush();
    n
}

/// Formats, adds a newline and prints; returns the number of bytes printed.
pub fn vprintln(fmt: &str, args: &[Arg]) -> usize {
    let mut out = PrintBuf::new();
    let n = inc::printfmt::vprintfmt(&mut out, fmt, args);
    out.putch(b'\n');
    out.flush();
    n + 1
}

/// JOS's `fprintf(fd, ...)`: formats and writes to file descriptor `fd`.
#[macro_export]
macro_rules! fprintf {
    ($fd:expr, $fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vfprintf($fd, $fmt, &[$($crate::printf::ToArg::to_arg(&$arg)),*])
    };
}

/// JOS's `printf`: like [`cprintf!`] but to fd 1, so it follows redirection.
#[macro_export]
macro_rules! printf {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::printf::vfprintf(1, $fmt, &[$($crate::printf::ToArg::to_arg(&$arg)),*])
    };
}

/// Bytes waiting to be written to an fd.
struct FdBuf {
    fd: i32,
    buf: [u8; 256],
    len: usize,
    error: Option<i32>,
}

impl FdBuf {
    fn flush(&mut self) {
        if self.len > 0 && self.error.is_none() {
            if let Err(e) = crate::fd::write(self.fd, &self.buf[..self.len]) {
                self.error = Some(e);
            }
        }
        self.len = 0;
    }
}

impl Putch for FdBuf {
    fn putch(&mut self, c: u8) {
        if self.len == self.buf.len() {
            self.flush();
        }
        self.buf[self.len] = c;
        self.len += 1;
    }
}

/// The function behind [`fprintf!`]: as in C, the byte count, or the
/// first write error (negative).
pub fn vfprintf(fd: i32, fmt: &str, args: &[Arg]) -> i32 {
    let mut out = FdBuf {
        fd,
        buf: [0; 256],
        len: 0,
        error: None,
    };
    let n = inc::printfmt::vprintfmt(&mut out, fmt, args);
    out.flush();
    out.error.unwrap_or(n as i32)
}

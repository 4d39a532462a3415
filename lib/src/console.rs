//! The console as a device (`'c'`): reads come from the kernel's console
//! input, writes go to `sys_cputs`. `init` opens it as fds 0 and 1, and
//! every program after inherits them.

use crate::fd::{fd_alloc, fd_lookup, Dev, Fd, Stat};
use inc::fd::DEV_CONS;
use inc::fs::O_RDWR;

pub static DEVCONS: Dev = Dev {
    id: DEV_CONS,
    name: "cons",
    read: cons_read,
    write: cons_write,
    close: cons_close,
    stat: cons_stat,
    trunc: None,
};

/// Ctrl-D at the start of a read means end of file, as on Unix terminals.
const CTRL_D: u8 = 0x04;

/// Reads one byte (a terminal hands over what was typed, one at a time),
/// waiting for it in the kernel.
fn cons_read(_fd: Fd, buf: &mut [u8]) -> Result<usize, i32> {
    if buf.is_empty() {
        return Ok(0);
    }
    let c = crate::sys_cgetc_wait()?;
    if c == CTRL_D {
        return Ok(0);
    }
    buf[0] = c;
    Ok(1)
}

fn cons_write(_fd: Fd, buf: &[u8]) -> Result<usize, i32> {
    crate::sys_cputs(buf.as_ptr(), buf.len());
    Ok(buf.len())
}

fn cons_close(_fd: Fd) -> Result<(), i32> {
    Ok(())
}

fn cons_stat(_fd: Fd, st: &mut Stat) -> Result<(), i32> {
    st.set_name(b"<cons>");
    Ok(())
}

/// Opens the console as a new fd.
pub fn opencons() -> Result<i32, i32> {
    let fd = fd_alloc()?;
    crate::fd::alloc_shared_page(fd.page())?;
    fd.init(DEV_CONS, O_RDWR);
    Ok(fd.num())
}

/// Whether `fdnum` is the console.
pub fn iscons(fdnum: i32) -> bool {
    fd_lookup(fdnum).is_ok_and(|fd| fd.dev_id() == DEV_CONS)
}

/// One byte from fd 0; `Err(-E_EOF)` at end of input.
pub fn getchar() -> Result<u8, i32> {
    let mut c = [0u8];
    match crate::fd::read(0, &mut c)? {
        0 => Err(-inc::error::E_EOF),
        _ => Ok(c[0]),
    }
}

/// One byte to fd 1.
pub fn putchar(c: u8) {
    let _ = crate::fd::write(1, &[c]);
}

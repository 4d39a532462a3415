//! Files (`'f'`): fds served by the FS env over IPC (`fsipc.rs`).
//!
//! On open the server maps its own Fd page for the file at our fd page,
//! so the offset lives in a page both sides see: the server advances it on
//! each read and write, and `seek` just stores a new one.

use crate::fd::{fd_alloc, Dev, Fd, Stat};
use crate::fsipc;
use inc::fd::DEV_FILE;
use inc::fs::{MAXPATHLEN, WRITE_BUF_SIZE};

pub static DEVFILE: Dev = Dev {
    id: DEV_FILE,
    name: "file",
    read: file_read,
    write: file_write,
    close: file_close,
    stat: file_stat,
    trunc: Some(file_trunc),
};

/// A negative reply is an error, anything else a count.
fn reply(r: i32) -> Result<usize, i32> {
    if r < 0 {
        Err(r)
    } else {
        Ok(r as usize)
    }
}

/// Opens `path` with `omode` (`O_*`) and returns the new fd's number.
pub fn open(path: &[u8], omode: i32) -> Result<i32, i32> {
    if path.len() >= MAXPATHLEN {
        return Err(-inc::error::E_BAD_PATH);
    }
    let fd = fd_alloc()?;
    reply(fsipc::open(path, omode, fd.page()))?;
    Ok(fd.num())
}

/// Reads what one request can carry (a page); the caller loops for more.
fn file_read(fd: Fd, buf: &mut [u8]) -> Result<usize, i32> {
    reply(fsipc::read(fd.file_id(), buf))
}

/// Writes all of `buf`, one request per WRITE_BUF_SIZE bytes.
fn file_write(fd: Fd, buf: &[u8]) -> Result<usize, i32> {
    let mut done = 0;
    for chunk in buf.chunks(WRITE_BUF_SIZE) {
        let n = reply(fsipc::write(fd.file_id(), chunk))?;
        done += n;
        if n < chunk.len() {
            break;
        }
    }
    Ok(done)
}

/// Asks the server to write the file back; our fd page is unmapped by the
/// fd layer, which is how the server sees the file closed.
fn file_close(fd: Fd) -> Result<(), i32> {
    reply(fsipc::flush(fd.file_id())).map(|_| ())
}

fn file_stat(fd: Fd, st: &mut Stat) -> Result<(), i32> {
    let ret = fsipc::stat(fd.file_id())?;
    st.st_name = ret.ret_name;
    st.st_size = ret.ret_size;
    st.st_isdir = ret.ret_isdir != 0;
    Ok(())
}

fn file_trunc(fd: Fd, size: u32) -> Result<(), i32> {
    reply(fsipc::set_size(fd.file_id(), size)).map(|_| ())
}

/// Deletes the file at `path`.
pub fn remove(path: &[u8]) -> Result<(), i32> {
    reply(fsipc::remove(path)).map(|_| ())
}

/// Writes every dirty block on the disk back.
pub fn sync() -> Result<(), i32> {
    reply(fsipc::sync()).map(|_| ())
}

//! testfile: the file server's requests one by one (through `fsipc`), then
//! the same through the fd layer, then a file larger than the direct blocks.
#![no_std]
#![no_main]

use inc::error::{E_INVAL, E_NOT_FOUND};
use inc::fd::DEV_FILE;
use inc::fs::{NDIRECT, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};
use jos::fd::{fd_alloc, fd_lookup};
use jos::{close, cprintf, fsipc, fstat, open, panic, read, readn, seek, write};

/// The file system's self-test leaves this in /newmotd (fs/newmotd).
const NEWMOTD: &[u8] = include_bytes!("../../../fs/newmotd");
const MESSAGE: &[u8] = b"This is the message testfile wrote.\n";

fn check(r: i32, what: &str) -> i32 {
    if r < 0 {
        panic!("%s: %e", what, r);
    }
    r
}

/// The server's requests, made directly on an fd page of our own.
fn raw_requests() {
    let fd = fd_alloc().unwrap_or_else(|e| panic!("fd_alloc: %e", e));
    let r = fsipc::open(b"/not-found", O_RDONLY, fd.page());
    if r != -E_NOT_FOUND {
        panic!("serve_open /not-found: %e", r);
    }
    check(
        fsipc::open(b"/newmotd", O_RDONLY, fd.page()),
        "serve_open /newmotd",
    );
    if fd.dev_id() != DEV_FILE || fd.offset() != 0 || fd.omode() != O_RDONLY {
        panic!("serve_open did not fill the Fd page right");
    }
    cprintf!("serve_open is good\n");

    let st = fsipc::stat(fd.file_id()).unwrap_or_else(|e| panic!("file_stat: %e", e));
    if st.ret_size as usize != NEWMOTD.len() {
        panic!("file_stat: size %d, want %d", st.ret_size, NEWMOTD.len());
    }
    cprintf!("file_stat is good\n");

    let mut buf = [0u8; 512];
    let n = check(fsipc::read(fd.file_id(), &mut buf), "file_read") as usize;
    if &buf[..n] != NEWMOTD {
        panic!("file_read got different data");
    }
    cprintf!("file_read is good\n");

    let stale = fd.file_id();
    check(fsipc::flush(stale), "file_close");
    // SAFETY: the fd page is only reached through raw pointers.
    unsafe { jos::sys_page_unmap(0, fd.page()) }.unwrap_or_else(|e| panic!("unmap: %e", e));
    cprintf!("file_close is good\n");
    let r = fsipc::read(stale, &mut buf);
    if r != -E_INVAL {
        panic!("serve_read with a stale fileid: %e", r);
    }
    cprintf!("stale fileid is good\n");

    check(
        fsipc::open(b"/new-file", O_RDWR | O_CREAT, fd.page()),
        "serve_open /new-file",
    );
    if check(fsipc::write(fd.file_id(), MESSAGE), "file_write") as usize != MESSAGE.len() {
        panic!("file_write: short write");
    }
    cprintf!("file_write is good\n");
    fd.set_offset(0);
    let mut back = [0u8; 512];
    let n = check(
        fsipc::read(fd.file_id(), &mut back),
        "file_read after file_write",
    ) as usize;
    if &back[..n] != MESSAGE {
        panic!("file_read after file_write got different data");
    }
    cprintf!("file_read after file_write is good\n");
    check(fsipc::flush(fd.file_id()), "close /new-file");
    // SAFETY: as above.
    let _ = unsafe { jos::sys_page_unmap(0, fd.page()) };
}

/// The same through `open`, `read` and friends.
fn fd_layer() {
    match open(b"/not-found", O_RDONLY) {
        Err(e) if e == -E_NOT_FOUND => {}
        r => panic!("open /not-found: %d", r.unwrap_or_else(|e| e)),
    }
    let fdnum = open(b"/newmotd", O_RDONLY).unwrap_or_else(|e| panic!("open /newmotd: %e", e));
    let fd = fd_lookup(fdnum).unwrap_or_else(|e| panic!("fd_lookup: %e", e));
    if fd.dev_id() != DEV_FILE || fd.offset() != 0 || fd.omode() != O_RDONLY {
        panic!("open did not fill the Fd page right");
    }
    let st = fstat(fdnum).unwrap_or_else(|e| panic!("fstat: %e", e));
    let mut buf = [0u8; 512];
    let n = readn(fdnum, &mut buf).unwrap_or_else(|e| panic!("read: %e", e));
    if &buf[..n] != NEWMOTD || st.st_size as usize != n || st.name() != b"newmotd" {
        panic!("read or fstat of /newmotd is wrong");
    }
    let _ = close(fdnum);
    cprintf!("open is good\n");
}

/// A word per 512-byte chunk through three times the direct blocks, so the
/// file needs its indirect block; written, then read back and checked.
fn large_file() {
    const CHUNK: usize = 512;
    const SIZE: usize = NDIRECT * 3 * 4096;
    let fd =
        open(b"/big", O_WRONLY | O_CREAT | O_TRUNC).unwrap_or_else(|e| panic!("creat /big: %e", e));
    let mut buf = [0u8; CHUNK];
    for i in (0..SIZE).step_by(CHUNK) {
        buf[..4].copy_from_slice(&(i as u32).to_le_bytes());
        if write(fd, &buf) != Ok(CHUNK) {
            panic!("write /big at %d", i);
        }
    }
    let _ = close(fd);
    let fd = open(b"/big", O_RDONLY).unwrap_or_else(|e| panic!("open /big: %e", e));
    for i in (0..SIZE).step_by(CHUNK) {
        if readn(fd, &mut buf) != Ok(CHUNK) {
            panic!("read /big at %d", i);
        }
        if u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) != i as u32 {
            panic!("read /big at %d: wrong data", i);
        }
    }
    if read(fd, &mut buf) != Ok(0) {
        panic!("/big is longer than written");
    }
    let _ = seek(fd, 0);
    let _ = close(fd);
    cprintf!("large file is good\n");
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    raw_requests();
    fd_layer();
    large_file();
}

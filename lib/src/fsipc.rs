//! The client side of the file-server protocol: one function per request.
//!
//! Each call fills this env's request page, sends it to the FS env (the
//! first env of type FS) with the request type as the IPC value, and waits
//! for the reply value. READ and STAT replies come back in the same page
//! (the server maps the frame we sent and writes into it); OPEN's reply also
//! carries the server's Fd page, mapped wherever the caller asks.
//!
//! Errors are negative `-E_*` values, as everywhere in the library.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicI32, Ordering};
use inc::env::{EnvId, ENV_TYPE_FS};
use inc::error::{E_BAD_ENV, E_BAD_PATH, E_INVAL};
use inc::fs::*;
use inc::mmu::{PTE_P, PTE_U, PTE_W};

/// The request page. Only ever touched through raw pointers: the server
/// writes replies into its frame behind the compiler's back.
#[repr(C, align(4096))]
struct RequestPage(UnsafeCell<Fsipc>);

// SAFETY: every access goes through raw pointers in this module, one request
// at a time per env (an env is single-threaded; sfork'd envs sharing this
// page must not make requests at the same moment, as in JOS).
unsafe impl Sync for RequestPage {}

static FSIPCBUF: RequestPage = RequestPage(UnsafeCell::new(Fsipc {
    bytes: [0; BLKSIZE],
}));

/// The FS env's id once found (0 = not looked up yet).
static FSENV: AtomicI32 = AtomicI32::new(0);

/// The va of this env's request page.
pub fn request_page() -> u32 {
    FSIPCBUF.0.get() as u32
}

fn buf() -> *mut u8 {
    FSIPCBUF.0.get() as *mut u8
}

/// The FS env, looked up in `envs[]` on first use.
pub fn fs_envid() -> Option<EnvId> {
    let cached = FSENV.load(Ordering::Relaxed);
    if cached != 0 {
        return Some(cached);
    }
    let id = crate::ipc::ipc_find_env(ENV_TYPE_FS)?;
    FSENV.store(id, Ordering::Relaxed);
    Some(id)
}

/// Sends request `req_type` with the page at `page` = (va, perm) (if
/// any) and waits for the reply; a page in the reply is mapped at `dstva`
/// (if any). Exposed for programs that test the server with requests the
/// typed calls never make.
pub fn raw_request(req_type: u32, page: Option<(u32, u32)>, dstva: Option<u32>) -> i32 {
    let Some(fs) = fs_envid() else {
        return -E_BAD_ENV;
    };
    let (va, perm) = page.unwrap_or((inc::memlayout::UTOP, 0));
    if let Err(e) = crate::sys_ipc_send(fs, req_type, va, perm) {
        return e;
    }
    // As in JOS, the next message is taken as the reply: only the server
    // answers a client that is waiting here.
    match crate::ipc::ipc_recv(None, dstva, None) {
        Ok(v) => v as i32,
        Err(e) => e,
    }
}

/// The page the fault handlers (mapped files, demand-paged text) send
/// FSREQ_MAP in: their own, so that a fault in the middle of another file
/// request (a `write` from mapped memory) does not overwrite that request.
/// Faults do not nest while one is being served, so one page serves both.
static FAULTREQ: RequestPage = RequestPage(UnsafeCell::new(Fsipc {
    bytes: [0; BLKSIZE],
}));

/// Borrows the server's cache page of the block at byte `offset` (a
/// multiple of BLKSIZE) of the file `fileid`, mapped at `dstva` with P|U
/// and `perm` (0 for read-only; see fs/src/lend.rs). Returns 0 or -E_*.
pub fn map_block(fileid: i32, offset: u32, perm: u32, dstva: u32) -> i32 {
    let req = ReqMap {
        req_fileid: fileid,
        req_offset: offset,
        req_perm: perm,
    };
    let reqva = FAULTREQ.0.get() as u32;
    // SAFETY: the fault request page, reached through raw pointers only,
    // one request at a time.
    unsafe { core::ptr::write_volatile(reqva as *mut ReqMap, req) };
    raw_request(FSREQ_MAP, Some((reqva, PTE_P | PTE_U | PTE_W)), Some(dstva))
}

/// A swap-store request (swap.rs) whose arguments are two words in the
/// request page.
pub fn swap_request(req_type: u32, words: [u32; 2]) -> i32 {
    put_u32(0, words[0]);
    put_u32(4, words[1]);
    fsipc(req_type, None)
}

/// Sends request `req_type` with the request page.
fn fsipc(req_type: u32, dstva: Option<u32>) -> i32 {
    raw_request(
        req_type,
        Some((request_page(), PTE_P | PTE_W | PTE_U)),
        dstva,
    )
}

/// Writes a little-endian i32/u32 at byte `off` of the request page.
fn put_u32(off: usize, v: u32) {
    // SAFETY: off + 4 <= BLKSIZE for every caller; the page is ours.
    unsafe { core::ptr::write_volatile(buf().add(off) as *mut u32, v) }
}

/// Copies `path` (up to its first NUL, if any) into the request page at 0,
/// NUL-terminated.
fn put_path(path: &[u8]) -> Result<(), i32> {
    let len = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    if len >= MAXPATHLEN {
        return Err(-E_BAD_PATH);
    }
    // SAFETY: len + 1 <= MAXPATHLEN <= BLKSIZE bytes of our page.
    unsafe {
        core::ptr::copy_nonoverlapping(path.as_ptr(), buf(), len);
        core::ptr::write_volatile(buf().add(len), 0);
    }
    Ok(())
}

/// Opens `path` with `omode` (O_*). On success (0) the server's Fd page
/// for the open file is mapped at `fd_page`; its `fd_file_id` names the file
/// in later requests.
pub fn open(path: &[u8], omode: i32, fd_page: u32) -> i32 {
    if let Err(e) = put_path(path) {
        return e;
    }
    put_u32(MAXPATHLEN, omode as u32);
    // The reply brings the Fd page: under a quota there must be room for it.
    if let Err(e) = crate::swap::make_room(1) {
        return e;
    }
    fsipc(FSREQ_OPEN, Some(fd_page))
}

/// Sets the file's size to `size` bytes (truncating or zero-extending).
pub fn set_size(fileid: i32, size: u32) -> i32 {
    put_u32(0, fileid as u32);
    put_u32(4, size);
    fsipc(FSREQ_SET_SIZE, None)
}

/// Reads at most `min(buf.len(), PGSIZE)` bytes at the fd's offset (kept in
/// the shared Fd page, advanced by the server). Returns the count, 0 at EOF.
pub fn read(fileid: i32, out: &mut [u8]) -> i32 {
    let n = out.len().min(BLKSIZE);
    put_u32(0, fileid as u32);
    put_u32(4, n as u32);
    let r = fsipc(FSREQ_READ, None);
    if r > 0 {
        let got = (r as usize).min(n);
        // SAFETY: the server wrote `got` <= BLKSIZE reply bytes at the start
        // of our request page; `out` is a distinct Rust buffer.
        unsafe { core::ptr::copy_nonoverlapping(buf(), out.as_mut_ptr(), got) };
        return got as i32;
    }
    r
}

/// Writes `data` (at most WRITE_BUF_SIZE bytes) at the fd's offset.
/// Returns the count written.
pub fn write(fileid: i32, data: &[u8]) -> i32 {
    if data.len() > WRITE_BUF_SIZE {
        return -E_INVAL;
    }
    put_u32(0, fileid as u32);
    put_u32(4, data.len() as u32);
    // SAFETY: 8 + data.len() <= BLKSIZE bytes of our page.
    unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), buf().add(8), data.len()) };
    fsipc(FSREQ_WRITE, None)
}

/// The file's name, size and whether it is a directory.
pub fn stat(fileid: i32) -> Result<RetStat, i32> {
    put_u32(0, fileid as u32);
    let r = fsipc(FSREQ_STAT, None);
    if r < 0 {
        return Err(r);
    }
    // SAFETY: the reply is a RetStat at the start of our page (plain data,
    // any bytes are a valid value).
    Ok(unsafe { core::ptr::read_volatile(buf() as *const RetStat) })
}

/// Writes the file's dirty blocks back to disk.
pub fn flush(fileid: i32) -> i32 {
    put_u32(0, fileid as u32);
    fsipc(FSREQ_FLUSH, None)
}

/// Removes the file at `path`.
pub fn remove(path: &[u8]) -> i32 {
    if let Err(e) = put_path(path) {
        return e;
    }
    fsipc(FSREQ_REMOVE, None)
}

/// Writes every dirty block back to disk.
pub fn sync() -> i32 {
    // Touch the page so that, after a fork, it is our own writable copy
    // (a copy-on-write page cannot be sent writable).
    put_u32(0, 0);
    fsipc(FSREQ_SYNC, None)
}

/// The Fd page mapped at `fd_page`, as the server last wrote it (the
/// fileid, the offset the server advances). Programs that talk to the
/// server directly use these; the fd layer has its own view.
pub fn fd_at(fd_page: u32) -> inc::fd::Fd {
    // SAFETY: reading plain data from a page the caller says is an Fd page;
    // an unmapped page faults, as a bad pointer would.
    unsafe { core::ptr::read_volatile(fd_page as *const inc::fd::Fd) }
}

/// Sets the offset kept in the Fd page at `fd_page` (a seek).
pub fn set_offset(fd_page: u32, offset: i32) {
    // SAFETY: as for `fd_at`; the page is shared writable with the server.
    unsafe { core::ptr::write_volatile((fd_page + 4) as *mut i32, offset) }
}

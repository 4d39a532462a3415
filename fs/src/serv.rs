//! The file server: receives requests by IPC, checks each one completely
//! before acting, and replies with a value (and for OPEN, an Fd page).
//!
//! Open files live in a table of MAXOPEN slots. Each slot owns an Fd page
//! at OPENFD + slot * PGSIZE, shared with the client (PTE_SHARE) on OPEN;
//! the file's offset lives there. A slot is free again once the server is
//! the only one mapping its Fd page (the client closed it or died), so
//! nothing leaks. A fileid is slot + k * MAXOPEN, k bumped on each reuse,
//! so a stale fileid is refused.
//!
//! Beyond JOS: a fileid is honoured only from an env that maps the slot's
//! Fd page among its fds (it opened the file, or inherited the fd by fork
//! or spawn). The kernel's `page_shared` answers that; guessing a fileid
//! gets -E_INVAL. The library's mmap keeps its own copies of Fd pages in
//! the MMAPFD window (so a mapping outlives its fd); those count too.
//!
//! What the server believes about an open file (its record, its access
//! mode) is kept here, not in the Fd page, which the client can write.

use crate::bc::Disk;
use bytemuck::Zeroable;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use fs::fs::{FileRef, Fs};
use inc::env::EnvId;
use inc::error::*;
use inc::fd::{fd_page, Fd, DEV_FILE, MAXFD};
use inc::fs::*;
use inc::memlayout::{PGSIZE, UPAGES};
use inc::mmu::{pgnum, PTE_P, PTE_SHARE, PTE_U, PTE_W};
use jos::fork::uvpt;
use jos::{
    cprintf, ipc_recv, sys_ipc_try_send, sys_page_alloc, sys_page_shared, sys_page_unmap,
    sys_time_msec, sys_yield,
};

/// Where the server keeps the open files' Fd pages.
const OPENFD: u32 = 0xD000_0000;

const KNOWN_OMODE: i32 = O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL | O_MKDIR;

#[derive(Clone, Copy)]
struct OpenFile {
    fileid: i32,
    /// The file; None once it was removed while open.
    file: Option<FileRef>,
    omode: i32,
    /// The client fd index the Fd page was last found at (a search hint).
    fd_hint: u8,
}

/// The server's tables: too large for the FS env's one-page stack, so
/// they live in a static, handed out once (see `serve`).
struct Tables {
    open: [OpenFile; MAXOPEN],
    /// The request's path, copied out of the client's page before use.
    path: [u8; MAXPATHLEN],
}

struct TablesCell(UnsafeCell<Tables>);
// SAFETY: only `serve` takes a reference, once (TAKEN).
unsafe impl Sync for TablesCell {}

static TABLES: TablesCell = TablesCell(UnsafeCell::new(Tables::new()));
static TAKEN: AtomicBool = AtomicBool::new(false);

impl Tables {
    const fn new() -> Tables {
        let mut open = [OpenFile {
            fileid: 0,
            file: None,
            omode: 0,
            fd_hint: 0,
        }; MAXOPEN];
        let mut i = 0;
        while i < MAXOPEN {
            open[i].fileid = i as i32;
            i += 1;
        }
        Tables {
            open,
            path: [0; MAXPATHLEN],
        }
    }
}

struct Server {
    fs: Fs<Disk>,
    open: &'static mut [OpenFile; MAXOPEN],
    path: &'static mut [u8; MAXPATHLEN],
}

/// Serves requests on `fs` forever.
pub fn serve(fs: Fs<Disk>) -> ! {
    if TAKEN.swap(true, Ordering::Relaxed) {
        jos::panic!("serve called twice");
    }
    // SAFETY: TAKEN makes this the only reference to TABLES ever made.
    let t = unsafe { &mut *TABLES.0.get() };
    let mut server = Server {
        fs,
        open: &mut t.open,
        path: &mut t.path,
    };
    server.serve()
}

/// A reply: value, and a page to send with its permissions.
type Reply = (i32, Option<(u32, u32)>);

fn fd_va(slot: usize) -> u32 {
    OPENFD + slot as u32 * PGSIZE
}

/// References to the frame mapped at `va` (0 if unmapped), read from the
/// kernel's read-only PageInfo array at UPAGES.
fn pageref(va: u32) -> u32 {
    let Some(pte) = uvpt(va) else {
        return 0;
    };
    let info = UPAGES + pgnum(pte) as u32 * 8;
    // SAFETY: UPAGES maps every PageInfo read-only for user space; pp_ref
    // is the u16 at offset 4.
    unsafe { core::ptr::read_volatile((info + 4) as *const u16) as u32 }
}

fn req_u32(off: usize) -> u32 {
    // SAFETY: the request page is mapped (checked before dispatch) and
    // plain bytes; off + 4 <= PGSIZE.
    unsafe { core::ptr::read_volatile((FS_REQ_VA as usize + off) as *const u32) }
}

/// The request page as bytes.
///
/// # Safety
/// The page must be mapped at FS_REQ_VA for as long as the slice is used.
unsafe fn req_page() -> &'static mut [u8] {
    // SAFETY: the caller keeps the page mapped; the client that sent it is
    // waiting for our reply and does not touch it meanwhile.
    unsafe { core::slice::from_raw_parts_mut(FS_REQ_VA as *mut u8, BLKSIZE) }
}

fn fd_of(slot: usize) -> *mut Fd {
    fd_va(slot) as *mut Fd
}

impl Server {
    fn serve(&mut self) -> ! {
        loop {
            let mut whom: EnvId = 0;
            let mut perm = 0;
            let req = match ipc_recv(Some(&mut whom), Some(FS_REQ_VA), Some(&mut perm)) {
                Ok(v) => v,
                Err(_) => continue,
            };
            if crate::swapserv::serve(whom, req, perm) {
                // SAFETY: the swap request is done with the page it sent.
                let _ = unsafe { sys_page_unmap(0, FS_REQ_VA) };
                continue;
            }
            let (value, page) = if perm & PTE_P == 0 || uvpt(FS_REQ_VA).is_none() {
                cprintf!("Invalid request from %08x: no argument page\n", whom);
                (-E_INVAL, None)
            } else if perm & PTE_W == 0 {
                // We write replies into the page; a read-only one is refused.
                (-E_INVAL, None)
            } else {
                self.dispatch(whom, req)
            };
            // SAFETY: nothing refers into the request page past dispatch.
            let _ = unsafe { sys_page_unmap(0, FS_REQ_VA) };
            let _ = reply(whom, value, page);
        }
    }

    fn dispatch(&mut self, whom: EnvId, req: u32) -> Reply {
        let r = match req {
            FSREQ_OPEN => return self.serve_open(),
            FSREQ_MAP => return self.serve_map(whom),
            FSREQ_SET_SIZE => self.serve_set_size(whom),
            FSREQ_READ => self.serve_read(whom),
            FSREQ_WRITE => self.serve_write(whom),
            FSREQ_STAT => self.serve_stat(whom),
            FSREQ_FLUSH => self.serve_flush(whom),
            FSREQ_REMOVE => self.serve_remove(),
            FSREQ_SYNC => {
                self.fs.sync();
                Ok(0)
            }
            _ => Err(-E_INVAL),
        };
        (r.unwrap_or_else(|e| e), None)
    }

    /// Copies the request's path into `self.path`: NUL-terminated within
    /// MAXPATHLEN, else -E_BAD_PATH.
    fn copy_path(&mut self) -> Result<(), i32> {
        // SAFETY: the request page is mapped during dispatch.
        let page = unsafe { req_page() };
        self.path.copy_from_slice(&page[..MAXPATHLEN]);
        if !self.path.contains(&0) {
            return Err(-E_BAD_PATH);
        }
        Ok(())
    }

    /// A slot whose Fd page only we map (or never mapped), with a fresh
    /// fileid and a zeroed Fd page. -E_MAX_OPEN if all are in use.
    fn openfile_alloc(&mut self) -> Result<usize, i32> {
        for slot in 0..MAXOPEN {
            match pageref(fd_va(slot)) {
                0 => {
                    // SAFETY: our own unused page in the OPENFD window.
                    unsafe { sys_page_alloc(0, fd_va(slot), PTE_P | PTE_U | PTE_W) }?;
                }
                1 => {
                    // SAFETY: only we map it, and we keep no reference.
                    unsafe { core::ptr::write_bytes(fd_va(slot) as *mut u8, 0, PGSIZE as usize) };
                }
                _ => continue,
            }
            let o = &mut self.open[slot];
            o.fileid = match o.fileid.checked_add(MAXOPEN as i32) {
                Some(id) => id,
                None => slot as i32 + MAXOPEN as i32,
            };
            o.file = None;
            return Ok(slot);
        }
        Err(-E_MAX_OPEN)
    }

    /// The open file `fileid` names, if `whom` holds its Fd page.
    fn lookup(&mut self, whom: EnvId, fileid: i32) -> Result<usize, i32> {
        if fileid < 0 {
            return Err(-E_INVAL);
        }
        let slot = fileid as usize % MAXOPEN;
        let o = self.open[slot];
        if o.fileid != fileid || pageref(fd_va(slot)) <= 1 {
            return Err(-E_INVAL);
        }
        // Its fds, then the library's references for mmap (MMAPFD).
        let page = |i: usize| {
            if i < MAXFD {
                fd_page(i)
            } else {
                mmap_fd_page(i - MAXFD)
            }
        };
        let holds = |i: usize| sys_page_shared(whom, page(i), fd_va(slot)) == Ok(true);
        let hint = o.fd_hint as usize;
        let found = if holds(hint) {
            Some(hint)
        } else {
            (0..MAXFD + MAXMMAPFD).find(|&i| i != hint && holds(i))
        };
        let Some(i) = found else {
            return Err(-E_INVAL);
        };
        self.open[slot].fd_hint = i as u8;
        Ok(slot)
    }

    /// The file behind a looked-up slot (-E_NOT_FOUND once removed).
    fn file_of(&self, slot: usize) -> Result<FileRef, i32> {
        self.open[slot].file.ok_or(-E_NOT_FOUND)
    }

    fn can_write(&self, slot: usize) -> bool {
        self.open[slot].omode & O_ACCMODE != O_RDONLY
    }

    fn can_read(&self, slot: usize) -> bool {
        self.open[slot].omode & O_ACCMODE != O_WRONLY
    }

    fn serve_open(&mut self) -> Reply {
        match self.open_file() {
            Ok(slot) => (0, Some((fd_va(slot), PTE_P | PTE_U | PTE_W | PTE_SHARE))),
            Err(e) => (e, None),
        }
    }

    fn open_file(&mut self) -> Result<usize, i32> {
        self.copy_path()?;
        let omode = req_u32(MAXPATHLEN) as i32;
        if omode & !KNOWN_OMODE != 0 || omode & O_ACCMODE == O_ACCMODE {
            return Err(-E_INVAL);
        }
        let slot = self.openfile_alloc()?;
        let path = &*self.path;
        let f = if omode & O_CREAT != 0 {
            let ftype = if omode & O_MKDIR != 0 {
                FTYPE_DIR
            } else {
                FTYPE_REG
            };
            match self.fs.file_create(path, ftype) {
                Err(e) if e == -E_FILE_EXISTS && omode & O_EXCL == 0 => self.fs.file_open(path)?,
                r => r?,
            }
        } else {
            self.fs.file_open(path)?
        };
        // Directories are written by the server alone.
        let isdir = self.fs.get_file(f).f_type == FTYPE_DIR;
        if isdir && (omode & (O_ACCMODE | O_TRUNC) != 0) {
            return Err(-E_INVAL);
        }
        if omode & O_TRUNC != 0 {
            self.fs.file_set_size(f, 0)?;
        }
        let o = &mut self.open[slot];
        o.file = Some(f);
        o.omode = omode;
        o.fd_hint = 0;
        let fd = Fd {
            fd_dev_id: DEV_FILE,
            fd_offset: 0,
            fd_omode: omode,
            fd_file_id: o.fileid,
        };
        // SAFETY: the slot's Fd page is mapped (openfile_alloc) and ours.
        unsafe { core::ptr::write_volatile(fd_of(slot), fd) };
        Ok(slot)
    }

    fn serve_set_size(&mut self, whom: EnvId) -> Result<i32, i32> {
        let (fileid, size) = (req_u32(0) as i32, req_u32(4) as i32);
        let slot = self.lookup(whom, fileid)?;
        let f = self.file_of(slot)?;
        if !self.can_write(slot) || size < 0 {
            return Err(-E_INVAL);
        }
        self.fs.file_set_size(f, size as u32)?;
        Ok(0)
    }

    /// The fd's offset, from the shared Fd page (-E_INVAL if negative).
    fn offset(slot: usize) -> Result<u32, i32> {
        // SAFETY: a looked-up slot's Fd page is mapped.
        let off = unsafe { core::ptr::read_volatile(&raw const (*fd_of(slot)).fd_offset) };
        u32::try_from(off).map_err(|_| -E_INVAL)
    }

    fn advance(slot: usize, off: u32, n: usize) {
        // SAFETY: as for `offset`.
        unsafe {
            core::ptr::write_volatile(&raw mut (*fd_of(slot)).fd_offset, (off as usize + n) as i32)
        };
    }

    fn serve_read(&mut self, whom: EnvId) -> Result<i32, i32> {
        let (fileid, n) = (req_u32(0) as i32, req_u32(4) as usize);
        let slot = self.lookup(whom, fileid)?;
        let f = self.file_of(slot)?;
        if !self.can_read(slot) {
            return Err(-E_INVAL);
        }
        let off = Self::offset(slot)?;
        // SAFETY: the request page is mapped during dispatch.
        let page = unsafe { req_page() };
        let got = self.fs.file_read(f, &mut page[..n.min(BLKSIZE)], off)?;
        Self::advance(slot, off, got);
        Ok(got as i32)
    }

    fn serve_write(&mut self, whom: EnvId) -> Result<i32, i32> {
        let (fileid, n) = (req_u32(0) as i32, req_u32(4) as usize);
        let slot = self.lookup(whom, fileid)?;
        let f = self.file_of(slot)?;
        if !self.can_write(slot) {
            return Err(-E_INVAL);
        }
        let off = Self::offset(slot)?;
        // SAFETY: the request page is mapped during dispatch.
        let page = unsafe { req_page() };
        let data = &page[8..8 + n.min(WRITE_BUF_SIZE)];
        let put = self.fs.file_write(f, data, off)?;
        Self::advance(slot, off, put);
        Ok(put as i32)
    }

    fn serve_stat(&mut self, whom: EnvId) -> Result<i32, i32> {
        let slot = self.lookup(whom, req_u32(0) as i32)?;
        let file = self.fs.get_file(self.file_of(slot)?);
        let mut st = RetStat::zeroed();
        st.ret_name[..MAXNAMELEN - 1].copy_from_slice(&file.f_name[..MAXNAMELEN - 1]);
        st.ret_size = file.f_size;
        st.ret_isdir = (file.f_type == FTYPE_DIR) as i32;
        // SAFETY: the request page is mapped during dispatch.
        let page = unsafe { req_page() };
        page[..core::mem::size_of::<RetStat>()].copy_from_slice(bytemuck::bytes_of(&st));
        Ok(0)
    }

    fn serve_flush(&mut self, whom: EnvId) -> Result<i32, i32> {
        let slot = self.lookup(whom, req_u32(0) as i32)?;
        let f = self.file_of(slot)?;
        self.fs.file_flush(f)?;
        Ok(0)
    }

    /// FSREQ_MAP: lends the page of one block (`lend.rs`).
    fn serve_map(&mut self, whom: EnvId) -> Reply {
        let (fileid, offset, perm) = (req_u32(0) as i32, req_u32(4), req_u32(8));
        let lent = self.lookup(whom, fileid).and_then(|slot| {
            let f = self.file_of(slot)?;
            if !self.can_read(slot) {
                return Err(-E_INVAL);
            }
            let can_write = self.can_write(slot);
            crate::lend::lend_block(&mut self.fs, f, offset, perm, can_write)
        });
        match lent {
            Ok(page) => (0, Some(page)),
            Err(e) => (e, None),
        }
    }

    fn serve_remove(&mut self) -> Result<i32, i32> {
        self.copy_path()?;
        let f = self.fs.file_remove(&*self.path)?;
        // Its entry may be reused: open handles must not reach it.
        for o in self.open.iter_mut().filter(|o| o.file == Some(f)) {
            o.file = None;
        }
        Ok(0)
    }
}

/// How long a client has to start waiting for its reply. Time, not a count
/// of tries: at several CPUs on a loaded host, the client's CPU may be
/// descheduled by the host for a while between its send and its receive.
const REPLY_PATIENCE_MS: u32 = 5000;

/// Sends the reply without blocking forever: a client that died loses it at
/// once, one that does not wait for it within REPLY_PATIENCE_MS loses it
/// too, and the server goes on. A page the client has no room for (its
/// quota) is not sent: the client gets -E_NO_MEM instead of waiting
/// forever. Err if the reply was not delivered as asked.
pub(crate) fn reply(whom: EnvId, value: i32, page: Option<(u32, u32)>) -> Result<(), i32> {
    let (va, perm) = page.unwrap_or((inc::memlayout::UTOP, 0));
    let start = sys_time_msec();
    loop {
        match sys_ipc_try_send(whom, value as u32, va, perm) {
            Err(e) if e == -E_IPC_NOT_RECV => {
                if sys_time_msec().wrapping_sub(start) > REPLY_PATIENCE_MS {
                    cprintf!("fs: %08x did not wait for its reply\n", whom);
                    return Err(e);
                }
                sys_yield();
            }
            Err(e) if e == -E_NO_MEM && page.is_some() => {
                let _ = reply(whom, e, None);
                return Err(e);
            }
            r => return r,
        }
    }
}

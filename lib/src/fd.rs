//! The file-descriptor layer: numbers 0..MAXFD, each backed by one page at
//! `fd_page(i)` (layout `inc::fd::Fd`), and a device that does the work.
//!
//! An fd is open exactly while its page is mapped, so the table needs no
//! other bookkeeping and is inherited for free: fd pages carry PTE_SHARE,
//! which fork and spawn map into the child with the same frame, so parent
//! and child share the offset too, as Unix does. A C program built with
//! JOS's library sees the same pages and the same device ids.

use crate::fork::{uvpd, uvpt};
use inc::error::{E_INVAL, E_MAX_OPEN, E_NOT_SUPP};
use inc::fd::{fd_data, fd_page, MAXFD};
use inc::fs::{MAXNAMELEN, O_ACCMODE, O_RDONLY, O_WRONLY};
use inc::memlayout::PTSIZE;
use inc::mmu::{PTE_P, PTE_SHARE, PTE_SYSCALL};

/// What `fstat` reports (user side only; never crosses an env boundary).
#[derive(Clone, Copy)]
pub struct Stat {
    pub st_name: [u8; MAXNAMELEN],
    pub st_size: i32,
    pub st_isdir: bool,
    /// The device's id (`'f'`, `'p'`, `'c'`).
    pub st_dev: i32,
}

impl Stat {
    pub const fn new() -> Stat {
        Stat {
            st_name: [0; MAXNAMELEN],
            st_size: 0,
            st_isdir: false,
            st_dev: 0,
        }
    }

    /// The name up to its NUL.
    pub fn name(&self) -> &[u8] {
        let n = self
            .st_name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(MAXNAMELEN);
        &self.st_name[..n]
    }

    /// Sets the name, cut to fit with its NUL.
    pub fn set_name(&mut self, name: &[u8]) {
        let n = name.len().min(MAXNAMELEN - 1);
        self.st_name = [0; MAXNAMELEN];
        self.st_name[..n].copy_from_slice(&name[..n]);
    }
}

impl Default for Stat {
    fn default() -> Stat {
        Stat::new()
    }
}

/// A device's truncate operation (files only).
pub type TruncFn = fn(Fd, u32) -> Result<(), i32>;

/// A device: what `read`, `write`, ... do for fds whose `fd_dev_id` is `id`.
pub struct Dev {
    pub id: i32,
    pub name: &'static str,
    pub read: fn(Fd, &mut [u8]) -> Result<usize, i32>,
    pub write: fn(Fd, &[u8]) -> Result<usize, i32>,
    pub close: fn(Fd) -> Result<(), i32>,
    pub stat: fn(Fd, &mut Stat) -> Result<(), i32>,
    pub trunc: Option<TruncFn>,
}

/// Every device the library knows.
const DEVTAB: [&Dev; 3] = [
    &crate::file::DEVFILE,
    &crate::pipe::DEVPIPE,
    &crate::console::DEVCONS,
];

/// The device with id `dev_id`.
pub fn dev_lookup(dev_id: i32) -> Result<&'static Dev, i32> {
    DEVTAB
        .iter()
        .copied()
        .find(|d| d.id == dev_id)
        .ok_or(-E_INVAL)
}

/// One open file descriptor: a number whose page is (or is about to be)
/// mapped. Fields are read and written through raw pointers, volatile,
/// because the page is shared with other environments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fd(usize);

impl Fd {
    pub fn num(self) -> i32 {
        self.0 as i32
    }

    /// The fd's page (`struct Fd` of inc/fd.rs).
    pub fn page(self) -> u32 {
        fd_page(self.0)
    }

    /// The fd's data window (a pipe's buffer page sits here).
    pub fn data(self) -> u32 {
        fd_data(self.0)
    }

    fn raw(self) -> *mut inc::fd::Fd {
        self.page() as *mut inc::fd::Fd
    }

    pub fn dev_id(self) -> i32 {
        // SAFETY: an Fd is only handed out for a mapped fd page (or one its
        // creator just mapped); the field is read with one volatile load.
        unsafe { core::ptr::addr_of!((*self.raw()).fd_dev_id).read_volatile() }
    }

    pub fn offset(self) -> i32 {
        // SAFETY: as in `dev_id`.
        unsafe { core::ptr::addr_of!((*self.raw()).fd_offset).read_volatile() }
    }

    pub fn omode(self) -> i32 {
        // SAFETY: as in `dev_id`.
        unsafe { core::ptr::addr_of!((*self.raw()).fd_omode).read_volatile() }
    }

    /// For a file: the server's fileid.
    pub fn file_id(self) -> i32 {
        // SAFETY: as in `dev_id`.
        unsafe { core::ptr::addr_of!((*self.raw()).fd_file_id).read_volatile() }
    }

    pub fn set_offset(self, offset: i32) {
        // SAFETY: fd pages are mapped writable; one volatile store.
        unsafe { core::ptr::addr_of_mut!((*self.raw()).fd_offset).write_volatile(offset) }
    }

    /// Fills in a freshly allocated fd page.
    pub fn init(self, dev_id: i32, omode: i32) {
        // SAFETY: the caller just mapped this page writable; volatile stores.
        unsafe {
            let fd = self.raw();
            core::ptr::addr_of_mut!((*fd).fd_dev_id).write_volatile(dev_id);
            core::ptr::addr_of_mut!((*fd).fd_offset).write_volatile(0);
            core::ptr::addr_of_mut!((*fd).fd_omode).write_volatile(omode);
        }
    }

    fn is_mapped(self) -> bool {
        uvpd(self.page()) & PTE_P != 0 && uvpt(self.page()).is_some()
    }
}

/// The lowest fd number whose page is not mapped; the caller maps it (with
/// PTE_SHARE). `-E_MAX_OPEN` when all MAXFD are in use.
pub fn fd_alloc() -> Result<Fd, i32> {
    (0..MAXFD)
        .map(Fd)
        .find(|fd| !fd.is_mapped())
        .ok_or(-E_MAX_OPEN)
}

/// The open fd numbered `fdnum`, or `-E_INVAL`.
pub fn fd_lookup(fdnum: i32) -> Result<Fd, i32> {
    if fdnum < 0 || fdnum as usize >= MAXFD {
        return Err(-E_INVAL);
    }
    let fd = Fd(fdnum as usize);
    if fd.is_mapped() {
        Ok(fd)
    } else {
        Err(-E_INVAL)
    }
}

/// Closes `fd`: the device lets go of it, then the fd page is unmapped.
pub fn fd_close(fd: Fd) -> Result<(), i32> {
    let r = dev_lookup(fd.dev_id()).and_then(|dev| (dev.close)(fd));
    // SAFETY: fd pages are only reached through raw pointers.
    let _ = unsafe { crate::sys_page_unmap(0, fd.page()) };
    r
}

pub fn close(fdnum: i32) -> Result<(), i32> {
    fd_close(fd_lookup(fdnum)?)
}

/// Closes every open fd (what `exit` does).
pub fn close_all() {
    for i in 0..MAXFD as i32 {
        let _ = close(i);
    }
}

/// Makes `newfdnum` a duplicate of `oldfdnum` (closing `newfdnum` first):
/// both then share one page, so one offset.
pub fn dup(oldfdnum: i32, newfdnum: i32) -> Result<i32, i32> {
    let old = fd_lookup(oldfdnum)?;
    if newfdnum < 0 || newfdnum as usize >= MAXFD {
        return Err(-E_INVAL);
    }
    if oldfdnum == newfdnum {
        return Ok(newfdnum);
    }
    let _ = close(newfdnum);
    let new = Fd(newfdnum as usize);
    // The data window first, the fd page last: a pipe end counts as open
    // by the fd page's reference count, which must never exceed the data
    // page's (see pipe.rs), even for the instant between the two maps.
    let r = map_data_window(old, new).and_then(|()| share_page(old.page(), new.page()));
    if let Err(e) = r {
        unmap_data_window(new);
        // SAFETY: the half-made fd's pages are only reached through raw pointers.
        let _ = unsafe { crate::sys_page_unmap(0, new.page()) };
        return Err(e);
    }
    Ok(newfdnum)
}

/// Maps our page at `from` at `to` too, with its permissions.
fn share_page(from: u32, to: u32) -> Result<(), i32> {
    let perm = uvpt(from).map(|pte| pte & PTE_SYSCALL).ok_or(-E_INVAL)?;
    // SAFETY: `to` is an fd page or data-window page of a closed fd, which
    // nothing references.
    unsafe { crate::sys_page_map(0, from, 0, to, perm) }
}

/// Shares every mapped page of `old`'s data window at `new`'s.
fn map_data_window(old: Fd, new: Fd) -> Result<(), i32> {
    if uvpd(old.data()) & PTE_P == 0 {
        return Ok(());
    }
    for off in (0..PTSIZE).step_by(inc::memlayout::PGSIZE as usize) {
        if uvpt(old.data() + off).is_some() {
            share_page(old.data() + off, new.data() + off)?;
        }
    }
    Ok(())
}

fn unmap_data_window(fd: Fd) {
    if uvpd(fd.data()) & PTE_P == 0 {
        return;
    }
    for off in (0..PTSIZE).step_by(inc::memlayout::PGSIZE as usize) {
        if uvpt(fd.data() + off).is_some() {
            // SAFETY: the window of a closed fd is only reached through raw pointers.
            let _ = unsafe { crate::sys_page_unmap(0, fd.data() + off) };
        }
    }
}

/// Reads up to `buf.len()` bytes; `Ok(0)` at end of file.
pub fn read(fdnum: i32, buf: &mut [u8]) -> Result<usize, i32> {
    let fd = fd_lookup(fdnum)?;
    let dev = dev_lookup(fd.dev_id())?;
    if fd.omode() & O_ACCMODE == O_WRONLY {
        return Err(-E_INVAL);
    }
    (dev.read)(fd, buf)
}

/// Reads until `buf` is full or the end of the file.
pub fn readn(fdnum: i32, buf: &mut [u8]) -> Result<usize, i32> {
    let mut done = 0;
    while done < buf.len() {
        match read(fdnum, &mut buf[done..])? {
            0 => break,
            n => done += n,
        }
    }
    Ok(done)
}

pub fn write(fdnum: i32, buf: &[u8]) -> Result<usize, i32> {
    let fd = fd_lookup(fdnum)?;
    let dev = dev_lookup(fd.dev_id())?;
    if fd.omode() & O_ACCMODE == O_RDONLY {
        return Err(-E_INVAL);
    }
    (dev.write)(fd, buf)
}

/// Sets the offset of the next read or write.
pub fn seek(fdnum: i32, offset: i32) -> Result<(), i32> {
    let fd = fd_lookup(fdnum)?;
    if offset < 0 {
        return Err(-E_INVAL);
    }
    fd.set_offset(offset);
    Ok(())
}

pub fn ftruncate(fdnum: i32, size: u32) -> Result<(), i32> {
    let fd = fd_lookup(fdnum)?;
    let dev = dev_lookup(fd.dev_id())?;
    if fd.omode() & O_ACCMODE == O_RDONLY {
        return Err(-E_INVAL);
    }
    (dev.trunc.ok_or(-E_NOT_SUPP)?)(fd, size)
}

pub fn fstat(fdnum: i32) -> Result<Stat, i32> {
    let fd = fd_lookup(fdnum)?;
    let dev = dev_lookup(fd.dev_id())?;
    let mut st = Stat::new();
    st.st_dev = dev.id;
    (dev.stat)(fd, &mut st)?;
    Ok(st)
}

/// `fstat` of the file at `path`.
pub fn stat(path: &[u8]) -> Result<Stat, i32> {
    let fd = crate::file::open(path, O_RDONLY)?;
    let r = fstat(fd);
    let _ = close(fd);
    r
}

/// Maps a fresh zeroed, shared page for a new fd (or its data window).
pub fn alloc_shared_page(va: u32) -> Result<(), i32> {
    use inc::mmu::{PTE_U, PTE_W};
    // SAFETY: `va` belongs to an fd that is not open, so nothing refers to it.
    let alloc = || unsafe { crate::sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W | PTE_SHARE) };
    crate::swap::retry_with_eviction(va, alloc)
}

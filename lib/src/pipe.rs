//! Pipes (`'p'`): two fds whose data windows map one shared page holding
//! `inc::fd::Pipe`, a 32-byte ring with a read and a write count.
//!
//! There is no kernel object and no close message: an end is closed when
//! nobody maps its fd page any more. Every open end's fd page is mapped
//! once per holder and the data page once per holder of either end, so
//! "the other end is closed" is `pageref(our fd page) == pageref(data)`.
//! Two rules keep that test honest while fds come and go:
//! - the data page is mapped before an fd page and unmapped after it (dup,
//!   close, fork and spawn all keep this order), so at every instant
//!   `pageref(data) >= pageref(fd_r) + pageref(fd_w)`;
//! - the two counts are read as a consistent pair: the data count before
//!   and after the fd count must agree, and we must not have been
//!   descheduled in between (`env_runs` unchanged), else we read again.

use crate::fd::{alloc_shared_page, fd_alloc, Dev, Fd, Stat};
use crate::pageref::pageref;
use inc::env::envx;
use inc::fd::{Pipe, DEV_PIPE, PIPEBUFSIZ};
use inc::fs::{O_RDONLY, O_WRONLY};
use inc::mmu::{PTE_P, PTE_SHARE, PTE_U, PTE_W};

pub static DEVPIPE: Dev = Dev {
    id: DEV_PIPE,
    name: "pipe",
    read: pipe_read,
    write: pipe_write,
    close: pipe_close,
    stat: pipe_stat,
    trunc: None,
};

/// Creates a pipe: returns `[read end, write end]`.
pub fn pipe() -> Result<[i32; 2], i32> {
    let r = fd_alloc()?;
    alloc_shared_page(r.page())?;
    let w = match fd_alloc() {
        Ok(w) => w,
        Err(e) => return Err(undo(&[r.page()], e)),
    };
    if let Err(e) = alloc_shared_page(w.page()) {
        return Err(undo(&[r.page()], e));
    }
    if let Err(e) = alloc_shared_page(r.data()) {
        return Err(undo(&[r.page(), w.page()], e));
    }
    let perm = PTE_P | PTE_U | PTE_W | PTE_SHARE;
    // SAFETY: w's data window is unused; the page is only reached raw.
    if let Err(e) = unsafe { crate::sys_page_map(0, r.data(), 0, w.data(), perm) } {
        return Err(undo(&[r.page(), w.page(), r.data()], e));
    }
    r.init(DEV_PIPE, O_RDONLY);
    w.init(DEV_PIPE, O_WRONLY);
    Ok([r.num(), w.num()])
}

/// Unmaps the pages of a half-made pipe and passes the error on.
fn undo(pages: &[u32], e: i32) -> i32 {
    for &va in pages {
        // SAFETY: these pages belong to fds that were never handed out.
        let _ = unsafe { crate::sys_page_unmap(0, va) };
    }
    e
}

/// The shared `Pipe` of `fd`, as a raw pointer (the other end writes it).
fn shared(fd: Fd) -> *mut Pipe {
    fd.data() as *mut Pipe
}

fn rpos(p: *mut Pipe) -> i32 {
    // SAFETY: `p` is a mapped pipe page; one volatile load.
    unsafe { core::ptr::addr_of!((*p).p_rpos).read_volatile() }
}

fn wpos(p: *mut Pipe) -> i32 {
    // SAFETY: as in `rpos`.
    unsafe { core::ptr::addr_of!((*p).p_wpos).read_volatile() }
}

/// Whether the other end of `fd` has no holder left.
fn is_closed(fd: Fd) -> bool {
    let slot = envx(crate::sys_getenvid());
    loop {
        let runs = crate::envs(slot).env_runs;
        let data_before = pageref(fd.data());
        let ours = pageref(fd.page());
        let data_after = pageref(fd.data());
        if crate::envs(slot).env_runs == runs && data_before == data_after {
            return ours == data_before;
        }
    }
}

/// `pipeisclosed`: whether the other end of `fdnum` is closed.
pub fn pipeisclosed(fdnum: i32) -> Result<bool, i32> {
    let fd = crate::fd::fd_lookup(fdnum)?;
    Ok(is_closed(fd))
}

/// Waits for at least one byte; `Ok(0)` when the write end is closed and
/// the pipe is empty.
fn pipe_read(fd: Fd, buf: &mut [u8]) -> Result<usize, i32> {
    let p = shared(fd);
    for (i, out) in buf.iter_mut().enumerate() {
        while rpos(p) == wpos(p) {
            // The writer may put its last bytes in and close while we
            // check, so the pipe is at its end only if it is still empty
            // once closed (its bytes land before its close does).
            if i > 0 || (is_closed(fd) && rpos(p) == wpos(p)) {
                return Ok(i);
            }
            crate::sys_yield();
        }
        let r = rpos(p);
        // SAFETY: the pipe page is mapped; the byte at r was written before
        // wpos moved past it (x86 keeps stores in order).
        unsafe {
            *out = core::ptr::addr_of!((*p).p_buf[r as usize % PIPEBUFSIZ]).read_volatile();
            core::ptr::addr_of_mut!((*p).p_rpos).write_volatile(r + 1);
        }
    }
    Ok(buf.len())
}

/// Writes all of `buf`, waiting for room; stops early (returning what was
/// written) if the read end closes.
fn pipe_write(fd: Fd, buf: &[u8]) -> Result<usize, i32> {
    let p = shared(fd);
    for (i, &c) in buf.iter().enumerate() {
        while wpos(p) - rpos(p) >= PIPEBUFSIZ as i32 {
            if is_closed(fd) {
                return Ok(i);
            }
            crate::sys_yield();
        }
        let w = wpos(p);
        // SAFETY: the pipe page is mapped; the byte is stored before wpos
        // is advanced, so the reader never sees a slot before its byte.
        unsafe {
            core::ptr::addr_of_mut!((*p).p_buf[w as usize % PIPEBUFSIZ]).write_volatile(c);
            core::ptr::addr_of_mut!((*p).p_wpos).write_volatile(w + 1);
        }
    }
    Ok(buf.len())
}

/// The fd page goes first, the data page after (see the module comment).
fn pipe_close(fd: Fd) -> Result<(), i32> {
    // SAFETY: both pages belong to the fd being closed and are only reached raw.
    unsafe {
        let _ = crate::sys_page_unmap(0, fd.page());
        crate::sys_page_unmap(0, fd.data())
    }
}

fn pipe_stat(fd: Fd, st: &mut Stat) -> Result<(), i32> {
    let p = shared(fd);
    st.set_name(b"<pipe>");
    st.st_size = wpos(p) - rpos(p);
    Ok(())
}

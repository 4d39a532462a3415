//! fsedge: the file server's error cases, one line each, with the error
//! the server answered (`%e`): a missing file or directory, a path without
//! a NUL, the largest file and past it, a stale fileid, a fileid used by an
//! env that does not hold its fd, a directory opened for writing, too many
//! open files, and a full disk (last, then cleaned up).
#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use inc::env::{envx, ENV_FREE};
use inc::fd::fd_page;
use inc::fs::*;
use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::{cprintf, envs, exit, fork, fsipc, panic, sys_page_unmap, sys_yield};

/// Where the MAXOPEN Fd pages of the too-many-open check are received.
const MANY_FDS: u32 = 0x2000_0000;

struct Buf(UnsafeCell<[u8; WRITE_BUF_SIZE]>);
// SAFETY: one env, one thread; umain takes the one reference.
unsafe impl Sync for Buf {}
static BUF: Buf = Buf(UnsafeCell::new([0x5A; WRITE_BUF_SIZE]));

fn open_at(path: &[u8], omode: i32, fd: u32) -> i32 {
    let r = fsipc::open(path, omode, fd);
    if r < 0 {
        return r;
    }
    fsipc::fd_at(fd).fd_file_id
}

fn must(what: &str, r: i32) -> i32 {
    if r < 0 {
        panic!("%s: %e", what, r);
    }
    r
}

fn close(fd: u32) {
    // SAFETY: nothing refers into the Fd page.
    let _ = unsafe { sys_page_unmap(0, fd) };
}

fn missing() {
    let r = fsipc::open(b"/no-such-file", O_RDONLY, fd_page(0));
    cprintf!("fsedge: open of a missing file: %e\n", r);
    let r = fsipc::open(b"/no-such-dir/file", O_RDWR | O_CREAT, fd_page(0));
    cprintf!("fsedge: create in a missing directory: %e\n", r);
    // SAFETY: our own request page; 1024 bytes without a NUL.
    unsafe { core::ptr::write_bytes(fsipc::request_page() as *mut u8, b'a', MAXPATHLEN) };
    let page = Some((fsipc::request_page(), PTE_P | PTE_U | PTE_W));
    let r = fsipc::raw_request(FSREQ_OPEN, page, Some(fd_page(0)));
    cprintf!("fsedge: a path without a NUL: %e\n", r);
    let r = fsipc::raw_request(FSREQ_SYNC, None, None);
    cprintf!("fsedge: a request without a page: %e\n", r);
    let r = fsipc::raw_request(42, page, None);
    cprintf!("fsedge: request type 42: %e\n", r);
}

fn largest(buf: &[u8]) {
    let id = must(
        "create /edge-max",
        open_at(b"/edge-max", O_RDWR | O_CREAT, fd_page(0)),
    );
    let r = fsipc::set_size(id, MAXFILESIZE as u32 + 1);
    cprintf!("fsedge: set_size past the largest file: %e\n", r);
    fsipc::set_offset(fd_page(0), MAXFILESIZE as i32);
    let r = fsipc::write(id, &buf[..1]);
    cprintf!("fsedge: write at the largest size: %e\n", r);
    fsipc::set_offset(fd_page(0), MAXFILESIZE as i32 - 10);
    let r = fsipc::write(id, &buf[..100]);
    cprintf!("fsedge: write across the largest size: %d bytes\n", r);
    fsipc::set_offset(fd_page(0), -1);
    let r = fsipc::write(id, &buf[..1]);
    cprintf!("fsedge: write at offset -1: %e\n", r);
    must("truncate /edge-max", fsipc::set_size(id, 0));
    close(fd_page(0));
    must("remove /edge-max", fsipc::remove(b"/edge-max"));
}

fn stale_and_foreign() {
    let old = must("open /motd", open_at(b"/motd", O_RDONLY, fd_page(0)));
    close(fd_page(0));
    let new = must("reopen /motd", open_at(b"/motd", O_RDONLY, fd_page(1)));
    let r = fsipc::flush(old);
    cprintf!(
        "fsedge: stale fileid (new one %s): %e\n",
        if new != old { "differs" } else { "SAME" },
        r
    );
    match fork() {
        Ok(0) => {
            let ok = fsipc::stat(new).is_ok();
            cprintf!(
                "fsedge: child with the inherited fd: %s\n",
                if ok { "stat ok" } else { "REFUSED" }
            );
            close(fd_page(1));
            let r = fsipc::stat(new).err().unwrap_or(0);
            cprintf!("fsedge: child after closing the fd, same fileid: %e\n", r);
            exit();
        }
        Ok(child) => {
            while envs(envx(child)).env_id == child && envs(envx(child)).env_status != ENV_FREE {
                sys_yield();
            }
        }
        Err(e) => panic!("fork: %e", e),
    }
    let ok = fsipc::stat(new).is_ok();
    cprintf!(
        "fsedge: parent still holds it: %s\n",
        if ok { "stat ok" } else { "REFUSED" }
    );
    close(fd_page(1));
    let r = fsipc::open(b"/", O_RDWR, fd_page(0));
    cprintf!("fsedge: open the root for writing: %e\n", r);
}

fn too_many_open() {
    let mut n = 0;
    let r = loop {
        let r = fsipc::open(b"/motd", O_RDONLY, MANY_FDS + n * PGSIZE);
        if r < 0 || n > MAXOPEN as u32 {
            break r;
        }
        n += 1;
    };
    cprintf!("fsedge: %d files open, one more: %e\n", n, r);
    for i in 0..n {
        close(MANY_FDS + i * PGSIZE);
    }
    let r = fsipc::open(b"/motd", O_RDONLY, fd_page(0));
    cprintf!("fsedge: closed them all, open again: %d\n", r);
    close(fd_page(0));
}

fn full_disk(buf: &[u8]) {
    let mut name = *b"/edge-fill-0\0";
    let mut files = 0;
    let mut total = 0u32;
    let err = 'fill: loop {
        name[11] = b'0' + files as u8;
        let id = must(
            "create a fill file",
            open_at(&name, O_RDWR | O_CREAT, fd_page(0)),
        );
        files += 1;
        // Fill this file up to the largest size, then the next one.
        while (fsipc::fd_at(fd_page(0)).fd_offset as usize) < MAXFILESIZE {
            let w = fsipc::write(id, buf);
            if w < 0 {
                break 'fill w;
            }
            total += w as u32;
        }
        close(fd_page(0));
    };
    close(fd_page(0));
    cprintf!(
        "fsedge: disk full after %d KB in %d files: %e\n",
        total / 1024,
        files,
        err
    );
    for f in 0..files {
        name[11] = b'0' + f as u8;
        must("remove a fill file", fsipc::remove(&name));
    }
    let id = must(
        "create after removing",
        open_at(b"/edge-after", O_RDWR | O_CREAT, fd_page(0)),
    );
    let w = fsipc::write(id, buf);
    cprintf!("fsedge: removed them, a write fits again: %d bytes\n", w);
    close(fd_page(0));
    must("remove /edge-after", fsipc::remove(b"/edge-after"));
    must("sync", fsipc::sync());
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the only reference to BUF ever made.
    let buf = unsafe { &*BUF.0.get() };
    missing();
    largest(buf);
    stale_and_foreign();
    too_many_open();
    full_disk(buf);
    cprintf!("fsedge: done\n");
}

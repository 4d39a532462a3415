//! benchfs: writing and reading a 1 MB file through the file server, in
//! guest instructions per KB (under `make bench`'s `-icount`). The write is
//! timed up to the sync, so it includes writing the blocks to the disk; the
//! blocks stay cached, so the read measures the server and the IPC path,
//! not the disk.
#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use inc::fd::fd_page;
use inc::fs::{BLKSIZE, O_CREAT, O_RDWR, O_TRUNC, WRITE_BUF_SIZE};
use jos::x86::rdtsc;
use jos::{cprintf, fsipc, panic};

const BYTES: usize = 1 << 20;

struct Buf(UnsafeCell<[u8; BLKSIZE]>);
// SAFETY: one env, one thread; umain takes the one reference.
unsafe impl Sync for Buf {}
static BUF: Buf = Buf(UnsafeCell::new([0x42; BLKSIZE]));

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the only reference to BUF ever made.
    let b = unsafe { &mut *BUF.0.get() };
    let fd = fd_page(0);
    if fsipc::open(b"/benchfs", O_RDWR | O_CREAT | O_TRUNC, fd) < 0 {
        panic!("open /benchfs");
    }
    let id = fsipc::fd_at(fd).fd_file_id;
    let start = rdtsc();
    let mut done = 0;
    while done < BYTES {
        let n = WRITE_BUF_SIZE.min(BYTES - done);
        let w = fsipc::write(id, &b[..n]);
        if w != n as i32 {
            panic!("write: %e", w);
        }
        done += n;
    }
    if fsipc::sync() < 0 {
        panic!("sync");
    }
    let write = rdtsc() - start;
    fsipc::set_offset(fd, 0);
    let start = rdtsc();
    done = 0;
    while done < BYTES {
        let r = fsipc::read(id, &mut b[..]);
        if r <= 0 {
            panic!("read: %e", r);
        }
        done += r as usize;
    }
    let read = rdtsc() - start;
    let kb = (BYTES / 1024) as u64;
    cprintf!("BENCH fs_write_1mb_per_kb %llu insns\n", write / kb);
    cprintf!("BENCH fs_read_1mb_per_kb %llu insns\n", read / kb);
    fsipc::set_size(id, 0);
    fsipc::remove(b"/benchfs");
    fsipc::sync();
}

//! fsbig: writes 32 MB across FILES files through the file server, syncs,
//! and reads it all back, checking every byte and each file's checksum.
//!
//! Graded with QEMU `-m 16`: the data is twice the memory, so the server's
//! block cache must evict blocks (clean ones, or dirty ones after writing
//! them back) for this to work at all.
#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use inc::fd::fd_page;
use inc::fs::{BLKSIZE, O_CREAT, O_RDWR, O_TRUNC, WRITE_BUF_SIZE};
use jos::{cprintf, fsipc, panic};

const FILES: u32 = 8;
/// 4 MB per file: under MAXFILESIZE (4,235,264 bytes).
const FILE_BYTES: u32 = 4 << 20;

/// A page-sized buffer in .bss (the stack is one page).
struct Buf(UnsafeCell<[u8; BLKSIZE]>);
// SAFETY: one env, one thread; umain makes the one reference.
unsafe impl Sync for Buf {}
static BUF: Buf = Buf(UnsafeCell::new([0; BLKSIZE]));

/// The byte at `pos` of file `f`: a hash, so a block misplaced by even one
/// position reads back wrong.
fn byte_at(f: u32, pos: u32) -> u8 {
    let mut x = pos.wrapping_mul(0x9E37_79B1) ^ f.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 15;
    x = x.wrapping_mul(0x2C1B_3C6D);
    (x ^ (x >> 13)) as u8
}

/// FNV-1a, over a file's bytes in order.
fn fnv(mut h: u32, data: &[u8]) -> u32 {
    for &b in data {
        h = (h ^ b as u32).wrapping_mul(16_777_619);
    }
    h
}
const FNV_START: u32 = 2_166_136_261;

fn name(f: u32) -> [u8; 8] {
    let mut n = *b"/big0\0\0\0";
    n[4] = b'0' + f as u8;
    n
}

fn write_file(f: u32, b: &mut [u8; BLKSIZE]) -> u32 {
    let fd = fd_page(0);
    let r = fsipc::open(&name(f), O_RDWR | O_CREAT | O_TRUNC, fd);
    if r < 0 {
        panic!("open file %d: %e", f, r);
    }
    let id = fsipc::fd_at(fd).fd_file_id;
    let mut pos = 0;
    let mut sum = FNV_START;
    while pos < FILE_BYTES {
        let n = (WRITE_BUF_SIZE as u32).min(FILE_BYTES - pos);
        for i in 0..n {
            b[i as usize] = byte_at(f, pos + i);
        }
        let w = fsipc::write(id, &b[..n as usize]);
        if w != n as i32 {
            panic!("write to file %d at %d: %e", f, pos, w);
        }
        sum = fnv(sum, &b[..n as usize]);
        pos += n;
    }
    sum
}

fn read_file(f: u32, b: &mut [u8; BLKSIZE]) -> u32 {
    let fd = fd_page(0);
    let r = fsipc::open(&name(f), O_RDWR, fd);
    if r < 0 {
        panic!("reopen file %d: %e", f, r);
    }
    let id = fsipc::fd_at(fd).fd_file_id;
    match fsipc::stat(id) {
        Ok(st) if st.ret_size as u32 == FILE_BYTES => {}
        Ok(st) => panic!("file %d has size %d", f, st.ret_size),
        Err(e) => panic!("stat file %d: %e", f, e),
    }
    let mut pos = 0;
    let mut sum = FNV_START;
    loop {
        let got = fsipc::read(id, &mut b[..]);
        if got < 0 {
            panic!("read file %d at %d: %e", f, pos, got);
        }
        if got == 0 {
            break;
        }
        for i in 0..got as u32 {
            if b[i as usize] != byte_at(f, pos + i) {
                panic!("file %d: byte %d is wrong", f, pos + i);
            }
        }
        sum = fnv(sum, &b[..got as usize]);
        pos += got as u32;
    }
    if pos != FILE_BYTES {
        panic!("file %d: read %d bytes", f, pos);
    }
    sum
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the only reference to BUF ever made.
    let b = unsafe { &mut *BUF.0.get() };
    let mut sums = [0u32; FILES as usize];
    for f in 0..FILES {
        sums[f as usize] = write_file(f, b);
    }
    let r = fsipc::sync();
    if r < 0 {
        panic!("sync: %e", r);
    }
    cprintf!(
        "fsbig: wrote %d MB in %d files\n",
        (FILES * FILE_BYTES) >> 20,
        FILES
    );
    for f in 0..FILES {
        let sum = read_file(f, b);
        if sum != sums[f as usize] {
            panic!(
                "file %d: checksum %08x, wrote %08x",
                f, sum, sums[f as usize]
            );
        }
        cprintf!("fsbig: file %d checksum %08x ok\n", f, sum);
    }
    cprintf!(
        "fsbig: read back %d MB, every byte and checksum right\n",
        (FILES * FILE_BYTES) >> 20
    );
}

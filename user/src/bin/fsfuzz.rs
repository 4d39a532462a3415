//! fsfuzz: hostile clients against the file server, while an honest one
//! keeps real files and checks them.
//!
//! The parent (the keeper) creates KEPT files and keeps them open, then
//! forks CLIENTS fuzzing children. Each child first drops the keeper's fds
//! it inherited, so the keeper's fileids are not its to use, then sends
//! REQUESTS random requests: random types (known and unknown), fileids
//! (its own, stale generations, small numbers that may be the keeper's,
//! anything), counts, offsets written into its Fd pages, paths (good, without
//! a NUL, with over-long names, to missing directories), open modes, no
//! request page or a read-only one. Meanwhile the keeper rewrites its files
//! in place and reads them back. The server must answer every request (a
//! dead server hangs the run), the keeper's files must stay intact, and the
//! grader runs fsck on the disk afterwards.
#![no_std]
#![no_main]

#[path = "../fuzz.rs"]
mod fuzz;

use core::cell::UnsafeCell;
use fuzz::Rng;
use inc::env::{envx, EnvId, ENV_FREE};
use inc::fd::fd_page;
use inc::fs::*;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::fork::uvpt;
use jos::{cprintf, envs, exit, fork, fsipc, panic, sys_page_unmap, sys_yield};

const SEED: u32 = 0x0F5F_0222;
const CLIENTS: u32 = 3;
const REQUESTS: u32 = 1500;
const KEPT: usize = 3;
const KEPT_BYTES: usize = 3 * BLKSIZE + 100;

/// A page-sized buffer in .bss (the stack is one page).
struct Buf(UnsafeCell<[u8; BLKSIZE]>);
// SAFETY: each env has its own copy (fork); umain takes the one reference.
unsafe impl Sync for Buf {}
static BUF: Buf = Buf(UnsafeCell::new([0; BLKSIZE]));

fn kept_name(i: usize) -> [u8; 16] {
    let mut n = *b"/keeper-file-0\0\0";
    n[13] = b'0' + i as u8;
    n
}

fn kept_byte(round: u32, file: usize, pos: usize) -> u8 {
    (round as usize * 13 + file * 101 + pos * 7 + pos / 4096) as u8
}

/// Rewrites kept file `i` for `round` and reads it back.
fn keep_round(round: u32, i: usize, b: &mut [u8; BLKSIZE]) {
    let (fd, id) = (fd_page(i), fsipc::fd_at(fd_page(i)).fd_file_id);
    fsipc::set_offset(fd, 0);
    let mut pos = 0;
    while pos < KEPT_BYTES {
        let n = WRITE_BUF_SIZE.min(KEPT_BYTES - pos);
        for (k, byte) in b[..n].iter_mut().enumerate() {
            *byte = kept_byte(round, i, pos + k);
        }
        let w = fsipc::write(id, &b[..n]);
        if w != n as i32 {
            panic!("keeper: write to kept file %d: %e", i, w);
        }
        pos += n;
    }
    fsipc::set_offset(fd, 0);
    pos = 0;
    loop {
        let got = fsipc::read(id, &mut b[..]);
        if got < 0 {
            panic!("keeper: read kept file %d: %e", i, got);
        }
        if got == 0 {
            break;
        }
        for (k, &byte) in b[..got as usize].iter().enumerate() {
            if byte != kept_byte(round, i, pos + k) {
                panic!(
                    "keeper: kept file %d byte %d changed behind its back",
                    i,
                    pos + k
                );
            }
        }
        pos += got as usize;
    }
    if pos != KEPT_BYTES {
        panic!("keeper: kept file %d is %d bytes", i, pos);
    }
}

fn alive(child: EnvId) -> bool {
    let e = envs(envx(child));
    e.env_id == child && e.env_status != ENV_FREE
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the only reference to this env's BUF.
    let b = unsafe { &mut *BUF.0.get() };
    for i in 0..KEPT {
        let r = fsipc::open(&kept_name(i), O_RDWR | O_CREAT | O_TRUNC, fd_page(i));
        if r < 0 {
            panic!("keeper: create kept file %d: %e", i, r);
        }
        keep_round(0, i, b);
    }
    let mut kids = [0; CLIENTS as usize];
    for (c, kid) in kids.iter_mut().enumerate() {
        match fork() {
            Ok(0) => fuzz_client(c as u32),
            Ok(id) => *kid = id,
            Err(e) => panic!("fork: %e", e),
        }
    }
    let mut round = 0;
    while kids.iter().any(|&k| alive(k)) {
        round += 1;
        for i in 0..KEPT {
            keep_round(round, i, b);
        }
        sys_yield();
    }
    round += 1;
    for i in 0..KEPT {
        keep_round(round, i, b);
    }
    cprintf!(
        "fsfuzz: keeper checked its files in %d rounds: intact\n",
        round
    );
    // The server still answers a plain request.
    let st = fsipc::stat(fsipc::fd_at(fd_page(0)).fd_file_id);
    match st {
        Ok(st) if st.ret_size as usize == KEPT_BYTES => {
            cprintf!("fsfuzz: server alive\n");
        }
        Ok(st) => panic!("kept file 0 has size %d", st.ret_size),
        Err(e) => panic!("stat after fuzzing: %e", e),
    }
    if fsipc::sync() < 0 {
        panic!("sync after fuzzing failed");
    }
}

/// Paths a fuzzing client tries (never the keeper's names).
const PATHS: [&[u8]; 10] = [
    b"/fz-a\0",
    b"/fz-b\0",
    b"/fz-dir\0",
    b"/fz-dir/in\0",
    b"/fz-dir/in/deeper\0",
    b"/nodir/fz\0",
    b"/\0",
    b"//fz-a//\0",
    b"/motd\0",
    b"/fz-a/not-a-dir\0",
];

const OMODES: [i32; 10] = [
    O_RDONLY,
    O_WRONLY,
    O_RDWR,
    O_RDWR | O_CREAT,
    O_WRONLY | O_CREAT | O_TRUNC,
    O_CREAT | O_EXCL | O_RDWR,
    O_CREAT | O_MKDIR,
    O_ACCMODE,
    0x1000,
    -1,
];

struct Client {
    rng: Rng,
    /// Fileids this client got from OPEN (it may have lost some since).
    mine: [i32; 8],
    refused: u32,
}

impl Client {
    fn fileid(&mut self) -> i32 {
        let own = self.mine[self.rng.below(8) as usize];
        match self.rng.below(8) {
            0..=2 => own,
            3 => own + MAXOPEN as i32,
            4 => own - MAXOPEN as i32,
            5 => self.rng.below(4 * MAXOPEN as u32) as i32,
            6 => -(self.rng.below(5) as i32),
            _ => self.rng.next() as i32,
        }
    }

    fn count(&mut self) -> u32 {
        let set = [0, 1, 100, 4088, 4089, 4096, 4097, 0x7FFF_FFFF, 0xFFFF_FFFF];
        if self.rng.one_in(4) {
            self.rng.next()
        } else {
            self.rng.pick(&set)
        }
    }

    fn offset(&mut self) -> i32 {
        let max = MAXFILESIZE as u32;
        let set = [0, 1, 4095, 4096, 40960, max - 1, max, max + 1];
        match self.rng.below(4) {
            0 => self.rng.next() as i32,
            1 => -(self.rng.below(9000) as i32),
            _ => self.rng.pick(&set) as i32,
        }
    }

    /// Fills the request page for `req` with random, sometimes malformed,
    /// contents.
    fn fill(&mut self, req: u32) {
        let page = fsipc::request_page() as *mut u8;
        let put = |off: usize, v: u32| {
            // SAFETY: off + 4 <= PGSIZE in our own request page.
            unsafe { core::ptr::write_volatile(page.add(off) as *mut u32, v) }
        };
        match req {
            FSREQ_OPEN | FSREQ_REMOVE => {
                match self.rng.below(6) {
                    0 => {
                        // No NUL anywhere in the path.
                        // SAFETY: our own request page.
                        unsafe { core::ptr::write_bytes(page, b'x', MAXPATHLEN) };
                    }
                    1 => {
                        // A name of MAXNAMELEN bytes or more.
                        // SAFETY: as above; 1 + 200 + 1 < MAXPATHLEN.
                        unsafe {
                            core::ptr::write_bytes(page, b'n', 201);
                            core::ptr::write_volatile(page, b'/');
                            core::ptr::write_volatile(page.add(201), 0);
                        }
                    }
                    _ => {
                        let p = PATHS[self.rng.below(PATHS.len() as u32) as usize];
                        // SAFETY: p.len() < MAXPATHLEN bytes of our page.
                        unsafe { core::ptr::copy_nonoverlapping(p.as_ptr(), page, p.len()) };
                    }
                }
                let omode = OMODES[self.rng.below(OMODES.len() as u32) as usize];
                put(MAXPATHLEN, omode as u32);
            }
            _ => {
                let id = self.fileid();
                put(0, id as u32);
                put(4, self.count());
                // A random byte to write.
                put(8, self.rng.next());
            }
        }
    }

    /// Sets a random offset in one of our Fd pages, if mapped.
    fn move_offset(&mut self) {
        let fd = fd_page(KEPT + self.rng.below(8) as usize);
        if uvpt(fd).is_some() {
            let off = self.offset();
            fsipc::set_offset(fd, off);
        }
    }

    fn one_request(&mut self) {
        let req = match self.rng.below(12) {
            0 => self.rng.next(),
            9 => 0,
            10 => 9,
            n => n,
        };
        self.fill(req);
        if self.rng.one_in(3) {
            self.move_offset();
        }
        let slot = KEPT + self.rng.below(8) as usize;
        let page = match self.rng.below(20) {
            0 => None,
            1 => Some((fsipc::request_page(), PTE_P | PTE_U)),
            _ => Some((fsipc::request_page(), PTE_P | PTE_U | PTE_W)),
        };
        let r = fsipc::raw_request(req, page, Some(fd_page(slot)));
        if r < 0 {
            self.refused += 1;
        } else if req == FSREQ_OPEN && uvpt(fd_page(slot)).is_some() {
            self.mine[slot - KEPT] = fsipc::fd_at(fd_page(slot)).fd_file_id;
        }
    }
}

fn fuzz_client(c: u32) -> ! {
    // Give back the keeper's fds: their fileids are not ours to use.
    for i in 0..KEPT {
        // SAFETY: nothing refers into the Fd pages.
        let _ = unsafe { sys_page_unmap(0, fd_page(i)) };
    }
    let mut client = Client {
        rng: Rng(SEED ^ (c + 1).wrapping_mul(0x9E37_79B9)),
        mine: [0; 8],
        refused: 0,
    };
    for _ in 0..REQUESTS {
        client.one_request();
    }
    cprintf!(
        "fsfuzz: client %d done, %d requests, %d refused\n",
        c,
        REQUESTS,
        client.refused
    );
    exit()
}

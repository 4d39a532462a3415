//! demandtext: demand-paged, shared program text (issue 9 item 5).
//!
//! First `/bigtext alone`: 2 MB of lazy text of which it runs 3 pages, and
//! it reports how few pages it has. Then ten copies of `/bigtext wait`
//! run at once: each sends us the frame of its first text page and of
//! lazy page 300, which must be the same frame in all ten (the file
//! server's cache page, lent read-only), and the frames the ten take, read
//! from the PageInfo array at UPAGES, must stay under what one copy's text
//! would take copied privately.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::env::EnvId;
use inc::memlayout::PGSIZE;
use jos::elf::{parse_header, parse_prog_header, EHDR_SIZE, PF_W, PHDR_SIZE, PT_LOAD};
use jos::ipc::{ipc_recv, ipc_send};
use jos::vmmap::{frame_refs, unreferenced_frames};
use jos::{cprintf, open, panic, readn, seek, spawnl};
use vmtest::wait;

const COPIES: usize = 10;

/// Pages of read-only segments in /bigtext: what each copy would take if
/// spawn copied its text.
fn text_pages() -> u32 {
    let fd = open(b"/bigtext", inc::fs::O_RDONLY).unwrap_or_else(|e| panic!("open: %e", e));
    let mut hdr = [0u8; EHDR_SIZE];
    let _ = readn(fd, &mut hdr);
    let elf = parse_header(&hdr).unwrap_or_else(|e| panic!("/bigtext: %e", e));
    let mut pages = 0;
    for i in 0..u32::from(elf.phnum) {
        let mut raw = [0u8; PHDR_SIZE];
        let _ = seek(fd, (elf.phoff + i * PHDR_SIZE as u32) as i32);
        let _ = readn(fd, &mut raw);
        let ph = parse_prog_header(&raw).unwrap_or_else(|e| panic!("/bigtext: %e", e));
        if ph.p_type == PT_LOAD && ph.flags & PF_W == 0 {
            let first = ph.va / PGSIZE;
            pages += (ph.va + ph.memsz).div_ceil(PGSIZE) - first;
        }
    }
    let _ = jos::close(fd);
    pages
}

fn spawn_bigtext(mode: &[u8]) -> EnvId {
    spawnl!(b"/bigtext", b"bigtext", mode).unwrap_or_else(|e| panic!("spawn /bigtext: %e", e))
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    wait(spawn_bigtext(b"alone"));
    wait(spawn_bigtext(b"write"));

    let text = text_pages();
    let free0 = unreferenced_frames();
    let mut kids = [0; COPIES];
    for k in kids.iter_mut() {
        *k = spawn_bigtext(b"wait");
    }
    // One at a time, so that no copy's message is taken for the file
    // server's reply to one of our requests, nor ours for the reply to one
    // of its page-ins (it waits for the go before it touches a lazy page):
    // go, then its two frames.
    let mut frames = [[0u32; 2]; COPIES];
    for (k, f) in kids.iter().zip(frames.iter_mut()) {
        ipc_send(*k, 0, None, 0);
        for slot in f.iter_mut() {
            let mut from = 0;
            *slot = ipc_recv(Some(&mut from), None, None).unwrap_or_else(|e| panic!("recv: %e", e));
            if from != *k {
                panic!("a message from %08x, not %08x", from, *k);
            }
        }
    }
    let used = free0 - unreferenced_frames();
    let same = |j: usize| frames.iter().all(|f| f[j] == frames[0][j] && f[j] != 0);
    cprintf!(
        "demandtext: %u copies share the frame of their first text page: %s, of lazy page 300: %s\n",
        COPIES,
        if same(0) { "yes" } else { "no" },
        if same(1) { "yes" } else { "no" }
    );
    cprintf!(
        "demandtext: lazy page 300's frame has %u references (the copies and the file server)\n",
        frame_refs(frames[0][1])
    );
    cprintf!(
        "demandtext: %u copies took %u frames; one copy's text is %u pages: %s\n",
        COPIES,
        used,
        text,
        if used < text { "less" } else { "MORE" }
    );
    for k in kids {
        ipc_send(k, 0, None, 0);
    }
    for k in kids {
        wait(k);
    }
}

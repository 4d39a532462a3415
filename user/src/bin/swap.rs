//! swap: paging to disk under a quota (issue 10; docs/swap.md), after
//! KAIST Pintos's swap and page tests. Each case runs in a child whose
//! quota leaves it ROOM pages beyond what it has when it starts, and
//! touches several times that much heap: the library pages out to the FS
//! env's swap store on -E_NO_MEM and back in on the next touch. Every case
//! checks every word it wrote; at the end every slot of the store and
//! every frame has come back.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::env::{envx, EnvId};
use inc::error::error_string;
use inc::fs::*;
use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::fsipc::{raw_request, request_page, swap_request};
use jos::{cprintf, env_mem, envs, exit, fork, ipc_recv, ipc_send, panic, sys_env_set_quota};
use jos::{swap, sys_env_destroy, sys_getenvid, sys_yield};
use vmtest::{heap_pages, peek, poke, wait};

/// Pages each child may map beyond its own when it starts.
const ROOM: u32 = 16;
const WORDS: u32 = PGSIZE / 4;

/// What page `page`'s word `w` holds after pass `pass`.
fn pattern(pass: u32, page: u32, w: u32) -> u32 {
    (page * WORDS + w).wrapping_mul(2_654_435_761) ^ pass.wrapping_mul(0x9E37_79B9)
}

fn fill(base: u32, pages: u32, pass: u32) {
    for p in 0..pages {
        for w in 0..WORDS {
            poke(base + p * PGSIZE + w * 4, pattern(pass, p, w));
        }
    }
}

/// The first page whose words are not what pass `pass` wrote.
fn first_bad(base: u32, pages: u32, pass: u32) -> Option<u32> {
    (0..pages).find(|&p| (0..WORDS).any(|w| peek(base + p * PGSIZE + w * 4) != pattern(pass, p, w)))
}

/// Ok, or the page that came back wrong.
type Verdict = Result<(), u32>;
/// A case: its name, what each child runs, how many children at once.
type Case = (&'static str, fn() -> Verdict, usize);

fn anon() -> Verdict {
    let pages = 3 * ROOM;
    let base = heap_pages(pages);
    fill(base, pages, 0);
    first_bad(base, pages, 0).map_or(Ok(()), Err)
}

fn iter() -> Verdict {
    let pages = 3 * ROOM;
    let base = heap_pages(pages);
    fill(base, pages, 0);
    for pass in 1..3 {
        // Check what the previous sweep left, then overwrite it.
        if let Some(p) = first_bad(base, pages, pass - 1) {
            return Err(p);
        }
        fill(base, pages, pass);
    }
    first_bad(base, pages, 2).map_or(Ok(()), Err)
}

/// Pintos's page-linear: a buffer four times the room, "encrypted" and
/// "decrypted" in two linear passes, must come back as it was.
fn linear() -> Verdict {
    let pages = 4 * ROOM;
    let base = heap_pages(pages);
    fill(base, pages, 7);
    for _ in 0..2 {
        for i in 0..pages * WORDS {
            let va = base + i * 4;
            poke(va, peek(va) ^ i.wrapping_mul(0x0101_0101) ^ 0xA5A5_5A5A);
        }
    }
    first_bad(base, pages, 7).map_or(Ok(()), Err)
}

/// Pintos's page-shuffle: random swaps of words across a buffer three
/// times the room; the multiset of words (two sums) must be unchanged.
fn shuffle() -> Verdict {
    let pages = 3 * ROOM;
    let base = heap_pages(pages);
    let n = pages * WORDS;
    for i in 0..n {
        poke(base + i * 4, i);
    }
    let mut seed = 12345u32;
    for _ in 0..1_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let a = base + (seed >> 8) % n * 4;
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let b = base + (seed >> 8) % n * 4;
        let (x, y) = (peek(a), peek(b));
        poke(a, y);
        poke(b, x);
    }
    let (mut sum, mut squares) = (0u64, 0u64);
    for i in 0..n {
        let v = peek(base + i * 4) as u64;
        sum += v;
        squares += v * v;
    }
    let n = n as u64;
    let want = (n * (n - 1) / 2, (n - 1) * n * (2 * n - 1) / 6);
    if (sum, squares) == want {
        Ok(())
    } else {
        Err(0)
    }
}

/// Pages of the merge cases' buffer, and its chunks (one child each).
const MERGE_PAGES: u32 = 64;
const CHUNKS: u32 = 8;
const CHUNK_BYTES: u32 = MERGE_PAGES * PGSIZE / CHUNKS;

fn byte_at(va: u32) -> u8 {
    // SAFETY: a heap byte of ours; reading may page it in.
    unsafe { core::ptr::read_volatile(va as *const u8) }
}

fn set_byte(va: u32, b: u8) {
    // SAFETY: as for byte_at; no Rust object lives in these heap pages.
    unsafe { core::ptr::write_volatile(va as *mut u8, b) }
}

/// Heapsort of the `n` bytes at `base`, in place.
fn sort_bytes(base: u32, n: u32) {
    let sift = |mut root: u32, end: u32| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && byte_at(base + child) < byte_at(base + child + 1) {
            child += 1;
        }
        let (r, c) = (byte_at(base + root), byte_at(base + child));
        if r >= c {
            return;
        }
        set_byte(base + root, c);
        set_byte(base + child, r);
        root = child;
    };
    for start in (0..n / 2).rev() {
        sift(start, n);
    }
    for end in (1..n).rev() {
        let (first, last) = (byte_at(base), byte_at(base + end));
        set_byte(base, last);
        set_byte(base + end, first);
        sift(0, end);
    }
}

/// The bytes at `va` as a slice, for the fd calls (which may page them in).
fn heap_bytes(va: u32, n: u32) -> &'static mut [u8] {
    // SAFETY: [va, va + n) is heap this case alone uses, and the library
    // faults its pages in on access.
    unsafe { core::slice::from_raw_parts_mut(va as *mut u8, n as usize) }
}

/// A grandchild of the merge cases: sorts chunk `k` of `buf` (its own
/// copy-on-write copy, under the inherited quota) and writes it to a file.
fn sort_chunk(buf: u32, k: u32) -> ! {
    let chunk = buf + k * CHUNK_BYTES;
    sort_bytes(chunk, CHUNK_BYTES);
    let mut path = *b"/merge.0";
    path[7] += k as u8;
    let fd = jos::file::open(&path, O_WRONLY | O_CREAT | O_TRUNC)
        .unwrap_or_else(|e| panic!("open %s: %e", &path[..], e));
    let n = jos::fd::write(fd, heap_bytes(chunk, CHUNK_BYTES))
        .unwrap_or_else(|e| panic!("write: %e", e));
    if n != CHUNK_BYTES as usize {
        panic!("wrote %u of %u bytes", n, CHUNK_BYTES);
    }
    let _ = jos::fd::close(fd);
    exit()
}

/// Pintos's page-merge-seq and -par: random bytes, sorted chunk by chunk
/// in children (one after the other, or all at once) that write their
/// chunk to a file, then merged here: the result must be sorted and hold
/// the same bytes. Everything pages: this env, and its children under the
/// same quota, hold far more than their room.
fn merge(parallel: bool) -> Verdict {
    let buf = heap_pages(2 * MERGE_PAGES);
    let out = buf + MERGE_PAGES * PGSIZE;
    let total = MERGE_PAGES * PGSIZE;
    let mut histogram = [0u32; 256];
    let mut seed = 7u32;
    for i in 0..total {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let b = (seed >> 16) as u8;
        set_byte(buf + i, b);
        histogram[b as usize] += 1;
    }
    let mut kids = [0; CHUNKS as usize];
    for k in 0..CHUNKS {
        let kid = fork().unwrap_or_else(|e| panic!("fork: %e", e));
        if kid == 0 {
            sort_chunk(buf, k);
        }
        kids[k as usize] = kid;
        if !parallel {
            wait(kid);
        }
    }
    kids.iter().for_each(|&kid| wait(kid));
    // Read the sorted chunks back over the unsorted ones.
    for k in 0..CHUNKS {
        let mut path = *b"/merge.0";
        path[7] += k as u8;
        let fd = jos::file::open(&path, O_RDONLY).unwrap_or_else(|e| panic!("open: %e", e));
        let got = jos::fd::readn(fd, heap_bytes(buf + k * CHUNK_BYTES, CHUNK_BYTES))
            .unwrap_or_else(|e| panic!("read: %e", e));
        let _ = jos::fd::close(fd);
        let _ = jos::file::remove(&path);
        if got != CHUNK_BYTES as usize {
            return Err(k);
        }
    }
    // Merge: take the smallest head of the chunks, CHUNKS cursors.
    let mut next = [0u32; CHUNKS as usize];
    for i in 0..total {
        let k = (0..CHUNKS as usize)
            .filter(|&k| next[k] < CHUNK_BYTES)
            .min_by_key(|&k| byte_at(buf + k as u32 * CHUNK_BYTES + next[k]))
            .expect("bytes left");
        set_byte(out + i, byte_at(buf + k as u32 * CHUNK_BYTES + next[k]));
        next[k] += 1;
    }
    for i in 0..total {
        let b = byte_at(out + i);
        histogram[b as usize] = histogram[b as usize].wrapping_sub(1);
        if i > 0 && byte_at(out + i - 1) > b {
            return Err(i / PGSIZE);
        }
    }
    match histogram.iter().all(|&n| n == 0) {
        true => Ok(()),
        false => Err(0),
    }
}

fn merge_seq() -> Verdict {
    merge(false)
}

fn merge_par() -> Verdict {
    merge(true)
}

/// A child that runs `case` under a quota of its pages plus ROOM, once its
/// parent says go, and reports the outcome (0 = ok, else bad page + 1).
fn start_child(case: fn() -> Verdict) -> EnvId {
    let child = fork().unwrap_or_else(|e| panic!("fork: %e", e));
    if child == 0 {
        let _ = ipc_recv(None, None, None);
        let stack_marks = [sys_getenvid() as u32; 256];
        let verdict = case();
        let stack_ok = stack_marks.iter().all(|&m| m == sys_getenvid() as u32);
        let (outs, ins) = swap::counts();
        let code = match (verdict, stack_ok) {
            (Ok(()), true) => 0,
            (Ok(()), false) => u32::MAX,
            (Err(p), _) => p + 1,
        };
        cprintf!(
            "swap: child %08x: %u page outs, %u page ins\n",
            sys_getenvid(),
            outs,
            ins
        );
        ipc_send(envs(envx(sys_getenvid())).env_parent_id, code, None, 0);
        exit();
    }
    // The child's count holds still once it waits for us.
    while !envs(envx(child)).env_ipc_recving {
        sys_yield();
    }
    let quota = env_mem(envx(child)).em_pages + ROOM;
    sys_env_set_quota(child, quota).unwrap_or_else(|e| panic!("set_quota: %e", e));
    child
}

/// Starts `n` children on `case` at once and collects their outcomes:
/// "ok", or what went wrong first.
fn run(case: fn() -> Verdict, n: usize) -> &'static str {
    let mut children = [0; 10];
    for c in children.iter_mut().take(n) {
        *c = start_child(case);
    }
    for &c in children.iter().take(n) {
        ipc_send(c, 0, None, 0);
    }
    let mut verdict = "ok";
    for _ in 0..n {
        let code = ipc_recv(None, None, None).unwrap_or_else(|e| panic!("ipc_recv: %e", e));
        if code == u32::MAX {
            verdict = "a child's stack changed";
        } else if code != 0 {
            verdict = "a page came back wrong";
        }
    }
    children.iter().take(n).for_each(|&c| wait(c));
    verdict
}

fn say(r: i32) -> &'static str {
    match r {
        0.. => "ok",
        e => error_string(e).unwrap_or("unknown error"),
    }
}

/// Requests the library never makes: each gets an error and changes
/// nothing (the store's count of slots stays 0).
fn bad_requests() {
    let rw = Some((request_page(), PTE_P | PTE_U | PTE_W));
    let cases = [
        (
            "page out above UTOP",
            raw_request(UTOP | FSREQ_SWAP_OUT, rw, None),
        ),
        (
            "page out without a page",
            raw_request(0x1000_0000 | FSREQ_SWAP_OUT, None, None),
        ),
        (
            "page in of a page never out",
            raw_request(0x1000_0000 | FSREQ_SWAP_IN, None, None),
        ),
        (
            "page in above UTOP",
            raw_request(UTOP | FSREQ_SWAP_IN, None, None),
        ),
        (
            "fork to an env that is not our child",
            swap_request(FSREQ_SWAP_FORK, [0x1000, 0]),
        ),
        ("fork to envid 0", swap_request(FSREQ_SWAP_FORK, [0, 0])),
        (
            "fork with an address",
            raw_request(0x1000 | FSREQ_SWAP_FORK, rw, None),
        ),
        (
            "discard without a page",
            raw_request(FSREQ_SWAP_DISCARD, None, None),
        ),
    ];
    for (what, r) in cases {
        cprintf!("swap-bad: %s: %s\n", what, say(r));
    }
}

/// A child paging in and out forever, destroyed by us in the middle: its
/// slots must come back and no frame may be lost (the leak check).
fn kill_while_paging() -> &'static str {
    let child = start_child(|| loop {
        let _ = iter();
    });
    ipc_send(child, 0, None, 0);
    // Let it page for a while: until it has pages in the store.
    let mut slots = 0;
    for _ in 0..10_000 {
        sys_yield();
        slots = swap::store_slots_in_use().unwrap_or(0);
        if slots > ROOM {
            break;
        }
    }
    sys_env_destroy(child).unwrap_or_else(|e| panic!("destroy: %e", e));
    wait(child);
    match swap::store_slots_in_use() {
        Ok(0) if slots > 0 => "ok",
        Ok(0) => "the child never paged",
        Ok(_) => "slots left behind",
        Err(_) => "the store did not answer",
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let cases: [Case; 8] = [
        ("swap-anon", anon, 1),
        ("swap-iter", iter, 1),
        ("swap-fork", anon, 10),
        ("page-linear", linear, 1),
        ("page-parallel", linear, 4),
        ("page-shuffle", shuffle, 1),
        ("page-merge-seq", merge_seq, 1),
        ("page-merge-par", merge_par, 1),
    ];
    for (name, case, n) in cases {
        let verdict = run(case, n);
        cprintf!("%s: %s\n", name, verdict);
    }
    bad_requests();
    cprintf!("swap-kill: %s\n", kill_while_paging());
    // The merge cases removed their files: get the bitmap to the disk,
    // which fsck reads after the run.
    jos::file::sync().unwrap_or_else(|e| panic!("sync: %e", e));
    match swap::store_slots_in_use() {
        Ok(n) => cprintf!("swap: slots in use at the end: %u\n", n),
        Err(e) => cprintf!("swap: the store did not answer: %e\n", e),
    };
}

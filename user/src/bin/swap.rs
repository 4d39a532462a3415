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
    let cases: [Case; 6] = [
        ("swap-anon", anon, 1),
        ("swap-iter", iter, 1),
        ("swap-fork", anon, 10),
        ("page-linear", linear, 1),
        ("page-parallel", linear, 4),
        ("page-shuffle", shuffle, 1),
    ];
    for (name, case, n) in cases {
        let verdict = run(case, n);
        cprintf!("%s: %s\n", name, verdict);
    }
    bad_requests();
    cprintf!("swap-kill: %s\n", kill_while_paging());
    match swap::store_slots_in_use() {
        Ok(n) => cprintf!("swap: slots in use at the end: %u\n", n),
        Err(e) => cprintf!("swap: the store did not answer: %e\n", e),
    };
}

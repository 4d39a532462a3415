//! bigtext: a program with 2 MB of text in its demand-paged segment
//! (`.lazytext`, issue 9 item 5), of which it runs 3 pages. Spawned, it
//! starts with none of those pages mapped; each call faults one in as a
//! read-only loan of the file server's cache page. It is not embedded in
//! the kernel (only spawned from the file system): see `demandtext`.
//!
//! `bigtext alone` reports what it mapped; `bigtext wait` (ten copies run
//! by `demandtext`) waits for a message, runs its pages, sends its parent
//! the frames of its first text page and of lazy page 300, then waits for
//! another message before it exits; `bigtext write` writes to its text; `bigtext bench
//! NAME` (run by `benchdemand`) times first calls into lazy pages.
#![no_std]
#![no_main]

use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::pte_addr;
use jos::fork::uvpt;
use jos::ipc::{ipc_recv, ipc_send};
use jos::{cprintf, panic};

/// Pages of lazy text: 2 MB.
const PAGES: usize = 512;
/// The pages the program runs.
const CALLED: [usize; 3] = [0, 300, 511];
/// What page i's function returns: MARK + i.
const MARK: u32 = 0xB16_0000;

/// Where in each page its name is, for a system call to read.
const NAME_AT: usize = 16;
const NAME: &[u8; 20] = b"lazy text page 000\n\0";

/// Page i starts with `mov $MARK+i, %eax; ret`, then at NAME_AT holds
/// "lazy text page i\n"; the rest is zeros.
#[repr(C, align(4096))]
struct LazyText([[u8; PGSIZE as usize]; PAGES]);

const fn lazy_text() -> LazyText {
    let mut pages = [[0u8; PGSIZE as usize]; PAGES];
    let mut i = 0;
    while i < PAGES {
        let mark = (MARK + i as u32).to_le_bytes();
        pages[i][0] = 0xB8; // mov imm32, %eax
        pages[i][1] = mark[0];
        pages[i][2] = mark[1];
        pages[i][3] = mark[2];
        pages[i][4] = mark[3];
        pages[i][5] = 0xC3; // ret
        let mut j = 0;
        while j < NAME.len() {
            pages[i][NAME_AT + j] = NAME[j];
            j += 1;
        }
        let digits = NAME_AT + 15;
        pages[i][digits] = b'0' + (i / 100) as u8;
        pages[i][digits + 1] = b'0' + (i / 10 % 10) as u8;
        pages[i][digits + 2] = b'0' + (i % 10) as u8;
        i += 1;
    }
    LazyText(pages)
}

#[link_section = ".lazytext"]
#[used]
static LAZY_TEXT: LazyText = lazy_text();

fn page_va(i: usize) -> u32 {
    LAZY_TEXT.0[i].as_ptr() as u32
}

/// Runs page i's function.
fn call(i: usize) -> u32 {
    // SAFETY: page i of the lazy text starts with a complete function of
    // the C ABI taking nothing and returning a u32 (`lazy_text`).
    let f: extern "C" fn() -> u32 = unsafe { core::mem::transmute(page_va(i) as usize) };
    f()
}

fn lazy_pages_mapped() -> usize {
    (0..PAGES).filter(|&i| uvpt(page_va(i)).is_some()).count()
}

/// Pages mapped below UTOP, and how many of those frames are ours alone.
fn pages_mapped() -> (u32, u32) {
    let (mut all, mut own) = (0, 0);
    let mut va = 0;
    while va < UTOP {
        if jos::fork::uvpd(va) & inc::mmu::PTE_P == 0 {
            va += inc::memlayout::PTSIZE;
            continue;
        }
        if let Some(pte) = uvpt(va) {
            all += 1;
            own += u32::from(jos::vmmap::frame_refs(pte_addr(pte)) == 1);
        }
        va += PGSIZE;
    }
    (all, own)
}

fn run_pages() {
    for i in CALLED {
        let got = call(i);
        if got != MARK + i as u32 {
            panic!("page %u returned %08x", i, got);
        }
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    if args.get(1) == Some(b"wait") {
        // The go first, before any page-in: a page-in waits for the file
        // server's reply, and would take the parent's message for it.
        let _ = ipc_recv(None, None, None);
    }
    let before = lazy_pages_mapped();
    run_pages();
    match args.get(1) {
        Some(b"wait") => {
            let parent = jos::thisenv().env_parent_id;
            let frame_of = |va: u32| uvpt(va).map_or(0, pte_addr);
            ipc_send(parent, frame_of(umain as *const () as u32), None, 0);
            ipc_send(parent, frame_of(page_va(300)), None, 0);
            let _ = ipc_recv(None, None, None);
        }
        Some(b"bench") => bench(args.get(2).unwrap_or(b"demand_text_fault")),
        Some(b"write") => {
            let va = page_va(5);
            cprintf!("bigtext: writing to lazy text at %08x\n", va);
            // SAFETY: none: the write must fault, and the env end.
            unsafe { core::ptr::write_volatile(va as *mut u8, 0) };
            cprintf!("bigtext: the write to program text went through!\n");
        }
        _ => {
            let (all, own) = pages_mapped();
            cprintf!(
                "bigtext: %u pages of lazy text, %u mapped at start; ran pages 0, 300, 511: %u mapped\n",
                PAGES,
                before,
                lazy_pages_mapped()
            );
            cprintf!(
                "bigtext: %u pages mapped in all, %u of them frames of its own\n",
                all,
                own
            );
            // The kernel checks a system call's buffer without faulting it
            // in: the library pages it in first.
            let name = &LAZY_TEXT.0[400][NAME_AT..NAME_AT + NAME.len() - 1];
            jos::sys_cputs(name.as_ptr(), name.len());
            forked_child_runs(200);
        }
    }
}

/// A forked child finds page `i` unmapped, like us, and pages it in itself.
fn forked_child_runs(i: usize) {
    match jos::fork() {
        Ok(0) => {
            let was = uvpt(page_va(i)).is_some();
            let ok = call(i) == MARK + i as u32;
            cprintf!(
                "bigtext: a forked child ran page %u: %s (mapped before: %s)\n",
                i,
                if ok { "ok" } else { "WRONG" },
                if was { "yes" } else { "no" }
            );
            jos::exit();
        }
        Ok(child) => jos::wait(child),
        Err(e) => panic!("fork: %e", e),
    }
}

/// Pages `bench` calls for the first time (none of the other modes' pages).
const BENCH_PAGES: core::ops::Range<usize> = 100..116;

/// Prints `BENCH name N`: the average guest instructions (under `make
/// bench`'s -icount) of a first call into a lazy page, the page-in
/// included, over BENCH_PAGES.
fn bench(name: &[u8]) {
    let mut total = 0;
    for i in BENCH_PAGES {
        let start = jos::x86::rdtsc();
        let got = call(i);
        total += jos::x86::rdtsc() - start;
        if got != MARK + i as u32 {
            panic!("page %u returned %08x", i, got);
        }
    }
    let n = BENCH_PAGES.len() as u64;
    cprintf!("BENCH %s %llu insns\n", name, total / n);
}

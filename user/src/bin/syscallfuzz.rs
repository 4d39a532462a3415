//! syscallfuzz: random system calls with hostile arguments, to make the
//! kernel panic, hang or leak a page (it must do none of these).
//!
//! The parent forks CHILDREN children one after another. Each makes CALLS
//! random calls: a number in 0..=16, one of RJOS's later calls (17-24:
//! page_shared, page_map_batch, ipc_send_recv, page_map_zero, page_access,
//! env_set_quota, page_copy) or a huge one,
//! arguments drawn from addresses, envids, permissions and statuses that
//! sit on the kernel's boundaries, entered by `int $0x30` or `sysenter`
//! with random flags. Calls that would end the child (a bad pointer,
//! destroying itself, a trap frame or upcall of its own that jumps into
//! the void) are allowed
//! but rare, so a child usually gets through its calls; when the kernel
//! destroys a child, the parent just moves on. A child that blocks (ipc_recv,
//! ipc_send, NOT_RUNNABLE itself) is woken by the parent.
//!
//! A child may own one env of its own at a time (from exofork), and
//! destroys it before any call that might kill or block the child, and
//! every KID_CALLS calls: an orphaned NOT_RUNNABLE env would hold its pages
//! forever and fail the kernel's leak check. The kid never runs code: its
//! trap frames and upcalls point where nothing executable is mapped, and
//! nothing is mapped into it at the child's own text addresses.
//!
//! Blocking calls of the kernel that would wait forever are all woken by the
//! parent; nothing is excluded. The seed is printed first; change SEED to
//! explore other sequences.
#![no_std]
#![no_main]

#[path = "../fuzz.rs"]
mod fuzz;

use fuzz::{exofork_selfdestructing, int30, sysenter, Ending, Nudge, RawCall, Rng, FL_FUZZABLE};
use inc::env::{envx, EnvId, ENV_FREE, ENV_NOT_RUNNABLE, ENV_RUNNABLE, ENV_RUNNING};
use inc::memlayout::*;
use inc::mmu::*;
use inc::syscall::{batch_entry, Syscall, BATCH_SRC_TOO, PAGE_MAP_BATCH_MAX};
use inc::trap::Trapframe;
use jos::{cprintf, fork, panic, sys_env_destroy, sys_env_set_status, sys_getenvid};
use jos::{sys_ipc_try_send, sys_page_alloc, sys_yield};

const SEED: u32 = 0x6828_2018;
const CHILDREN: u32 = 4;
const CALLS: u32 = 3000;
/// A call that may end the child is kept once in this many draws.
const SELF_HARM_ODDS: u32 = 200;
/// The most calls a kid lives through.
const KID_CALLS: u32 = 40;
/// Children stopped while running, in the regression check.
const STOP_ROUNDS: u32 = 8;
/// A child that has run this often without being seen RUNNING from here is
/// sharing this CPU, not running beside it.
const TURNS_BEFORE_GIVING_UP: u32 = 3;

/// A page shared (PTE_SHARE) by the parent and its children: each child's
/// call count, which is also the parent's sign of progress.
const SHARED: u32 = 0x0E00_0000;
/// Pages the fuzzed calls may map and unmap in the child: nothing lives there.
const SCRATCH: u32 = 0x1000_0000;
const SCRATCH_PAGES: u32 = 4;
/// Never mapped by anyone.
const UNMAPPED: u32 = 0x2000_0000;
/// A page of the parent's, sent along to a child waiting in ipc_recv.
const GIFT: u32 = 0x0E00_1000;

extern "C" {
    /// The end of the program's bss, from the linker script.
    static end: u8;
}

/// The one string cputs may print (whole, or nothing): a full line, so the
/// kernel's lines still start lines.
static LINE: &[u8] = b"syscallfuzz: cputs\n";

/// A trap frame (17 words, docs/abi.md) full of garbage for env_set_trapframe,
/// rewritten before each use. Only the child writes it, the kernel reads it.
static mut GARBAGE_TF: [u32; TF_WORDS] = [0; TF_WORDS];
/// A page_map_batch list, refilled at random for each such call.
static mut BATCH: [u32; BATCH_LEN] = [0; BATCH_LEN];
const BATCH_LEN: usize = 8;
/// The calls RJOS added after lab 4's, drawn now and then: page_shared,
/// page_map_batch, ipc_send_recv, env_set_quota, page_copy (page_map_zero
/// and page_access have draws of their own).
const NEWER_CALLS: [u32; 5] = [
    Syscall::PageShared as u32,
    Syscall::PageMapBatch as u32,
    Syscall::IpcSendRecv as u32,
    Syscall::EnvSetQuota as u32,
    Syscall::PageCopy as u32,
];
const TF_WORDS: usize = core::mem::size_of::<Trapframe>() / 4;
/// Word indexes of eip and esp in a Trapframe.
const TF_EIP: usize = 12;
const TF_ESP: usize = 15;

fn counts() -> *mut u32 {
    SHARED as *mut u32
}

fn count(child: u32) -> u32 {
    // SAFETY: SHARED is mapped (parent and children) before any child runs.
    unsafe { core::ptr::read_volatile(counts().add(child as usize)) }
}

fn bump(child: u32) {
    // SAFETY: as for `count`; only child `child` writes its slot.
    unsafe { core::ptr::write_volatile(counts().add(child as usize), count(child) + 1) }
}

/// What one fuzzing child knows about itself.
struct Child {
    rng: Rng,
    index: u32,
    // Envids as the registers carry them.
    me: u32,
    parent: u32,
    /// Ids of earlier children (dead by now), for stale-id calls.
    earlier: [u32; CHILDREN as usize],
    kid: Option<u32>,
    kid_calls: u32,
    /// Our own pages: text and data up to `end`, and the stack page.
    image_end: u32,
    stack_page: u32,
    text_va: u32,
    data_va: u32,
}

impl Child {
    /// Whether `va`'s page holds something the child needs (its program,
    /// stack, exception stack, the shared page, fork's scratch page).
    fn is_own_page(&self, va: u32) -> bool {
        let page = round_down(va, PGSIZE);
        (UTEXT..self.image_end).contains(&page)
            || page == self.stack_page
            || page == UXSTACKTOP - PGSIZE
            || page == SHARED
            || page == PFTEMP
    }

    fn addr(&mut self) -> u32 {
        let r = self.rng.next();
        let set = [
            0,
            1,
            SCRATCH + self.rng.below(SCRATCH_PAGES) * PGSIZE,
            SCRATCH + self.rng.below(SCRATCH_PAGES) * PGSIZE,
            SCRATCH + 0x123,
            UNMAPPED,
            UNMAPPED + 0x777,
            self.text_va,
            round_down(self.text_va, PGSIZE),
            self.data_va,
            round_down(self.data_va, PGSIZE),
            self.stack_page,
            self.stack_page + 0xFF0,
            SHARED,
            UTEMP,
            PFTEMP,
            UXSTACKTOP - PGSIZE,
            USTACKTOP - PGSIZE,
            UTOP - PGSIZE,
            UTOP - 1,
            UTOP,
            UVPT,
            UVPD,
            UPAGES,
            UENVS,
            ULIM,
            KERNBASE,
            0xF010_0000,
            0xFFFF_F000,
            0xFFFF_FFFF,
            r,
            r & !0xFFF,
        ];
        self.rng.pick(&set)
    }

    /// An address for an eip or upcall: never one where the child's code
    /// is or could be mapped, so whatever runs there faults at once (or
    /// executes read-only kernel data shown to users, which faults soon).
    fn eip(&mut self) -> u32 {
        let set = [
            1,
            UNMAPPED + 3,
            UTOP - 1,
            UTOP,
            UVPT,
            UPAGES,
            UENVS,
            KERNBASE,
            0xF010_0020,
            0xFFFF_FFFF,
            0xDEAD_BEEF,
        ];
        self.rng.pick(&set)
    }

    fn envid(&mut self) -> u32 {
        let kid = self.kid.unwrap_or(self.me + 1);
        let earlier = self.earlier[self.rng.below(CHILDREN) as usize];
        let r = self.rng.next();
        let set = [
            0,
            0,
            self.me,
            self.me,
            self.parent,
            kid,
            kid,
            kid,
            earlier,
            self.me + 1,
            self.me ^ 0x1000,
            0x1000,
            r & 0x3FF,
            0x1000 | (r & 0x3FF),
            r,
            u32::MAX,
            0x8000_0000,
        ];
        self.rng.pick(&set)
    }

    fn perm(&mut self) -> u32 {
        let r = self.rng.next();
        let set = [
            PTE_P | PTE_U,
            PTE_P | PTE_U | PTE_W,
            PTE_P | PTE_U | PTE_W,
            PTE_P | PTE_U | PTE_COW,
            PTE_P | PTE_U | PTE_W | PTE_SHARE,
            PTE_SYSCALL,
            PTE_U,
            PTE_P,
            PTE_P | PTE_W,
            0,
            PTE_P | PTE_U | PTE_PS,
            PTE_P | PTE_U | PTE_PWT | PTE_PCD,
            PTE_P | PTE_U | PTE_G,
            PTE_P | PTE_U | PTE_A | PTE_D,
            0xFFF,
            u32::MAX,
            r & 0xFFF,
        ];
        self.rng.pick(&set)
    }

    fn small_or_any(&mut self) -> u32 {
        let r = self.rng.next();
        self.rng
            .pick(&[0, 1, 2, 3, 4, 5, 0xFFFF_FFFF, 0x8000_0000, r])
    }

    /// Whether `envid` names the caller.
    fn is_me(&self, envid: u32) -> bool {
        envid == 0 || envid == self.me
    }

    fn is_kid(&self, envid: u32) -> bool {
        self.kid == Some(envid)
    }

    /// Whether a page call on `envid`'s page `va` would replace or remove
    /// one of the pages the child needs, or put something at one of the
    /// kid's text addresses (where its exofork return site is).
    fn hits_own_page(&self, envid: u32, va: u32) -> bool {
        let valid = va < UTOP && va.is_multiple_of(PGSIZE);
        let kid_text = self.is_kid(envid) && (UTEXT..self.image_end).contains(&va);
        valid && (kid_text || self.is_me(envid) && self.is_own_page(va))
    }

    /// A random call.
    fn draw(&mut self) -> RawCall {
        let mut c = RawCall {
            num: if self.rng.one_in(50) {
                self.rng.next() | 0x10
            } else if self.rng.one_in(16) {
                Syscall::PageMapZero as u32
            } else if self.rng.one_in(20) {
                Syscall::PageAccess as u32
            } else if self.rng.one_in(8) {
                self.rng.pick(&NEWER_CALLS)
            } else {
                self.rng.below(17)
            },
            flags: if self.rng.one_in(4) {
                self.rng.next() & FL_FUZZABLE
            } else {
                0
            },
            ..RawCall::default()
        };
        if c.num == Syscall::CgetcWait as u32 {
            // It would sleep until someone types: fuzz the polling call instead.
            c.num = Syscall::Cgetc as u32;
        }
        let a = &mut c.args;
        match Syscall::from_u32(c.num) {
            Some(Syscall::Cputs) => {
                if self.rng.one_in(8) {
                    (a[0], a[1]) = (self.addr(), self.small_or_any());
                } else {
                    a[0] = LINE.as_ptr() as u32;
                    a[1] = if self.rng.one_in(2) {
                        LINE.len() as u32
                    } else {
                        0
                    };
                }
            }
            Some(Syscall::EnvDestroy) | Some(Syscall::EnvSetPgfaultUpcall) => {
                a[0] = self.envid();
                a[1] = self.eip();
            }
            Some(Syscall::PageAlloc) | Some(Syscall::PageMapZero) => {
                (a[0], a[1], a[2]) = (self.envid(), self.addr(), self.perm());
            }
            Some(Syscall::PageMap) => {
                (a[0], a[1]) = (self.envid(), self.addr());
                (a[2], a[3], a[4]) = (self.envid(), self.addr(), self.perm());
            }
            Some(Syscall::PageUnmap) => (a[0], a[1]) = (self.envid(), self.addr()),
            Some(Syscall::EnvSetStatus) => {
                a[0] = self.envid();
                a[1] = self
                    .rng
                    .pick(&[ENV_RUNNABLE, ENV_NOT_RUNNABLE, 0, 1, 3, 5, u32::MAX]);
            }
            Some(Syscall::EnvSetTrapframe) => {
                a[0] = self.envid();
                a[1] = if self.rng.one_in(4) {
                    self.addr()
                } else {
                    core::ptr::addr_of!(GARBAGE_TF) as u32
                };
            }
            Some(Syscall::IpcTrySend) | Some(Syscall::IpcSend) => {
                (a[0], a[1]) = (self.envid(), self.rng.next());
                (a[2], a[3]) = (self.addr(), self.perm());
            }
            Some(Syscall::IpcRecv) => a[0] = self.addr(),
            Some(Syscall::PageAccess) => {
                (a[0], a[1], a[2]) = (self.envid(), self.addr(), self.small_or_any());
                a[3] = if self.rng.one_in(2) {
                    self.addr()
                } else {
                    core::ptr::addr_of!(GARBAGE_TF) as u32
                };
                a[4] = self
                    .rng
                    .pick(&[PTE_A, PTE_D, PTE_A | PTE_D, 0, PTE_W, u32::MAX]);
            }
            Some(Syscall::PageShared) => {
                (a[0], a[1], a[2]) = (self.envid(), self.addr(), self.addr());
            }
            Some(Syscall::PageMapBatch) => {
                self.fill_batch();
                (a[0], a[1]) = (self.envid(), self.envid());
                a[2] = if self.rng.one_in(4) {
                    self.addr()
                } else {
                    core::ptr::addr_of!(BATCH) as u32
                };
                a[3] =
                    self.rng
                        .pick(&[0, 1, 2, BATCH_LEN as u32, PAGE_MAP_BATCH_MAX + 1, u32::MAX]);
            }
            Some(Syscall::IpcSendRecv) => {
                (a[0], a[1]) = (self.envid(), self.rng.next());
                a[2] = if self.rng.one_in(4) {
                    self.small_or_any()
                } else {
                    round_down(self.addr(), PGSIZE) | (self.perm() & 0xFFF)
                };
                a[3] = self.addr();
            }
            Some(Syscall::EnvSetQuota) => {
                a[0] = self.envid();
                a[1] = self.rng.pick(&[0, 1, 2, 8, 64, 0x10_0000, u32::MAX]);
            }
            Some(Syscall::PageCopy) => {
                (a[0], a[1], a[2]) = (self.envid(), self.addr(), self.perm());
            }
            _ => {
                for x in a.iter_mut() {
                    *x = self.small_or_any();
                }
            }
        }
        c
    }

    /// Fills BATCH with page_map_batch entries of random addresses and
    /// permissions.
    fn fill_batch(&mut self) {
        let mut list = [0u32; BATCH_LEN];
        for entry in list.iter_mut() {
            let flag = if self.rng.one_in(2) { BATCH_SRC_TOO } else { 0 };
            *entry = batch_entry(
                round_down(self.addr(), PGSIZE),
                (self.perm() & 0xFFF) | flag,
            );
        }
        // SAFETY: only this child writes BATCH, and not concurrently.
        unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(BATCH), list) };
    }

    /// Whether a page_map_batch call could map over a page the child (or
    /// its kid, at its text) needs: any list but BATCH is unknown bytes.
    fn batch_hits_own_page(&self, a: &[u32; 5]) -> bool {
        let (src, dst, list, count) = (a[0], a[1], a[2], a[3]);
        let ours = |env: u32| self.is_me(env) || self.is_kid(env);
        if !ours(src) && !ours(dst) {
            return false;
        }
        if list != core::ptr::addr_of!(BATCH) as u32 || count > BATCH_LEN as u32 {
            return true;
        }
        // SAFETY: a plain copy of the child's own list.
        let entries = unsafe { core::ptr::read_volatile(core::ptr::addr_of!(BATCH)) };
        // dst's pages change; with BATCH_SRC_TOO, src's rights as well.
        entries[..count as usize].iter().any(|&e| {
            let va = e & !0xFFF;
            self.hits_own_page(dst, va) || (e & BATCH_SRC_TOO != 0 && self.hits_own_page(src, va))
        })
    }

    /// Whether `c` might end the child (destroy it, or send it somewhere
    /// other than back here).
    fn self_harm(&self, c: &RawCall) -> bool {
        let a = &c.args;
        match Syscall::from_u32(c.num) {
            Some(Syscall::Cputs) => {
                !(a[0] == LINE.as_ptr() as u32 && (a[1] == 0 || a[1] == LINE.len() as u32))
            }
            Some(Syscall::EnvDestroy) => self.is_me(a[0]),
            Some(Syscall::PageAlloc) | Some(Syscall::PageUnmap) | Some(Syscall::PageMapZero) => {
                self.hits_own_page(a[0], a[1])
            }
            Some(Syscall::PageMap) => self.hits_own_page(a[2], a[3]),
            Some(Syscall::EnvSetTrapframe) => {
                self.is_me(a[0]) || a[1] != core::ptr::addr_of!(GARBAGE_TF) as u32
            }
            Some(Syscall::EnvSetPgfaultUpcall) => self.is_me(a[0]),
            Some(Syscall::PageAccess) => self.bitmap_hits_own_page(a[2], a[3]),
            Some(Syscall::PageCopy) => self.hits_own_page(a[0], a[1]),
            Some(Syscall::PageMapBatch) => self.batch_hits_own_page(a),
            _ => false,
        }
    }

    /// Whether page_access's bitmap for `npages` pages at `va` (one bit a
    /// page) could overwrite a page the child needs (GARBAGE_TF's pages
    /// excepted: it is garbage anyway, and large enough for 128 pages).
    fn bitmap_hits_own_page(&self, npages: u32, va: u32) -> bool {
        let garbage = core::ptr::addr_of!(GARBAGE_TF) as u32;
        if va == garbage && npages <= 128 {
            return false;
        }
        let len = npages.min(UTOP / PGSIZE).div_ceil(32) * 4;
        let last = va.saturating_add(len).min(UTOP);
        (round_down(va, PGSIZE)..last)
            .step_by(PGSIZE as usize)
            .any(|page| self.is_own_page(page))
    }

    /// Whether `c` might leave the child waiting in the kernel (the parent
    /// wakes it, but a kid must not be left behind meanwhile).
    fn may_block(&self, c: &RawCall) -> bool {
        match Syscall::from_u32(c.num) {
            Some(Syscall::IpcRecv) | Some(Syscall::IpcSend) | Some(Syscall::IpcSendRecv) => true,
            Some(Syscall::EnvSetStatus) => self.is_me(c.args[0]),
            _ => false,
        }
    }

    fn destroy_kid(&mut self) {
        if let Some(kid) = self.kid.take() {
            let _ = sys_env_destroy(kid as EnvId);
        }
    }

    fn fill_garbage_tf(&mut self) {
        let mut words = [0u32; TF_WORDS];
        for w in words.iter_mut() {
            *w = self.small_or_any();
        }
        words[TF_EIP] = self.eip();
        words[TF_ESP] = self.addr();
        // SAFETY: only this child writes GARBAGE_TF, and not concurrently.
        unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(GARBAGE_TF), words) };
    }

    /// Makes one call (after the bookkeeping it needs).
    fn step(&mut self) {
        let mut c = self.draw();
        while self.self_harm(&c) && !self.rng.one_in(SELF_HARM_ODDS) {
            c = self.draw();
        }
        if self.self_harm(&c) || self.may_block(&c) || self.kid_calls >= KID_CALLS {
            self.destroy_kid();
        }
        self.kid_calls += 1;
        bump(self.index);
        if c.num == Syscall::EnvSetTrapframe as u32 {
            self.fill_garbage_tf();
        }
        if c.num == Syscall::Exofork as u32 {
            self.destroy_kid();
            let id = exofork_selfdestructing();
            if id > 0 {
                (self.kid, self.kid_calls) = (Some(id as u32), 0);
            }
            return;
        }
        // sysenter carries four arguments; any call may use it.
        if self.rng.one_in(2) && jos::x86::has_sysenter() {
            sysenter(&c);
        } else {
            int30(&c);
        }
    }
}

fn fuzz_child(index: u32, parent: u32, earlier: [u32; CHILDREN as usize]) {
    let local = 0u32;
    let me = sys_getenvid() as u32;
    let mut child = Child {
        rng: Rng(SEED ^ (index + 1).wrapping_mul(0x9E37_79B9)),
        index,
        me,
        parent,
        earlier,
        kid: None,
        kid_calls: 0,
        image_end: round_up(core::ptr::addr_of!(end) as u32, PGSIZE),
        stack_page: round_down(core::ptr::addr_of!(local) as u32, PGSIZE),
        text_va: fuzz_child as *const () as u32,
        data_va: core::ptr::addr_of!(GARBAGE_TF) as u32 + 5,
    };
    for _ in 0..CALLS {
        child.step();
    }
    child.destroy_kid();
}

/// The parent's answer to a child waiting in ipc_recv: a value, and a
/// page when the child asked for one where it keeps nothing.
struct Parent;

impl Nudge for Parent {
    fn wake_receiver(&mut self, child: EnvId, dstva: u32) {
        let scratch = SCRATCH..SCRATCH + SCRATCH_PAGES * PGSIZE;
        // GIFT is copy-on-write in the parent since the fork: read-only.
        let gift = scratch.contains(&dstva)
            && sys_ipc_try_send(child, 0x5EED, GIFT, PTE_P | PTE_U).is_ok();
        if !gift {
            let _ = sys_ipc_try_send(child, 0x5EED, UTOP, 0);
        }
    }
}

/// Regression: enters the kernel with NT and AC set, by both ways, in
/// calls that return through `iret` (a yield). sysenter used to carry NT
/// into the kernel, whose next iret then took an Invalid TSS fault.
fn enter_with_hostile_flags() {
    let call = RawCall {
        num: Syscall::Yield as u32,
        flags: FL_FUZZABLE,
        ..RawCall::default()
    };
    int30(&call);
    if jos::x86::has_sysenter() {
        sysenter(&call);
    }
    cprintf!(
        "syscallfuzz: yield with flags %08x came back\n",
        FL_FUZZABLE
    );
}

/// Regression (2+ CPUs): stops a child while it runs on another CPU, then
/// destroys it, then reuses freed pages. The kernel used to mark such a
/// child NOT_RUNNABLE at once, so that a RUNNABLE could start it on a
/// second CPU, and a destroy freed its page directory under the CPU still
/// running it (a triple fault once the page was reused).
fn stop_running_children() {
    let mut stopped = 0;
    for _ in 0..STOP_ROUNDS {
        let child = match fork() {
            Ok(0) => loop {
                core::hint::spin_loop();
            },
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
        // Give it time to start on another CPU, if there is one. With none
        // free, each yield hands this CPU to the spinning child until the
        // next timer tick, so stop once it has had a few turns here (at one
        // CPU, 100 such yields were a second per round: issue 11's grading
        // time).
        for _ in 0..100 {
            let e = jos::envs(envx(child));
            if e.env_status == ENV_RUNNING || e.env_runs >= TURNS_BEFORE_GIVING_UP {
                break;
            }
            sys_yield();
        }
        if jos::envs(envx(child)).env_status == ENV_RUNNING {
            stopped += 1;
        }
        let _ = sys_env_set_status(child, ENV_NOT_RUNNABLE);
        let _ = sys_env_set_status(child, ENV_RUNNABLE);
        let _ = sys_env_set_status(child, ENV_NOT_RUNNABLE);
        let _ = sys_env_destroy(child);
        // Reuse the freed frames (the child's page directory among them).
        for _ in 0..4 {
            for va in (SCRATCH..SCRATCH + 16 * PGSIZE).step_by(PGSIZE as usize) {
                // SAFETY: nothing of ours lives in the scratch area.
                let _ = unsafe { sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W) };
            }
            for va in (SCRATCH..SCRATCH + 16 * PGSIZE).step_by(PGSIZE as usize) {
                // SAFETY: as above.
                let _ = unsafe { jos::sys_page_unmap(0, va) };
            }
            sys_yield();
        }
    }
    cprintf!("syscallfuzz: stopped %d running children\n", stopped);
}

/// Yields until `child`'s slot satisfies `cond` (or is gone: false); false if
/// it never did within 2000 yields and AWAIT_MS.
fn await_child(child: EnvId, cond: fn(&inc::env::Env) -> bool) -> bool {
    // A count of yields alone is not enough at 2+ CPUs: on a loaded host
    // the CPU running the child may not get to run for a while (the test
    // once failed so), so the wait is also bounded by the clock.
    let start = fuzz::now_ms();
    let mut yields = 0u32;
    while yields < 2000 || fuzz::now_ms().wrapping_sub(start) < AWAIT_MS {
        let e = jos::envs(envx(child));
        if e.env_id != child || e.env_status == ENV_FREE {
            return false; // gone (a freed slot keeps its last id)
        }
        if cond(&e) {
            return true;
        }
        sys_yield();
        yields += 1;
    }
    false
}

/// The least time `await_child` waits before it gives up.
const AWAIT_MS: u32 = 5000;

/// Regression: a child whose ipc_recv was ended by env_set_status, then
/// blocked in ipc_send, must not accept a message. The kernel used to keep
/// it marked as receiving, so an ipc_try_send woke it while it was still
/// queued as a sender, and the queue went stale (a freed env made
/// RUNNABLE when the parent exited; found by syscallfuzz at 4 CPUs).
fn send_to_a_sender() {
    let parent = sys_getenvid();
    let child = match fork() {
        Ok(0) => {
            // SAFETY: no page is asked for (dstva = UTOP).
            let _ = unsafe { jos::sys_ipc_recv(UTOP) };
            let _ = jos::sys_ipc_send(parent, 1, UTOP, 0);
            let _ = jos::sys_ipc_send(parent, 2, UTOP, 0);
            jos::exit();
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let blocked = |e: &inc::env::Env| e.env_status == ENV_NOT_RUNNABLE;
    let receiving = |e: &inc::env::Env| e.env_status == ENV_NOT_RUNNABLE && e.env_ipc_recving;
    if !await_child(child, receiving) {
        panic!("child never blocked in ipc_recv");
    }
    let _ = sys_env_set_status(child, ENV_RUNNABLE);
    sys_yield();
    if !await_child(child, blocked) {
        panic!("child never blocked in ipc_send");
    }
    match sys_ipc_try_send(child, 3, UTOP, 0) {
        Ok(()) => cprintf!("syscallfuzz: ipc_try_send to a blocked sender: accepted\n"),
        Err(e) => cprintf!("syscallfuzz: ipc_try_send to a blocked sender: %e\n", e),
    };
    // Release the child from each ipc_send in turn, then let it exit.
    while await_child(child, blocked) {
        let _ = sys_env_set_status(child, ENV_RUNNABLE);
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!(
        "syscallfuzz: seed %08x, %d children x %d calls\n",
        SEED,
        CHILDREN,
        CALLS
    );
    // SAFETY: SHARED and GIFT are otherwise unused addresses.
    unsafe {
        let shared = PTE_P | PTE_U | PTE_W | PTE_SHARE;
        if let Err(e) = sys_page_alloc(0, SHARED, shared) {
            panic!("sys_page_alloc: %e", e);
        }
        if let Err(e) = sys_page_alloc(0, GIFT, PTE_P | PTE_U | PTE_W) {
            panic!("sys_page_alloc: %e", e);
        }
    }
    enter_with_hostile_flags();
    stop_running_children();
    send_to_a_sender();
    let parent = sys_getenvid() as u32;
    let mut rng = Rng(SEED);
    let mut earlier = [0; CHILDREN as usize];
    let mut total = 0;
    for k in 0..CHILDREN {
        let child = match fork() {
            Ok(0) => {
                fuzz_child(k, parent, earlier);
                jos::exit();
            }
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
        earlier[k as usize] = child as u32;
        let ending = fuzz::wait_for_child(child, &mut rng, &mut Parent, &|| count(k));
        let how = if ending == Ending::Stalled {
            "stalled"
        } else {
            "exited"
        };
        cprintf!(
            "syscallfuzz: child %d done, %s after %d calls\n",
            k,
            how,
            count(k)
        );
        total += count(k);
    }
    cprintf!("syscallfuzz: done, %d calls\n", total);
}

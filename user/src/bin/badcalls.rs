//! badcalls: calls every system call with arguments that must make it
//! RETURN an error (JOS's rules, docs/abi.md), through `int $0x30` and, for calls
//! of at most four arguments, through `sysenter` too. It also checks that a
//! refused call changed nothing. Only failures are printed, then
//! `badcalls: N checks passed`.
//!
//! Envs it needs: a child that died (its id is stale), a live child C that
//! waits in ipc_recv, and C's own child G (made with a bare exofork, never
//! runnable), which is not ours. At the end C destroys G and exits.
#![no_std]
#![no_main]

use inc::env::*;
use inc::error::*;
use inc::memlayout::{KERNBASE, PGSIZE, ULIM, UTEXT, UTOP, UVPT};
use inc::mmu::*;
use inc::syscall::Syscall::{self, *};
use jos::fork::uvpt;
use jos::{cprintf, envs, exit, fork, ipc_recv, ipc_send, panic, sys_env_destroy, sys_getenvid};
use jos::{sys_exofork, sys_yield, syscall_int30, syscall_sysenter};

/// Never mapped by this program: where refused mappings must not appear.
const SCRATCH: u32 = 0x1000_0000;
/// What C waits for before it cleans up and exits.
const QUIT: u32 = 0x5155_4954;
const GOOD_PERM: u32 = PTE_U | PTE_P | PTE_W;

/// Tallies the checks; only a failed one prints anything.
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn expect(&mut self, call: &str, case: &str, got: i32, want: i32) {
        if got == want {
            self.passed += 1;
        } else {
            self.failed += 1;
            cprintf!(
                "badcalls: %s %s: got %e (%d), want %e\n",
                call,
                case,
                got,
                got,
                want
            );
        }
    }

    /// A check that a refused call left no trace.
    fn holds(&mut self, call: &str, case: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            cprintf!(
                "badcalls: %s %s: the refused call changed something\n",
                call,
                case
            );
        }
    }

    /// System call `num` with `args` through `int $0x30`, and through
    /// `sysenter` as well when it has at most four arguments and the CPU
    /// has it; each path must return `want`.
    fn call(&mut self, name: &str, num: u32, case: &str, args: [u32; 5], want: i32) {
        // SAFETY: every call here is one the kernel must refuse; were it
        // accepted, it would only touch SCRATCH or envs this test owns.
        let got = unsafe { syscall_int30(num, args[0], args[1], args[2], args[3], args[4]) };
        self.expect(name, case, got, want);
        // page_map and page_access are the calls with five arguments.
        if num != PageMap as u32 && num != PageAccess as u32 {
            // SAFETY: as above.
            if let Some(got) = unsafe { syscall_sysenter(num, args[0], args[1], args[2], args[3]) }
            {
                let mut label = [0u8; 80];
                let n = jos::snprintf!(&mut label, "%s (sysenter)", case);
                let label = core::str::from_utf8(&label[..n]).unwrap_or(case);
                self.expect(name, label, got, want);
            }
        }
    }

    fn sys(&mut self, call: Syscall, case: &str, args: [u32; 5], want: i32) {
        self.call(call_name(call), call as u32, case, args, want);
    }
}

fn call_name(call: Syscall) -> &'static str {
    match call {
        Cputs => "cputs",
        Cgetc => "cgetc",
        Getenvid => "getenvid",
        EnvDestroy => "env_destroy",
        PageAlloc => "page_alloc",
        PageMap => "page_map",
        PageUnmap => "page_unmap",
        Exofork => "exofork",
        EnvSetStatus => "env_set_status",
        EnvSetTrapframe => "env_set_trapframe",
        EnvSetPgfaultUpcall => "env_set_pgfault_upcall",
        Yield => "yield",
        IpcTrySend => "ipc_try_send",
        IpcRecv => "ipc_recv",
        TimeMsec => "time_msec",
        IpcSend => "ipc_send",
        CgetcWait => "cgetc_wait",
        PageShared => "page_shared",
        PageMapBatch => "page_map_batch",
        IpcSendRecv => "ipc_send_recv",
        PageMapZero => "page_map_zero",
        PageAccess => "page_access",
        EnvSetQuota => "env_set_quota",
        PageCopy => "page_copy",
    }
}

/// The envids no call may accept from us, with a word for each.
struct BadIds {
    list: [(EnvId, &'static str); 5],
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut t = Checks {
        passed: 0,
        failed: 0,
    };

    // A child we destroy: afterwards its id names a free slot. It waits
    // rather than exits, so that our destroy is what frees it; on another
    // CPU it may be running, and then it is freed when it next enters the
    // kernel, so wait for that.
    let dead = match fork() {
        Ok(0) => loop {
            let _ = ipc_recv(None, None, None);
        },
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    if let Err(e) = sys_env_destroy(dead) {
        panic!("destroying %08x: %e", dead, e);
    }
    while envs(envx(dead)).env_status != ENV_FREE {
        sys_yield();
    }
    check_envid_calls(&mut t, dead, "free slot");

    // C takes the dead child's slot with the next generation.
    let c = match fork() {
        Ok(0) => child(),
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let mut from = 0;
    let g = match ipc_recv(Some(&mut from), None, None) {
        Ok(g) if from == c => g as EnvId,
        Ok(_) => panic!("message from %08x, not from the child", from),
        Err(e) => panic!("ipc_recv: %e", e),
    };
    t.holds(
        "fork",
        "reuses the freed slot",
        envx(c) == envx(dead) && c != dead,
    );
    while !envs(envx(c)).env_ipc_recving {
        sys_yield();
    }

    let bad = BadIds {
        list: [
            (dead, "stale id of a reused slot"),
            (0x1000 + 700, "never used"),
            (-1, "negative (-1)"),
            (i32::MIN + 5, "negative (high bit)"),
            (g, "not our child"),
        ],
    };
    check_bad_envids(&mut t, &bad, c);
    check_page_calls(&mut t, c);
    check_batch_calls(&mut t, c);
    check_access_calls(&mut t, c);
    check_status_calls(&mut t, c);
    check_ipc_calls(&mut t, c, g);
    check_misc_calls(&mut t);

    // Nothing we did may have hurt C or G.
    t.holds("all", "C still waits", envs(envx(c)).env_ipc_recving);
    t.holds("all", "C got nothing", envs(envx(c)).env_ipc_from == 0);
    t.holds(
        "all",
        "G untouched",
        envs(envx(g)).env_status == ENV_NOT_RUNNABLE,
    );

    ipc_send(c, QUIT, None, 0);
    if t.failed == 0 {
        cprintf!("badcalls: %d checks passed\n", t.passed);
    } else {
        cprintf!(
            "badcalls: %d checks passed, %d FAILED\n",
            t.passed,
            t.failed
        );
    }
}

/// C: makes G, tells the parent G's id, then waits until told to quit,
/// and destroys G before exiting (G has no code and never runs).
fn child() -> ! {
    let g = match sys_exofork() {
        Ok(0) => loop {
            sys_yield(); // G: never made runnable, so never here
        },
        Ok(g) => g,
        Err(e) => panic!("exofork: %e", e),
    };
    let parent = envs(envx(sys_getenvid())).env_parent_id;
    ipc_send(parent, g as u32, None, 0);
    while ipc_recv(None, None, None) != Ok(QUIT) {}
    if let Err(e) = sys_env_destroy(g) {
        panic!("destroying G: %e", e);
    }
    exit()
}

/// Every call taking an envid refuses `id` (which names no env of ours).
fn check_envid_calls(t: &mut Checks, id: EnvId, case: &str) {
    let id = id as u32;
    t.sys(EnvDestroy, case, [id, 0, 0, 0, 0], -E_BAD_ENV);
    t.sys(PageAlloc, case, [id, SCRATCH, GOOD_PERM, 0, 0], -E_BAD_ENV);
    t.sys(
        PageMap,
        case,
        [id, UTEXT, 0, SCRATCH, PTE_U | PTE_P],
        -E_BAD_ENV,
    );
    t.sys(
        PageMap,
        case,
        [0, UTEXT, id, SCRATCH, PTE_U | PTE_P],
        -E_BAD_ENV,
    );
    t.sys(PageUnmap, case, [id, SCRATCH, 0, 0, 0], -E_BAD_ENV);
    t.sys(
        PageMapZero,
        case,
        [id, SCRATCH, PTE_U | PTE_P, 0, 0],
        -E_BAD_ENV,
    );
    t.sys(EnvSetStatus, case, [id, ENV_RUNNABLE, 0, 0, 0], -E_BAD_ENV);
    // A bad envid is reported before the frame pointer is even looked at.
    t.sys(EnvSetTrapframe, case, [id, KERNBASE, 0, 0, 0], -E_BAD_ENV);
    t.sys(EnvSetPgfaultUpcall, case, [id, UTEXT, 0, 0, 0], -E_BAD_ENV);
    let list = [UTEXT | PTE_U | PTE_P];
    let at = list.as_ptr() as u32;
    t.sys(PageMapBatch, case, [id, 0, at, 1, 0], -E_BAD_ENV);
    t.sys(PageMapBatch, case, [0, id, at, 1, 0], -E_BAD_ENV);
    let mut map = [0u32; 1];
    let map = map.as_mut_ptr() as u32;
    t.sys(PageAccess, case, [id, SCRATCH, 1, map, PTE_A], -E_BAD_ENV);
    t.sys(EnvSetQuota, case, [id, 64, 0, 0, 0], -E_BAD_ENV);
}

/// A page of our own data for page_map_batch to (fail to) re-protect.
#[repr(C, align(4096))]
struct Page([u8; PGSIZE as usize]);
static mut DATA_PAGE: Page = Page([1; PGSIZE as usize]);

/// page_map_batch: every entry gets page_map's checks, and a list with one
/// bad entry changes nothing, wherever that entry is.
fn check_batch_calls(t: &mut Checks, c: EnvId) {
    let c = c as u32;
    let data = (&raw mut DATA_PAGE) as u32;
    let ro = PTE_U | PTE_P;
    // Written once so that the page is ours and writable (not COW).
    // SAFETY: only raw accesses reach DATA_PAGE's bytes here.
    unsafe { core::ptr::write_volatile(data as *mut u8, 2) };
    let writable = || uvpt(data).is_some_and(|p| p & PTE_W != 0);
    t.holds("page_map_batch", "data page writable", writable());
    let bad_lists: [([u32; 2], &str); 5] = [
        ([data | ro, SCRATCH | ro], "second page unmapped"),
        ([data | ro, UTEXT | GOOD_PERM], "second W from read-only"),
        ([data | ro, data | ro | PTE_PWT], "second perm with PWT"),
        ([data | ro, UTOP | ro], "second va = UTOP"),
        ([SCRATCH | ro, data | ro], "first page unmapped"),
    ];
    for (list, case) in bad_lists.iter() {
        let at = list.as_ptr() as u32;
        t.sys(PageMapBatch, case, [0, 0, at, 2, 0], -E_INVAL);
        t.holds("page_map_batch", case, writable());
        t.sys(PageMapBatch, case, [0, c, at, 2, 0], -E_INVAL);
    }
    let at = bad_lists[0].0.as_ptr() as u32;
    t.sys(PageMapBatch, "count 257", [0, 0, at, 257, 0], -E_INVAL);
    t.sys(PageMapBatch, "count 0", [0, c, at, 0, 0], 0);
    let ok = [data | GOOD_PERM];
    t.sys(
        PageMapBatch,
        "writable onto itself",
        [0, 0, ok.as_ptr() as u32, 1, 0],
        0,
    );
    t.holds("page_map_batch", "still writable", writable());
    t.holds(
        "page_map_batch",
        "nothing at SCRATCH",
        uvpt(SCRATCH).is_none(),
    );
}

fn check_bad_envids(t: &mut Checks, bad: &BadIds, c: EnvId) {
    for &(id, case) in bad.list.iter() {
        check_envid_calls(t, id, case);
    }
    // Unlike the others, ipc_try_send may name any env: G is fine, just
    // not receiving (see check_ipc_calls). The rest do not exist.
    for &(id, case) in bad.list[..4].iter() {
        t.sys(IpcTrySend, case, [id as u32, 1, UTOP, 0, 0], -E_BAD_ENV);
        t.sys(IpcSend, case, [id as u32, 1, UTOP, 0, 0], -E_BAD_ENV);
        t.sys(IpcSendRecv, case, [id as u32, 1, UTOP, UTOP, 0], -E_BAD_ENV);
        t.sys(
            PageShared,
            case,
            [id as u32, UTEXT, UTEXT, 0, 0],
            -E_BAD_ENV,
        );
    }
    t.holds("page_alloc", "bad envid", uvpt(SCRATCH).is_none());
    t.holds("env_destroy", "bad envid", envs(envx(c)).env_id == c);
}

/// The va and perm rules of page_alloc, page_map and page_unmap.
fn check_page_calls(t: &mut Checks, c: EnvId) {
    let c = c as u32;
    let bad_vas: [(u32, &str); 5] = [
        (SCRATCH + 1, "va not page-aligned"),
        (UTOP, "va = UTOP"),
        (ULIM, "va = ULIM"),
        (KERNBASE + 0x10_0000, "va = kernel"),
        (0xFFFF_F000, "va = last page"),
    ];
    let bad_perms: [(u32, &str); 6] = [
        (0, "perm 0"),
        (PTE_U, "perm without P"),
        (PTE_P | PTE_W, "perm without U"),
        (PTE_U | PTE_P | PTE_PWT, "perm with PWT"),
        (PTE_U | PTE_P | PTE_G, "perm with G"),
        (0xFFFF_FFFF, "perm all bits"),
    ];
    for &(va, case) in bad_vas.iter() {
        t.sys(PageAlloc, case, [0, va, GOOD_PERM, 0, 0], -E_INVAL);
        t.sys(PageAlloc, case, [c, va, GOOD_PERM, 0, 0], -E_INVAL);
        t.sys(PageMap, case, [0, va, 0, SCRATCH, PTE_U | PTE_P], -E_INVAL);
        t.sys(PageMap, case, [0, UTEXT, c, va, PTE_U | PTE_P], -E_INVAL);
        t.sys(PageUnmap, case, [0, va, 0, 0, 0], -E_INVAL);
        t.sys(PageMapZero, case, [0, va, PTE_U | PTE_P, 0, 0], -E_INVAL);
        t.sys(PageMapZero, case, [c, va, PTE_U | PTE_P, 0, 0], -E_INVAL);
        t.sys(PageShared, case, [0, va, UTEXT, 0, 0], -E_INVAL);
        t.sys(PageShared, case, [0, UTEXT, va, 0, 0], -E_INVAL);
    }
    // page_shared answers 1 for the same frame, 0 for another or none.
    t.sys(PageShared, "same frame", [0, UTEXT, UTEXT, 0, 0], 1);
    t.sys(PageShared, "unmapped", [0, UTEXT, SCRATCH, 0, 0], 0);
    t.sys(PageShared, "child's text", [c, UTEXT, UTEXT, 0, 0], 1);
    for &(perm, case) in bad_perms.iter() {
        t.sys(PageAlloc, case, [0, SCRATCH, perm, 0, 0], -E_INVAL);
        t.sys(PageMap, case, [0, UTEXT, 0, SCRATCH, perm], -E_INVAL);
        t.sys(PageMapZero, case, [0, SCRATCH, perm, 0, 0], -E_INVAL);
    }
    // The zero frame is never writable, in us or in a child.
    t.sys(
        PageMapZero,
        "perm with W",
        [0, SCRATCH, GOOD_PERM, 0, 0],
        -E_INVAL,
    );
    t.sys(
        PageMapZero,
        "perm with W in child",
        [c, SCRATCH, GOOD_PERM, 0, 0],
        -E_INVAL,
    );
    t.sys(
        PageMap,
        "src unmapped",
        [0, SCRATCH, c, SCRATCH, PTE_U | PTE_P],
        -E_INVAL,
    );
    // The program's text is mapped read-only.
    t.holds(
        "page_map",
        "text is read-only",
        uvpt(UTEXT).is_some_and(|p| p & PTE_W == 0),
    );
    t.sys(
        PageMap,
        "W from read-only",
        [0, UTEXT, c, SCRATCH, GOOD_PERM],
        -E_INVAL,
    );
    t.sys(
        PageMap,
        "W from read-only to self",
        [0, UTEXT, 0, SCRATCH, GOOD_PERM],
        -E_INVAL,
    );
    t.holds(
        "page_*",
        "nothing mapped at SCRATCH",
        uvpt(SCRATCH).is_none(),
    );
    t.holds(
        "page_*",
        "nothing mapped at SCRATCH+1",
        uvpt(SCRATCH + PGSIZE).is_none(),
    );
    // JOS: unmapping what is not mapped is fine.
    t.sys(PageUnmap, "unmapped va", [0, SCRATCH, 0, 0, 0], 0);
    t.sys(PageUnmap, "unmapped va in child", [c, SCRATCH, 0, 0, 0], 0);
    // A good zero-page call: a read-only page of zeroes, which no call
    // may map writable anywhere.
    t.sys(
        PageMapZero,
        "good call",
        [0, SCRATCH, PTE_U | PTE_P, 0, 0],
        0,
    );
    // SAFETY: SCRATCH now holds the zero page, readable.
    let word = uvpt(SCRATCH).map(|_| unsafe { core::ptr::read_volatile(SCRATCH as *const u32) });
    t.holds(
        "page_map_zero",
        "read-only zeroes",
        word == Some(0) && uvpt(SCRATCH).is_some_and(|p| p & PTE_W == 0),
    );
    t.sys(
        PageMap,
        "W from the zero page",
        [0, SCRATCH, c, SCRATCH, GOOD_PERM],
        -E_INVAL,
    );
    t.sys(PageUnmap, "the zero page", [0, SCRATCH, 0, 0, 0], 0);
}

/// The range, bits and bitmap rules of page_access: every refusal leaves
/// the bitmap as it was.
fn check_access_calls(t: &mut Checks, c: EnvId) {
    let c = c as u32;
    const UNTOUCHED: u32 = 0xAAAA_AAAA;
    let mut map = [UNTOUCHED; 2];
    let m = map.as_mut_ptr() as u32;
    let a = PTE_A;
    let pages_to_wrap = (0u32.wrapping_sub(SCRATCH)) / PGSIZE + 1;
    // A page of UVPT whose PTE (a directory entry) says W: the directory
    // entry that maps UVPT says read-only, and the kernel must honour it.
    let uvpt_table = UVPT + (UTEXT >> 22) * PGSIZE;
    let bad: [([u32; 5], &str, i32); 16] = [
        ([0, SCRATCH + 1, 1, m, a], "va not page-aligned", -E_INVAL),
        ([0, UTOP, 1, m, a], "va = UTOP", -E_INVAL),
        ([0, KERNBASE, 1, m, a], "va = kernel", -E_INVAL),
        ([c, 0xFFFF_F000, 1, m, a], "va = last page", -E_INVAL),
        ([0, UTOP - PGSIZE, 2, m, a], "range past UTOP", -E_INVAL),
        ([0, SCRATCH, pages_to_wrap, m, a], "range wraps", -E_INVAL),
        (
            [0, SCRATCH, 0xFFFF_FFFF, m, a],
            "npages overflows",
            -E_INVAL,
        ),
        ([0, SCRATCH, 1, m, 0], "bits 0", -E_INVAL),
        ([0, SCRATCH, 1, m, PTE_W], "bits W", -E_INVAL),
        ([c, SCRATCH, 1, m, PTE_A | PTE_P], "bits A|P", -E_INVAL),
        ([0, SCRATCH, 1, m, 0xFFFF_FFFF], "bits all", -E_INVAL),
        ([0, UTEXT, 1, KERNBASE, a], "bitmap in the kernel", -E_FAULT),
        ([0, UTEXT, 1, UTEXT, a], "bitmap read-only", -E_FAULT),
        ([0, UTEXT, 1, uvpt_table, a], "bitmap in UVPT", -E_FAULT),
        ([c, UTEXT, 1, SCRATCH, a], "bitmap unmapped", -E_FAULT),
        ([0, UTEXT, 64, ULIM - 4, a], "bitmap across ULIM", -E_FAULT),
    ];
    for &(args, case, want) in bad.iter() {
        t.sys(PageAccess, case, args, want);
    }
    t.holds("page_access", "bitmap untouched", map == [UNTOUCHED; 2]);
    // What is allowed: nothing, and unmapped pages (reported as 0).
    t.sys(PageAccess, "0 pages", [0, SCRATCH, 0, m, a], 0);
    t.holds("page_access", "0 pages: no word", map == [UNTOUCHED; 2]);
    t.sys(PageAccess, "unmapped", [0, SCRATCH, 33, m, a], 0);
    t.sys(PageAccess, "unmapped in child", [c, SCRATCH, 1, m, a], 0);
    t.holds("page_access", "zero words written", map == [0, 0]);
}

fn check_status_calls(t: &mut Checks, c: EnvId) {
    let before = envs(envx(c)).env_status;
    for (status, case) in [
        (ENV_FREE, "status FREE"),
        (ENV_DYING, "status DYING"),
        (ENV_RUNNING, "status RUNNING"),
        (5, "status 5"),
        (0xFFFF_FFFF, "status -1"),
    ] {
        t.sys(EnvSetStatus, case, [c as u32, status, 0, 0, 0], -E_INVAL);
        t.sys(EnvSetStatus, case, [0, status, 0, 0, 0], -E_INVAL);
    }
    t.holds(
        "env_set_status",
        "child unchanged",
        envs(envx(c)).env_status == before,
    );
}

fn check_ipc_calls(t: &mut Checks, c: EnvId, g: EnvId) {
    let (c, g) = (c as u32, g as u32);
    let me = sys_getenvid() as u32;
    t.sys(
        IpcTrySend,
        "G not receiving",
        [g, 1, UTOP, 0, 0],
        -E_IPC_NOT_RECV,
    );
    t.sys(
        IpcTrySend,
        "self not receiving",
        [me, 1, UTOP, 0, 0],
        -E_IPC_NOT_RECV,
    );
    t.sys(
        IpcTrySend,
        "envid 0 not receiving",
        [0, 1, UTOP, 0, 0],
        -E_IPC_NOT_RECV,
    );
    // C is receiving, but every page offer is bad.
    let bad_pages: [(u32, u32, &str); 5] = [
        (SCRATCH + 1, PTE_U | PTE_P, "srcva not aligned"),
        (SCRATCH, PTE_U | PTE_P, "srcva unmapped"),
        (UTEXT, PTE_U | PTE_P | PTE_W, "W from read-only"),
        (UTEXT, PTE_U, "perm without P"),
        (UTEXT, PTE_U | PTE_P | PTE_PCD, "perm with PCD"),
    ];
    for &(srcva, perm, case) in bad_pages.iter() {
        t.sys(IpcTrySend, case, [c, 7, srcva, perm, 0], -E_INVAL);
        t.sys(IpcSend, case, [c, 7, srcva, perm, 0], -E_INVAL);
        // Syscall 19 takes srcva | perm in one word: alignment is implied.
        if srcva.is_multiple_of(PGSIZE) {
            t.sys(IpcSendRecv, case, [c, 7, srcva | perm, UTOP, 0], -E_INVAL);
        }
    }
    // A good send with a bad receive address is refused before it sends
    // (had it sent to C, which is receiving, we would now wait for ever).
    t.sys(
        IpcSendRecv,
        "dstva not aligned",
        [c, 7, UTOP, SCRATCH + 1, 0],
        -E_INVAL,
    );
    t.holds(
        "ipc_send_recv",
        "refused call left us not receiving",
        !envs(envx(me as EnvId)).env_ipc_recving,
    );
    t.sys(
        IpcRecv,
        "dstva not aligned",
        [SCRATCH + 1, 0, 0, 0, 0],
        -E_INVAL,
    );
    t.sys(IpcRecv, "dstva not aligned, low", [1, 0, 0, 0, 0], -E_INVAL);
    t.holds(
        "ipc_recv",
        "refused recv left us not receiving",
        !envs(envx(me as EnvId)).env_ipc_recving,
    );
}

/// Calls without arguments ignore garbage; unknown numbers are refused.
fn check_misc_calls(t: &mut Checks) {
    let junk = [0xDEAD_BEEF, 0xF010_0000, 1, 2, 3];
    let me = sys_getenvid();
    t.sys(Getenvid, "junk args", junk, me);
    t.sys(Yield, "junk args", junk, 0);
    // Zero bytes from anywhere: nothing to check, nothing to print.
    for (va, case) in [
        (KERNBASE + 1, "len 0 at kernel+1"),
        (SCRATCH + 1, "len 0 unmapped+1"),
    ] {
        t.sys(Cputs, case, [va, 0, 0, 0, 0], 0);
    }
    // A quota is set by a parent, never by the env on itself.
    t.sys(EnvSetQuota, "on itself (0)", [0, 64, 0, 0, 0], -E_BAD_ENV);
    t.sys(
        EnvSetQuota,
        "on itself",
        [me as u32, 64, 0, 0, 0],
        -E_BAD_ENV,
    );
    for num in [40, 21, 41, 99, 48, 0x100, 0x8000_0000, 0xFFFF_FFFF] {
        let mut label = [0u8; 16];
        let n = jos::snprintf!(&mut label, "0x%x", num);
        let label = core::str::from_utf8(&label[..n]).unwrap_or("?");
        t.call("unknown number", num, label, [0; 5], -E_INVAL);
    }
}

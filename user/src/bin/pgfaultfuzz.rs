//! pgfaultfuzz: page faults delivered to hostile upcall setups. The kernel
//! must destroy the env (with the user_mem_check message when the
//! UTrapframe does not fit) and never panic, hang or leak.
//!
//! Each case runs in a forked child, one after another: first the fixed
//! ones (no exception stack, a read-only one, a handler that faults until
//! the exception stack overflows, stack pointers at the exception stack's
//! edges), then RANDOM_CASES random combinations of upcall address,
//! exception-stack mapping, stack pointer at the fault, and kind of fault.
//! The parent destroys a child that outlives its patience (an upcall into
//! readable data could in principle loop).
#![no_std]
#![no_main]

#[path = "../fuzz.rs"]
mod fuzz;

use core::arch::asm;
use fuzz::{Ending, Nudge, Rng};
use inc::env::EnvId;
use inc::memlayout::{KERNBASE, PGSIZE, UENVS, UPAGES, UTOP, UVPT, UXSTACKTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::pgfault::pgfault_upcall_addr;
use jos::{cprintf, fork, panic, set_pgfault_handler, sys_env_set_pgfault_upcall, UTrapframe};
use jos::{sys_page_alloc, sys_page_map, sys_page_unmap};

const SEED: u32 = 0x0BAD_F417;
const RANDOM_CASES: u32 = 24;
const XSTACK: u32 = UXSTACKTOP - PGSIZE;
/// A page no case maps: the handler that fixes faults maps it.
const FIXABLE: u32 = 0x3000_0000;

/// The exception stack a case sets up.
#[derive(Clone, Copy)]
enum XStack {
    Writable,
    ReadOnly,
    Absent,
}

/// The faulting access.
#[derive(Clone, Copy)]
enum Fault {
    /// A write to `FIXABLE`, which the fixing handler can repair.
    WriteFixable,
    WriteNull,
    ReadKernel,
    /// A jump to an unmapped address.
    Execute,
}

/// The handler behind the library's upcall entry.
#[derive(Clone, Copy)]
enum Handler {
    /// Maps the page and returns, so the access is retried and succeeds.
    Fixes,
    /// Faults again, from the exception stack, until it overflows.
    FaultsAgain,
}

#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    /// None: the library's upcall entry with `handler`.
    upcall: Option<u32>,
    handler: Handler,
    xstack: XStack,
    /// The stack pointer at the fault; None: the normal stack.
    esp: Option<u32>,
    fault: Fault,
}

const FIXED: [Case; 7] = [
    Case {
        name: "fixed by the handler",
        upcall: None,
        handler: Handler::Fixes,
        xstack: XStack::Writable,
        esp: None,
        fault: Fault::WriteFixable,
    },
    Case {
        name: "no exception stack",
        upcall: None,
        handler: Handler::Fixes,
        xstack: XStack::Absent,
        esp: None,
        fault: Fault::WriteNull,
    },
    Case {
        name: "read-only exception stack",
        upcall: None,
        handler: Handler::Fixes,
        xstack: XStack::ReadOnly,
        esp: None,
        fault: Fault::WriteNull,
    },
    Case {
        name: "recursive faults",
        upcall: None,
        handler: Handler::FaultsAgain,
        xstack: XStack::Writable,
        esp: None,
        fault: Fault::WriteNull,
    },
    Case {
        name: "esp at the exception stack's bottom",
        upcall: None,
        handler: Handler::Fixes,
        xstack: XStack::Writable,
        esp: Some(XSTACK + 20),
        fault: Fault::WriteFixable,
    },
    Case {
        name: "esp at the exception stack's top",
        upcall: None,
        handler: Handler::Fixes,
        xstack: XStack::Writable,
        esp: Some(UXSTACKTOP),
        fault: Fault::WriteFixable,
    },
    Case {
        name: "upcall into the kernel",
        upcall: Some(KERNBASE + 0x0010_0020),
        handler: Handler::Fixes,
        xstack: XStack::Writable,
        esp: None,
        fault: Fault::ReadKernel,
    },
];

fn random_case(rng: &mut Rng) -> Case {
    let upcall = match rng.below(3) {
        0 => None,
        _ => Some(rng.pick(&[
            0,
            1,
            0xDEAD_BEEF,
            FIXABLE,
            XSTACK,
            UXSTACKTOP - 4,
            UTOP,
            UVPT,
            UPAGES,
            UENVS,
            KERNBASE,
            0xFFFF_FFFF,
            rng.0 | KERNBASE,
        ])),
    };
    let edge = rng.below(64);
    Case {
        name: "random",
        upcall,
        handler: if rng.one_in(3) {
            Handler::FaultsAgain
        } else {
            Handler::Fixes
        },
        xstack: [
            XStack::Writable,
            XStack::Writable,
            XStack::ReadOnly,
            XStack::Absent,
        ][rng.below(4) as usize],
        esp: match rng.below(4) {
            0 => None,
            _ => Some(rng.pick(&[
                0,
                3,
                XSTACK + edge,
                XSTACK + 56,
                UXSTACKTOP - edge,
                UXSTACKTOP,
                UXSTACKTOP + 4,
                XSTACK - 4,
                UTOP + PGSIZE,
                KERNBASE,
                0xFFFF_FFFC,
            ])),
        },
        fault: [
            Fault::WriteFixable,
            Fault::WriteNull,
            Fault::ReadKernel,
            Fault::Execute,
        ][rng.below(4) as usize],
    }
}

fn fix_fault(utf: &UTrapframe) {
    let page = utf.utf_fault_va & !(PGSIZE - 1);
    if page != FIXABLE {
        cprintf!("pgfaultfuzz: unfixable fault at %08x\n", utf.utf_fault_va);
        jos::exit();
    }
    // SAFETY: nothing lives at FIXABLE but what this case puts there.
    if let Err(e) = unsafe { sys_page_alloc(0, page, PTE_P | PTE_U | PTE_W) } {
        panic!("sys_page_alloc: %e", e);
    }
}

fn fault_again(_utf: &UTrapframe) {
    // SAFETY: a write to address 0, which faults (on the exception stack).
    unsafe { asm!("mov dword ptr [{0}], 0", in(reg) 0u32) };
}

/// Sets up the case's upcall and exception stack, then faults.
fn run_case(case: &Case) {
    set_pgfault_handler(match case.handler {
        Handler::Fixes => fix_fault,
        Handler::FaultsAgain => fault_again,
    });
    // Our own writes after this point must not fault (copy-on-write pages
    // would go to the hostile upcall): the case's state lives in registers.
    let upcall = case.upcall.unwrap_or_else(pgfault_upcall_addr);
    // SAFETY: this child exists to take the fault that follows.
    unsafe {
        let _ = sys_env_set_pgfault_upcall(0, upcall);
        let _ = match case.xstack {
            XStack::Writable => Ok(()),
            XStack::ReadOnly => sys_page_map(0, XSTACK, 0, XSTACK, PTE_P | PTE_U),
            XStack::Absent => sys_page_unmap(0, XSTACK),
        };
    }
    let target = match case.fault {
        Fault::WriteFixable => FIXABLE + 0x10,
        Fault::WriteNull => 0,
        Fault::ReadKernel => KERNBASE + 0x0010_0000,
        Fault::Execute => 0xDEAD_B000,
    };
    let esp = case.esp.unwrap_or(0);
    let kind = case.fault as u32;
    // SAFETY: the access faults; the kernel hands the fault to the upcall
    // or destroys us. When a handler fixes it, the stack pointer is put
    // back (ebp holds the old one) and execution continues normally.
    unsafe {
        asm!(
            "push ebp",
            "mov ebp, esp",
            "test {esp}, {esp}",
            "jz 2f",
            "mov esp, {esp}",
            "2:",
            "cmp {kind}, 2",
            "je 3f",
            "ja 4f",
            "mov dword ptr [{target}], 0",
            "jmp 5f",
            "3:",
            "mov {kind}, [{target}]",
            "jmp 5f",
            "4:",
            "call {target}",
            "5:",
            "mov esp, ebp",
            "pop ebp",
            esp = in(reg) esp,
            kind = inout(reg) kind => _,
            target = in(reg) target,
        );
    }
    cprintf!("pgfaultfuzz: survived the fault\n");
}

/// Children never wait in ipc_recv here.
struct NoMessages;

impl Nudge for NoMessages {
    fn wake_receiver(&mut self, _child: EnvId, _dstva: u32) {}
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!(
        "pgfaultfuzz: seed %08x, %d fixed and %d random cases\n",
        SEED,
        FIXED.len(),
        RANDOM_CASES
    );
    let mut rng = Rng(SEED);
    let total = FIXED.len() as u32 + RANDOM_CASES;
    for n in 0..total {
        let case = match FIXED.get(n as usize) {
            Some(c) => *c,
            None => random_case(&mut rng),
        };
        let child = match fork() {
            Ok(0) => {
                run_case(&case);
                jos::exit();
            }
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
        // A faulting child makes no visible progress: the stall timeout is
        // the only limit, and only a looping child reaches it.
        let ending = fuzz::wait_for_child(child, &mut rng, &mut NoMessages, &|| 0);
        let how = if ending == Ending::Stalled {
            "stalled"
        } else {
            "ended"
        };
        cprintf!("pgfaultfuzz: case %d (%s) %s\n", n, case.name, how);
    }
    cprintf!("pgfaultfuzz: done, %d cases\n", total);
}

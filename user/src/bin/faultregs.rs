//! faultregs: checks that a page-fault upcall sees the exact registers and
//! eflags of the faulting instruction, and that returning from the handler
//! restores all of them.
//!
//! `probe` (assembly, below) lights up several eflags bits, records every
//! register in `BEFORE`, then writes to UTEMP, which is unmapped. The
//! handler compares `BEFORE` with the UTrapframe and maps UTEMP; the write
//! is retried and `probe` records every register again in `AFTER`.
#![no_std]
#![no_main]

use core::arch::global_asm;
use core::cell::UnsafeCell;
use inc::memlayout::UTEMP;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use inc::trap::PushRegs;
use jos::{cprintf, panic, set_pgfault_handler, sys_page_alloc, UTrapframe};

/// The resume flag the CPU may set in a fault's saved eflags.
const FL_RF: u32 = 0x0001_0000;
/// OF | SF | ZF | AF | PF: flags `probe` sets so that losing them shows.
const PROBE_FLAGS: u32 = 0x8d4;

/// Registers as `probe` records them (offsets are used by the assembly).
#[repr(C)]
#[derive(Clone, Copy)]
struct Regs {
    regs: PushRegs, // 0x00
    eip: u32,       // 0x20
    eflags: u32,    // 0x24
    esp: u32,       // 0x28
}

/// A `Regs` the assembly writes to by symbol.
#[repr(transparent)]
struct Snapshot(UnsafeCell<Regs>);
// SAFETY: one thread of control; the handler runs while probe is stopped.
unsafe impl Sync for Snapshot {}

impl Snapshot {
    fn get(&self) -> Regs {
        // SAFETY: probe has finished writing (or is stopped at the fault).
        unsafe { core::ptr::read_volatile(self.0.get()) }
    }
}

const ZERO: Regs = Regs {
    regs: PushRegs {
        edi: 0,
        esi: 0,
        ebp: 0,
        oesp: 0,
        ebx: 0,
        edx: 0,
        ecx: 0,
        eax: 0,
    },
    eip: 0,
    eflags: 0,
    esp: 0,
};
static BEFORE: Snapshot = Snapshot(UnsafeCell::new(ZERO));
static AFTER: Snapshot = Snapshot(UnsafeCell::new(ZERO));

global_asm!(
    ".globl faultregs_probe",
    "faultregs_probe:",
    "    pusha",
    // Distinctive values in every general register.
    "    mov eax, 0x11111111",
    "    mov ebx, 0x22222222",
    "    mov ecx, 0x33333333",
    "    mov edx, 0x44444444",
    "    mov esi, 0x55555555",
    "    mov edi, 0x66666666",
    "    mov ebp, 0x77777777",
    // Light up eflags (only mov from here on: it leaves flags alone).
    "    pushfd",
    "    or dword ptr [esp], {flags}",
    "    popfd",
    "    pushfd",
    "    pop dword ptr [{before} + 0x24]",
    "    mov dword ptr [{before} + 0x00], edi",
    "    mov dword ptr [{before} + 0x04], esi",
    "    mov dword ptr [{before} + 0x08], ebp",
    "    mov dword ptr [{before} + 0x10], ebx",
    "    mov dword ptr [{before} + 0x14], edx",
    "    mov dword ptr [{before} + 0x18], ecx",
    "    mov dword ptr [{before} + 0x1c], eax",
    "    mov dword ptr [{before} + 0x20], offset faultregs_fault",
    "    mov dword ptr [{before} + 0x28], esp",
    // The fault: UTEMP is not mapped yet.
    "faultregs_fault:",
    "    mov dword ptr [{utemp}], 42",
    "    mov dword ptr [{after} + 0x00], edi",
    "    mov dword ptr [{after} + 0x04], esi",
    "    mov dword ptr [{after} + 0x08], ebp",
    "    mov dword ptr [{after} + 0x10], ebx",
    "    mov dword ptr [{after} + 0x14], edx",
    "    mov dword ptr [{after} + 0x18], ecx",
    "    mov dword ptr [{after} + 0x1c], eax",
    "    mov dword ptr [{after} + 0x28], esp",
    "    pushfd",
    "    pop dword ptr [{after} + 0x24]",
    "    popa",
    "    ret",
    flags = const PROBE_FLAGS,
    utemp = const UTEMP,
    before = sym BEFORE,
    after = sym AFTER,
);

extern "C" {
    fn faultregs_probe();
}

/// Prints a table of `a` against `b`, then `Registers <test> OK` or
/// `Registers <test> MISMATCH`.
fn check_regs(a: &Regs, an: &str, b: &Regs, bn: &str, test: &str) {
    let fields: [(&str, u32, u32); 10] = [
        ("edi", a.regs.edi, b.regs.edi),
        ("esi", a.regs.esi, b.regs.esi),
        ("ebp", a.regs.ebp, b.regs.ebp),
        ("ebx", a.regs.ebx, b.regs.ebx),
        ("edx", a.regs.edx, b.regs.edx),
        ("ecx", a.regs.ecx, b.regs.ecx),
        ("eax", a.regs.eax, b.regs.eax),
        ("eip", a.eip, b.eip),
        ("eflags", a.eflags, b.eflags),
        ("esp", a.esp, b.esp),
    ];
    cprintf!("%-6s %-8s %-8s\n", "", an, bn);
    let mut mismatch = false;
    for (name, x, y) in fields {
        let verdict = if x == y { "OK" } else { "MISMATCH" };
        mismatch |= x != y;
        cprintf!("%-6s %08x %08x %s\n", name, x, y, verdict);
    }
    let verdict = if mismatch { "MISMATCH" } else { "OK" };
    cprintf!("Registers %s %s\n", test, verdict);
}

fn handler(utf: &UTrapframe) {
    if utf.utf_fault_va != UTEMP {
        panic!(
            "pgfault expected at UTEMP, got 0x%08x (eip %08x)",
            utf.utf_fault_va, utf.utf_eip
        );
    }
    let during = Regs {
        regs: utf.utf_regs,
        eip: utf.utf_eip,
        eflags: utf.utf_eflags & !FL_RF,
        esp: utf.utf_esp,
    };
    check_regs(&BEFORE.get(), "before", &during, "during", "in UTrapframe");
    // SAFETY: UTEMP is unmapped and nothing refers to it.
    if let Err(e) = unsafe { sys_page_alloc(0, UTEMP, PTE_U | PTE_P | PTE_W) } {
        panic!("sys_page_alloc: %e", e);
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    // SAFETY: probe saves and restores every register it changes.
    unsafe { faultregs_probe() };
    // SAFETY: the handler mapped UTEMP and probe wrote 42 there.
    if unsafe { core::ptr::read_volatile(UTEMP as *const u32) } != 42 {
        cprintf!("EIP after page-fault MISMATCH\n");
    }
    let before = BEFORE.get();
    // probe does not record eip after the fault: the check above covers it.
    let after = Regs {
        eip: before.eip,
        ..AFTER.get()
    };
    check_regs(&before, "before", &after, "after", "after page-fault");
}

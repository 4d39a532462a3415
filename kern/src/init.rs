//! Where the kernel starts: `boot/entry.S` calls [`i386_boot`] on the boot
//! stack with paging on and the high half mapped, then [`i386_init`] on the
//! boot CPU's guarded kernel stack.

use crate::cmdline::CmdLine;
use crate::cpu::{thiscpu, IrqOff, CPU_STARTED};
use crate::multiboot_info::{self, BootInfo, MULTIBOOT_BOOTLOADER_MAGIC};
use spin::Once;

static BOOT_INFO: Once<BootInfo> = Once::new();

/// Physical memory the entry page directory maps (at 0 and at KERNBASE,
/// with 4 MB pages): the kernel image, its .bss and everything
/// `boot_alloc` hands out before `mem_init` builds the real page tables
/// must fit below it. boot/entry.S gets it from here (kern/src/main.rs).
pub const ENTRY_MAPPED: u32 = 16 << 20;

/// What the boot loader told us (set once, early in `i386_init`).
pub fn boot_info() -> &'static BootInfo {
    BOOT_INFO.get().expect("boot info read in i386_init")
}

static CMDLINE: Once<CmdLine<'static>> = Once::new();

/// The parsed kernel command line, parsed once: the trap path asks it
/// (`kstackoverflow`), and parsing costs hundreds of instructions.
pub fn cmdline() -> &'static CmdLine<'static> {
    match BOOT_INFO.get() {
        Some(info) => CMDLINE.call_once(|| CmdLine::parse(info.cmdline())),
        None => {
            static EMPTY: CmdLine<'static> = CmdLine::EMPTY;
            &EMPTY
        }
    }
}

/// The first Rust code, on the `.bss` boot stack that boot/entry.S set up:
/// the console, the boot loader's information, and the real page tables.
/// Returns to entry.S, which moves to the boot CPU's guarded kernel stack
/// below KSTACKTOP (mapped by `mem_init`) and calls [`i386_init`].
#[no_mangle]
pub extern "C" fn i386_boot(magic: u32, info_pa: u32) {
    crate::console::init();
    // The firmware leaves its last line unterminated: start on a fresh one.
    cprintf!("\n6828 decimal is %o octal!\n", 6828);

    if magic != MULTIBOOT_BOOTLOADER_MAGIC {
        panic!("not booted by a multiboot loader (eax = {:#x})", magic);
    }
    // SAFETY: eax held the multiboot magic, so ebx was the info pointer, and
    // the entry page directory is still loaded.
    let info = unsafe { multiboot_info::read(info_pa) }.expect("multiboot info unreadable");
    BOOT_INFO.call_once(|| info);

    crate::pmap::mem_init();
}

/// The rest of the boot CPU's start, on its own kernel stack (CPU 0's
/// KSTACKTOP stack, with the KSTKGAP guard below it): traps, the other
/// CPUs, the first envs.
#[no_mangle]
pub extern "C" fn i386_init() -> ! {
    // SAFETY: boot/entry.S starts the kernel with interrupts off, and only
    // sched_halt turns them on, long after this CPU has left i386_init.
    let irq = unsafe { IrqOff::new() };
    check_boot_stack_depth();

    // Lab 1's exercise of the backtrace: the grader counts these frames.
    test_backtrace(5);

    crate::trap::trap_init(&irq);
    crate::fpu::init_percpu();
    thiscpu(&irq).status.set(CPU_STARTED);
    if cmdline().kfault {
        kernel_fault_on_purpose();
    }
    if cmdline().bootstackoverflow {
        crate::dblfault::overflow_kernel_stack_on_purpose("bootstackoverflow", 0);
    }

    // Lab 4: find and start the other CPUs. They wait for the big kernel
    // lock, which this CPU holds until it first enters user mode.
    crate::mpconfig::mp_init();
    crate::lapic::lapic_init();
    crate::picirq::pic_init();
    let mut bkl = crate::bkl::lock_kernel();
    crate::env::env_init(&mut bkl);
    crate::mpconfig::boot_aps(mp_main);

    let line = cmdline();
    let programs = line.programs();
    if programs.is_empty() {
        loop {
            crate::monitor::monitor(Some(&mut bkl), None);
        }
    }
    crate::programs::create_envs(&mut bkl, programs);
    crate::sched::sched_yield(bkl)
}

/// Where each application processor lands once mpconfig's boot code has
/// put it in protected mode with paging on and its own kernel stack.
pub extern "C" fn mp_main() -> ! {
    // SAFETY: boot/mpentry.S starts each AP with `cli`; only sched_halt
    // turns interrupts on, after this function has handed the CPU over.
    let irq = unsafe { IrqOff::new() };
    crate::lapic::lapic_init();
    cprintf!("SMP: CPU %d starting\n", crate::lapic::cpunum());
    crate::trap::trap_init_percpu(&irq);
    crate::fpu::init_percpu();
    thiscpu(&irq).status.set(CPU_STARTED);
    crate::mpconfig::ap_started();
    crate::sched::sched_yield(crate::bkl::lock_kernel())
}

extern "C" {
    /// The lowest byte of the `.bss` boot stack (boot/entry.S).
    static bootstack: u8;
}

/// The boot stack has no guard page (it is in use before there are page
/// tables to leave one out), so its lowest page is a tripwire instead:
/// `.bss` starts zeroed, and `i386_boot` must not have written it.
fn check_boot_stack_depth() {
    // SAFETY: the boot stack's lowest page is in `.bss`, mapped and no
    // longer used by anyone: this CPU has left that stack for good.
    let low_page = unsafe {
        core::slice::from_raw_parts(
            core::ptr::addr_of!(bootstack).cast::<u32>(),
            inc::memlayout::PGSIZE as usize / 4,
        )
    };
    if crate::x86::first_nonzero(low_page) != low_page.len() {
        panic!("the boot stack grew into its lowest page during i386_boot: make KSTKSIZE larger");
    }
}

/// Reads virtual address 0, which the kernel never maps: the page-fault
/// handler must panic naming the address (command-line word `kfault`).
#[inline(never)]
fn kernel_fault_on_purpose() {
    cprintf!("kfault: reading va 0 in the kernel\n");
    // SAFETY: deliberately unsound: nothing is mapped at 0, so this traps
    // and the page-fault handler panics; the read never completes.
    let v = unsafe { core::ptr::read_volatile(core::ptr::null::<u32>()) };
    cprintf!("kfault: read %08x: the kernel did not fault!\n", v);
}

/// Recurses `x` levels, then backtraces. `extern "C"` keeps `x` on the
/// stack where the backtrace shows it as the first argument.
#[inline(never)]
#[no_mangle] // external, so `x` stays where the C calling convention puts it
pub extern "C" fn test_backtrace(x: i32) {
    cprintf!("entering test_backtrace %d\n", x);
    if x > 0 {
        test_backtrace(x - 1);
    } else {
        crate::monitor::mon_backtrace(0, core::ptr::null(), core::ptr::null_mut());
    }
    cprintf!("leaving test_backtrace %d\n", x);
}

/// Called by the panic handler after it printed the message.
pub fn after_panic() -> ! {
    crate::monitor::mon_backtrace(0, core::ptr::null(), core::ptr::null_mut());
    if cmdline().autoexit {
        crate::x86::qemu_exit(1);
    }
    loop {
        crate::monitor::monitor(None, None);
    }
}

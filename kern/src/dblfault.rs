//! Double faults get their own task, so that they can be reported.
//!
//! A kernel stack that overflows runs into the unmapped KSTKGAP guard below
//! it; the page fault that follows cannot push its frame on the same stack,
//! which is a double fault, and a double fault delivered on that stack
//! again would be a triple fault: a silent reset. So vector 8 of each CPU's
//! IDT is a task gate to that CPU's double-fault TSS: the CPU saves its
//! registers into its own TSS and starts `double_fault` on a fresh stack,
//! which panics naming the CPU, the guard page and the eip.

use crate::bkl::PerCpuCell;
use crate::gdt::TaskState;
use crate::pmap;
use inc::memlayout::{NCPU, PGSIZE};

const STACK_SIZE: usize = PGSIZE as usize;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

static STACKS: PerCpuCell<[Stack; NCPU]> =
    PerCpuCell::new([const { Stack([0; STACK_SIZE]) }; NCPU]);
static TSS: PerCpuCell<[TaskState; NCPU]> = PerCpuCell::new([const { TaskState::new() }; NCPU]);

/// Fills in CPU `cpu`'s double-fault TSS; returns it for the GDT.
pub fn prepare(cpu: usize) -> *const TaskState {
    // SAFETY: in bounds; only a pointer to the end of this CPU's stack.
    let top = unsafe { STACKS.as_ptr().cast::<Stack>().add(cpu + 1) } as u32;
    let task = TaskState::kernel_task(
        double_fault as extern "C" fn() -> ! as usize as u32,
        top,
        pmap::kern_pgdir().pa().0,
    );
    // SAFETY: slot `cpu` is written only by CPU `cpu`, at its start, before
    // any double fault can use it.
    unsafe {
        let slot = TSS.as_ptr().cast::<TaskState>().add(cpu);
        slot.write(task);
        slot
    }
}

/// The double-fault task. The CPU pushed an error code (always 0) where a
/// return address would be; there is nothing to return to.
extern "C" fn double_fault() -> ! {
    let cpu = crate::cpu::cpu_id();
    let (eip, esp) = crate::cpu::interrupted_at(cpu);
    cprintf!("double fault on CPU %d, in:\n", cpu);
    crate::monitor::print_eip_info(eip, &crate::kdebug::debuginfo_eip(eip));
    match pmap::kstack_guard_of(esp) {
        Some(owner) => {
            let (lo, hi) = pmap::kstack_guard(owner);
            panic!(
                "double fault on CPU {}: kernel stack overflow into the guard page of CPU {}'s stack [{:08x}, {:08x}) at esp {:08x}, eip {:08x}",
                cpu, owner, lo, hi, esp, eip
            )
        }
        None => panic!(
            "double fault on CPU {} at eip {:08x}, esp {:08x}",
            cpu, eip, esp
        ),
    }
}

/// Recurses with a 1 KB frame until this CPU's kernel stack runs into its
/// guard page (command-line words `kstackoverflow`, on the first trap from
/// user mode, and `bootstackoverflow`, in `i386_init`): the double fault
/// that follows must be reported by [`double_fault`]. `why` names the word.
#[inline(never)]
pub fn overflow_kernel_stack_on_purpose(why: &str, depth: u32) -> u32 {
    if depth == 0 {
        cprintf!(
            "%s: recursing in the kernel on CPU %d\n",
            why,
            crate::cpu::cpu_id()
        );
    }
    let frame = core::hint::black_box([depth; 256]);
    if core::hint::black_box(depth) < u32::MAX {
        overflow_kernel_stack_on_purpose(why, depth + 1).wrapping_add(frame[3])
    } else {
        frame[0]
    }
}

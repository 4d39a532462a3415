//! The few unprivileged x86 instructions user programs need directly.

use core::arch::asm;
use core::sync::atomic::{AtomicU8, Ordering};

/// The time-stamp counter. Under QEMU with `-icount shift=0` it counts
/// guest instructions, which makes benchmark figures repeatable.
#[inline(always)]
pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: rdtsc only reads the counter into edx:eax (the kernel leaves
    // CR4.TSD clear, so it is allowed at CPL 3).
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// A hint for spin-wait loops.
#[inline(always)]
pub fn pause() {
    core::hint::spin_loop();
}

/// CPUID.01H:EDX.SEP, the bit that says `sysenter`/`sysexit` exist.
const CPUID_EDX_SEP: u32 = 1 << 11;

const SEP_UNKNOWN: u8 = 0;
const SEP_ABSENT: u8 = 1;
const SEP_PRESENT: u8 = 2;
static SEP: AtomicU8 = AtomicU8::new(SEP_UNKNOWN);

/// Whether the CPU supports `sysenter`; asks CPUID once and remembers.
pub fn has_sysenter() -> bool {
    if SEP.load(Ordering::Relaxed) == SEP_UNKNOWN {
        // CPUID leaf 1 exists on every CPU this kernel runs on (it needs a
        // local APIC, so at least a Pentium).
        let leaf1 = core::arch::x86::__cpuid(1);
        let sep = leaf1.edx & CPUID_EDX_SEP != 0;
        SEP.store(
            if sep { SEP_PRESENT } else { SEP_ABSENT },
            Ordering::Relaxed,
        );
    }
    SEP.load(Ordering::Relaxed) == SEP_PRESENT
}

/// The index of the first nonzero word of the `n` words at `words`, or `n`
/// if all are zero, with one `repe scasl` (a page table is mostly zeros;
/// fork scans whole ones). The direction flag is clear, as the ABI
/// guarantees.
///
/// # Safety
/// The `n` words from `words` must be readable (a raw pointer, not a
/// reference: the kernel may change them between calls).
pub unsafe fn first_nonzero(words: *const u32, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let left: usize;
    let found: u8;
    // SAFETY: scasl only reads the n words the caller vouched for.
    unsafe {
        asm!("repe scasl", "setne {found}",
             found = out(reg_byte) found,
             inout("edi") words => _, inout("ecx") n => left, in("eax") 0u32,
             options(att_syntax, nostack, readonly))
    };
    // The scan stops one word past the nonzero one it found.
    if found != 0 {
        n - left - 1
    } else {
        n
    }
}

/// Copies `n` words from `src` to `dst` with one `rep movsl` (a page is
/// 1024 iterations, where `memcpy` costs about four instructions a word).
/// esi is reserved by the compiler, so it is swapped in and out.
///
/// # Safety
/// Both ranges must be 4-aligned, valid for `n` words and disjoint.
pub unsafe fn copy_words(dst: *mut u32, src: *const u32, n: usize) {
    // SAFETY: rep movsl touches only the two ranges the caller vouched for.
    unsafe {
        asm!("xchgl {src}, %esi", "rep movsl", "xchgl {src}, %esi",
             src = inout(reg) src => _, inout("edi") dst => _, inout("ecx") n => _,
             options(att_syntax, nostack, preserves_flags))
    };
}

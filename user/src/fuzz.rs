//! What the fuzzers (syscallfuzz, pgfaultfuzz, fsfuzz) and the kill tests
//! (fskill, mmapkill) share: a deterministic random generator, raw
//! system-call entries that take any registers and flags, the parent's loop
//! that waits for a fuzzing child to die, and when to kill a child.
//!
//! Included by each fuzzer with `#[path = "../fuzz.rs"] mod fuzz;`.
#![allow(dead_code)] // each fuzzer uses a different part

use core::arch::asm;
use inc::env::{envx, EnvId, ENV_FREE, ENV_NOT_RUNNABLE, ENV_RUNNABLE, ENV_RUNNING};
use jos::{cprintf, envs, sys_env_destroy, sys_env_set_status, sys_time_msec, sys_yield};

/// xorshift32 (Marsaglia): tiny, deterministic for a given seed.
pub struct Rng(pub u32);

impl Rng {
    pub fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }

    /// True once in `n` times on average.
    pub fn one_in(&mut self, n: u32) -> bool {
        self.below(n) == 0
    }

    pub fn pick(&mut self, set: &[u32]) -> u32 {
        set[self.below(set.len() as u32) as usize]
    }
}

/// EFLAGS bits a user can set with `popfd` and that the kernel must cope
/// with on entry: CF PF AF ZF SF DF OF, NT (0x4000) and AC (0x40000). TF is
/// left out: a single step from user mode stops the kernel in its monitor.
pub const FL_FUZZABLE: u32 = 0x0004_4CD5;
/// The flags a fuzzer runs with between calls: just the always-one bit.
const FL_PLAIN: u32 = 0x2;

/// One system call's registers.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct RawCall {
    pub num: u32,
    pub args: [u32; 5],
    /// EFLAGS in effect at the `int`/`sysenter` (only FL_FUZZABLE bits).
    pub flags: u32,
}

/// Enters the kernel with `int $0x30`, with every register and the
/// arithmetic/NT/AC flags as `call` says. Returns eax.
pub fn int30(call: &RawCall) -> i32 {
    let ret: i32;
    // SAFETY: a system call; the kernel preserves every register but eax.
    // esi (reserved by the compiler) is saved around it, and the flags are
    // reset to plain ones before Rust code runs again (DF clear, AC off).
    unsafe {
        asm!(
            "push esi",
            "push dword ptr [eax + 24]",
            "mov edx, [eax + 4]",
            "mov ecx, [eax + 8]",
            "mov ebx, [eax + 12]",
            "mov edi, [eax + 16]",
            "mov esi, [eax + 20]",
            "mov eax, [eax]",
            "popfd",
            "int 0x30",
            "push {plain}",
            "popfd",
            "pop esi",
            plain = const FL_PLAIN,
            inout("eax") call as *const RawCall => ret,
            out("edx") _,
            out("ecx") _,
            out("ebx") _,
            out("edi") _,
        );
    }
    ret
}

/// Enters the kernel with `sysenter` (first four arguments only), flags as
/// for [`int30`]. Returns eax.
pub fn sysenter(call: &RawCall) -> i32 {
    let ret: i32;
    // SAFETY: the kernel's sysexit resumes at label 2 with esp = ebp, the
    // stack pointer at the sysenter; ebp and esi are saved there and
    // restored, and the flags reset before Rust code runs again.
    unsafe {
        asm!(
            "push ebp",
            "push esi",
            "push dword ptr [eax + 24]",
            "mov edx, [eax + 4]",
            "mov ecx, [eax + 8]",
            "mov ebx, [eax + 12]",
            "mov edi, [eax + 16]",
            "mov eax, [eax]",
            "popfd",
            "mov ebp, esp",
            "lea esi, [2f]",
            "sysenter",
            "2:",
            "push {plain}",
            "popfd",
            "pop esi",
            "pop ebp",
            plain = const FL_PLAIN,
            inout("eax") call as *const RawCall => ret,
            out("edx") _,
            out("ecx") _,
            out("ebx") _,
            out("edi") _,
        );
    }
    ret
}

/// `sys_exofork` whose child, should it ever run (a parent can map our
/// text into it and make it runnable), destroys itself at once without
/// touching memory. Returns the child's id or an error.
pub fn exofork_selfdestructing() -> i32 {
    let ret: i32;
    // SAFETY: a system call; in the new env (eax = 0) the code that follows
    // is `sys_env_destroy(0)`, which does not return.
    unsafe {
        asm!(
            "int 0x30",
            "test eax, eax",
            "jnz 2f",
            "mov eax, 3",
            "xor edx, edx",
            "int 0x30",
            "ud2",
            "2:",
            inout("eax") inc::syscall::Syscall::Exofork as u32 => ret,
            out("edx") _,
        );
    }
    ret
}

/// What the parent does for a child that is stuck in the kernel.
pub trait Nudge {
    /// The child waits in ipc_recv (NOT_RUNNABLE, recving).
    fn wake_receiver(&mut self, child: EnvId, dstva: u32);
}

/// How a waited-for child ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It died (destroyed itself, or the kernel destroyed it).
    Died,
    /// It made no progress for too long and the parent destroyed it.
    Stalled,
}

/// How long a child may go without progress before it is destroyed: far
/// longer than any call takes, short enough to keep a run brief.
const STALL_MS: u32 = 3000;

/// Waits, yielding, until `child` is gone. `progress()` is a counter the
/// child bumps as it works. A child blocked in the kernel is woken (set
/// RUNNABLE, or sent a message if it waits in ipc_recv); a runnable one is
/// now and then stopped and restarted, to race status changes against it
/// running on another CPU. A child without progress for STALL_MS is
/// destroyed.
pub fn wait_for_child(
    child: EnvId,
    rng: &mut Rng,
    nudge: &mut dyn Nudge,
    progress: &dyn Fn() -> u32,
) -> Ending {
    let mut seen = progress();
    let mut since = now_ms();
    loop {
        let e = envs(envx(child));
        if e.env_id != child || e.env_status == ENV_FREE {
            return Ending::Died;
        }
        match e.env_status {
            ENV_NOT_RUNNABLE if e.env_ipc_recving => nudge.wake_receiver(child, e.env_ipc_dstva),
            ENV_NOT_RUNNABLE => {
                let _ = sys_env_set_status(child, ENV_RUNNABLE);
            }
            ENV_RUNNABLE | ENV_RUNNING if rng.one_in(4) => {
                let _ = sys_env_set_status(child, ENV_NOT_RUNNABLE);
                let _ = sys_env_set_status(child, ENV_RUNNABLE);
            }
            _ => {}
        }
        let now = now_ms();
        if progress() != seen {
            seen = progress();
            since = now;
        } else if now.wrapping_sub(since) > STALL_MS {
            cprintf!(
                "fuzz: child %08x stalled (status %d, eip %08x), destroying it\n",
                child,
                e.env_status,
                e.env_tf.eip
            );
            let _ = sys_env_destroy(child);
            return Ending::Stalled;
        }
        sys_yield();
    }
}

/// Milliseconds since boot; 0 until the timer has ticked once.
/// The kernel's clock in ms (0 if it reports an error).
pub fn now_ms() -> u32 {
    let t = sys_time_msec() as i32;
    t.max(0) as u32
}

/// Yields before killing `child`: half the time a random few, wherever the
/// child is; the other half until `caught(child)` (at most `patience`
/// yields), so that a test counting the kills that caught the child in the
/// act does not depend on how the scheduler happened to run.
pub fn yield_before_kill(
    rng: &mut Rng,
    child: EnvId,
    patience: u32,
    caught: impl Fn(EnvId) -> bool,
) {
    if rng.one_in(2) {
        for _ in 0..patience {
            if caught(child) {
                return;
            }
            sys_yield();
        }
    } else {
        for _ in 0..1 + rng.below(40) {
            sys_yield();
        }
    }
}

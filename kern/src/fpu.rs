//! Floating point: every env has its own x87/SSE registers.
//!
//! The kernel is built soft-float and never uses the FPU, so the registers
//! only ever hold user state. Each env owns a 512-byte `fxsave` image in
//! [`machine::AREAS`], a kernel array parallel to the env table (`Env`
//! keeps JOS's 124-byte layout). A new env starts from [`FxState::CLEAN`]
//! (what `fninit` leaves, with SSE's reset MXCSR); `sys_exofork` copies the
//! parent's registers like its other registers. Neither copy is made while
//! the env has not touched the FPU (`UNTOUCHED`).
//!
//! Switching is lazy: entering an env sets CR0.TS unless this CPU's
//! registers already hold that env's state, and the env's first FPU or SSE
//! instruction then traps (#NM, [`machine::device_not_available`]), which
//! loads its image and clears TS. Programs that never touch the FPU (every
//! Rust program) cost nothing but a comparison per switch. A CPU saves the
//! state it holds before it runs another env or halts, always under the big
//! kernel lock, so an env's live state never stays behind in another CPU's
//! registers when that env runs elsewhere (docs/lab4.md, "Floating point").

/// An `fxsave` image (Intel SDM vol. 1, 10.5.1, table 10-2).
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct FxState(pub [u8; 512]);

/// Offsets of the fields the kernel sets, and their values after reset.
pub const FX_FCW: usize = 0;
#[cfg(test)]
pub const FX_FTW: usize = 4;
pub const FX_MXCSR: usize = 24;
/// x87 control word after `fninit`: every exception masked, 64-bit
/// precision, round to nearest.
pub const FCW_DEFAULT: u16 = 0x037F;
/// MXCSR after reset: every SSE exception masked, round to nearest.
pub const MXCSR_DEFAULT: u32 = 0x1F80;

impl FxState {
    pub const ZERO: FxState = FxState([0; 512]);

    /// A freshly initialised FPU: default control words, empty x87 stack
    /// (abridged tag word 0 = all empty), every data register zero.
    pub const CLEAN: FxState = {
        let mut b = [0u8; 512];
        let fcw = FCW_DEFAULT.to_le_bytes();
        b[FX_FCW] = fcw[0];
        b[FX_FCW + 1] = fcw[1];
        let mxcsr = MXCSR_DEFAULT.to_le_bytes();
        let mut i = 0;
        while i < 4 {
            b[FX_MXCSR + i] = mxcsr[i];
            i += 1;
        }
        FxState(b)
    };
}

/// What a CPU must do with its registers before it enters env `next`
/// (`None`: it will halt), given the env whose state they hold (`owner`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// They already hold `next`'s state: leave TS clear.
    Keep,
    /// Save them into this env's image, then set TS.
    SaveAndTrap(usize),
    /// They hold nobody's state and TS is set: nothing to do.
    Nothing,
}

pub fn switch_action(owner: Option<usize>, next: Option<usize>) -> Switch {
    match owner {
        Some(o) if Some(o) == next => Switch::Keep,
        Some(o) => Switch::SaveAndTrap(o),
        None => Switch::Nothing,
    }
}

#[cfg(target_os = "none")]
pub use self::machine::*;

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::bkl::{Bkl, BklCell};
    use crate::x86;
    use inc::env::NENV;
    use inc::memlayout::NCPU;
    use inc::mmu::{CR0_EM, CR0_MP, CR0_NE, CR0_TS, CR4_OSFXSR, CR4_OSXMMEXCPT};

    /// Every env's saved registers, indexed like the env table (in .bss).
    /// An env whose `UNTOUCHED` flag is set has a stale image here.
    static AREAS: BklCell<[FxState; NENV]> = BklCell::new([FxState::ZERO; NENV]);

    /// Per env: its registers are still [`FxState::CLEAN`], and its image
    /// in AREAS has not been written yet. A new env's image is only filled
    /// at its first FPU instruction (`load_image`), and an exofork child of
    /// an env that never touched the FPU just inherits the flag: most envs
    /// never touch it, and the two 512-byte copies cost 256 instructions
    /// per exofork (issue 11).
    static UNTOUCHED: BklCell<[bool; NENV]> = BklCell::new([false; NENV]);

    /// Per CPU, the env slot whose state its registers hold (TS is clear),
    /// or NO_OWNER (TS is set).
    static OWNER: BklCell<[usize; NCPU]> = BklCell::new([NO_OWNER; NCPU]);
    const NO_OWNER: usize = usize::MAX;

    fn owner(bkl: &mut Bkl, cpu: usize) -> Option<usize> {
        Some(OWNER.get(bkl)[cpu]).filter(|&o| o != NO_OWNER)
    }

    const CPUID_1_EDX_FXSR: u32 = 1 << 24;
    const CPUID_1_EDX_SSE2: u32 = 1 << 26;

    /// Sets up this CPU: no emulation (EM off), WAIT obeys TS (MP), x87
    /// errors as #MF rather than the old IRQ 13 (NE), fxsave/SSE allowed
    /// with unmasked SSE errors as #XM (OSFXSR, OSXMMEXCPT), and TS set
    /// because no env's state is loaded yet.
    pub fn init_percpu() {
        let edx = x86::cpuid(1).3;
        assert!(
            edx & CPUID_1_EDX_FXSR != 0 && edx & CPUID_1_EDX_SSE2 != 0,
            "this CPU has no fxsave or no SSE2"
        );
        // SAFETY: only FPU bits change; paging and protection stay on.
        unsafe {
            x86::lcr4(x86::rcr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
            x86::lcr0((x86::rcr0() | CR0_MP | CR0_NE | CR0_TS) & !CR0_EM);
        }
    }

    /// A new env in slot `e` starts from a clean FPU.
    pub fn env_alloc(bkl: &mut Bkl, e: usize) {
        UNTOUCHED.get(bkl)[e] = true;
    }

    /// Copies a whole image with one `rep movsl`: an assignment compiles to
    /// a call of the generic memcpy, which took about 800 instructions for
    /// these 512 bytes, twice per exofork (issue 11).
    fn copy_image(dst: &mut FxState, src: &FxState) {
        const WORDS: usize = core::mem::size_of::<FxState>() / 4;
        // SAFETY: a &mut and a & never overlap; each is one 16-aligned
        // 512-byte image, WORDS words.
        unsafe { x86::copy_words(dst.0.as_mut_ptr().cast(), src.0.as_ptr().cast(), WORDS) }
    }

    /// `child` (just made by exofork) gets a copy of `parent`'s registers,
    /// from this CPU's registers if they hold them.
    pub fn fork(bkl: &mut Bkl, cpu: usize, parent: usize, child: usize) {
        let holds_parent = owner(bkl, cpu) == Some(parent);
        let untouched = UNTOUCHED.get(bkl);
        untouched[child] = untouched[parent] && !holds_parent;
        if untouched[child] {
            return; // both still clean: nothing to copy
        }
        let areas = AREAS.get(bkl);
        if holds_parent {
            x86::fxsave(&mut areas[child]);
        } else {
            let [child, parent] = areas
                .get_disjoint_mut([child, parent])
                .expect("exofork's child is another slot");
            copy_image(child, parent);
        }
    }

    /// Env `e` is being freed: if this CPU holds its state, forget it (the
    /// next env to touch the FPU loads its own).
    pub fn env_free(bkl: &mut Bkl, cpu: usize, e: usize) {
        if owner(bkl, cpu) == Some(e) {
            OWNER.get(bkl)[cpu] = NO_OWNER;
            set_ts();
        }
    }

    /// This CPU is about to enter env `next` (`None`: halt). Inlined into
    /// env_run: while no env here uses the FPU it costs one comparison.
    #[inline(always)]
    pub fn switch_to(bkl: &mut Bkl, cpu: usize, next: Option<usize>) {
        if OWNER.get(bkl)[cpu] != NO_OWNER {
            leave_owner(bkl, cpu, next);
        }
    }

    #[cold]
    #[inline(never)]
    fn leave_owner(bkl: &mut Bkl, cpu: usize, next: Option<usize>) {
        if let Switch::SaveAndTrap(old) = switch_action(owner(bkl, cpu), next) {
            x86::fxsave(&mut AREAS.get(bkl)[old]);
            OWNER.get(bkl)[cpu] = NO_OWNER;
            set_ts();
        }
    }

    /// #NM from user mode: env `e` used the FPU with TS set. Load its state
    /// into the registers and let the instruction run again.
    pub fn device_not_available(bkl: &mut Bkl, cpu: usize, e: usize) {
        switch_to(bkl, cpu, Some(e)); // saves a previous owner, if any
        x86::clts();
        x86::fxrstor(load_image(bkl, e));
        OWNER.get(bkl)[cpu] = e;
    }

    /// Env `e`'s image, first filled with the clean state if it was never
    /// written (see UNTOUCHED).
    fn load_image(bkl: &mut Bkl, e: usize) -> &FxState {
        let untouched = core::mem::take(&mut UNTOUCHED.get(bkl)[e]);
        let image = &mut AREAS.get(bkl)[e];
        if untouched {
            copy_image(image, &FxState::CLEAN);
        }
        image
    }

    fn set_ts() {
        // SAFETY: only TS changes.
        unsafe { x86::lcr0(x86::rcr0() | CR0_TS) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_image_is_fninit_with_default_mxcsr() {
        let b = &FxState::CLEAN.0;
        assert_eq!(u16::from_le_bytes([b[FX_FCW], b[FX_FCW + 1]]), 0x037F);
        assert_eq!(b[FX_FTW], 0, "abridged tag word: every register empty");
        let mxcsr = u32::from_le_bytes(b[FX_MXCSR..FX_MXCSR + 4].try_into().unwrap());
        assert_eq!(mxcsr, 0x1F80);
        let set: Vec<usize> = (0..512).filter(|&i| b[i] != 0).collect();
        assert_eq!(set, vec![0, 1, 24, 25], "everything else is zero");
        assert_eq!(core::mem::align_of::<FxState>(), 16);
        assert_eq!(core::mem::size_of::<FxState>(), 512);
    }

    #[test]
    fn a_cpu_saves_only_when_it_leaves_the_owner() {
        assert_eq!(switch_action(Some(3), Some(3)), Switch::Keep);
        assert_eq!(switch_action(Some(3), Some(4)), Switch::SaveAndTrap(3));
        assert_eq!(switch_action(Some(3), None), Switch::SaveAndTrap(3));
        assert_eq!(switch_action(None, Some(3)), Switch::Nothing);
        assert_eq!(switch_action(None, None), Switch::Nothing);
    }
}

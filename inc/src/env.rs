//! The `Env` structure (mapped read-only at UENVS) and envid arithmetic.

use crate::trap::Trapframe;

pub const LOG2NENV: u32 = 10;
pub const NENV: usize = 1 << LOG2NENV;

pub type EnvId = i32;

/// Slot index of an envid.
pub const fn envx(id: EnvId) -> usize {
    (id as u32 as usize) & (NENV - 1)
}

/// The id slot `slot` gets when it is (re)used after holding `old_id`:
/// the generation goes up by one, and never yields zero or a negative id.
pub const fn next_envid(old_id: EnvId, slot: usize) -> EnvId {
    let mut generation = old_id.wrapping_add(1 << (LOG2NENV + 2)) & !(NENV as i32 - 1);
    if generation <= 0 {
        generation = 1 << (LOG2NENV + 2);
    }
    generation | slot as i32
}

pub const ENV_FREE: u32 = 0;
pub const ENV_DYING: u32 = 1;
pub const ENV_RUNNABLE: u32 = 2;
pub const ENV_RUNNING: u32 = 3;
pub const ENV_NOT_RUNNABLE: u32 = 4;

pub const ENV_TYPE_USER: u32 = 0;
pub const ENV_TYPE_FS: u32 = 1;
pub const ENV_TYPE_NS: u32 = 2;

/// One environment, laid out exactly like JOS's `struct Env` (124 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Env {
    pub env_tf: Trapframe,
    /// Kernel address of the next free Env (0 = none): only the kernel reads it.
    pub env_link: u32,
    pub env_id: EnvId,
    pub env_parent_id: EnvId,
    pub env_type: u32,
    pub env_status: u32,
    pub env_runs: u32,
    pub env_cpunum: i32,
    /// Kernel virtual address of the page directory.
    pub env_pgdir: u32,
    pub env_pgfault_upcall: u32,
    pub env_ipc_recving: bool,
    pub env_ipc_dstva: u32,
    pub env_ipc_value: u32,
    pub env_ipc_from: EnvId,
    pub env_ipc_perm: u32,
}

/// Memory accounting for one env (issue 9): RJOS's addition, kept out of
/// `Env` so that JOS's 124-byte layout stays. The kernel keeps one per env
/// slot in an array user space reads at [`UENVMEM`](crate::memlayout::UENVMEM),
/// indexed like `envs` (by `envx(envid)`), and changes it only through
/// page mappings and `sys_env_set_quota`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct EnvMem {
    /// Pages mapped below UTOP now: one per present page-table entry, so
    /// a frame mapped twice (or shared with another env, or the zero
    /// page) counts each time. Page tables are not counted.
    pub em_pages: u32,
    /// At most this many pages (`em_pages` never grows past it: a mapping
    /// that would add one more gets -E_NO_MEM). [`NO_QUOTA`] for none.
    pub em_quota: u32,
}

/// `em_quota` of an env without a quota.
pub const NO_QUOTA: u32 = 0;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn envmem_layout() {
        assert_eq!(size_of::<EnvMem>(), 8);
        assert_eq!(offset_of!(EnvMem, em_quota), 4);
    }

    #[test]
    fn env_layout_matches_jos() {
        assert_eq!(size_of::<Env>(), 124);
        assert_eq!(offset_of!(Env, env_link), 68);
        assert_eq!(offset_of!(Env, env_id), 72);
        assert_eq!(offset_of!(Env, env_parent_id), 76);
        assert_eq!(offset_of!(Env, env_type), 80);
        assert_eq!(offset_of!(Env, env_status), 84);
        assert_eq!(offset_of!(Env, env_runs), 88);
        assert_eq!(offset_of!(Env, env_cpunum), 92);
        assert_eq!(offset_of!(Env, env_pgdir), 96);
        assert_eq!(offset_of!(Env, env_pgfault_upcall), 100);
        assert_eq!(offset_of!(Env, env_ipc_recving), 104);
        assert_eq!(offset_of!(Env, env_ipc_dstva), 108);
        assert_eq!(offset_of!(Env, env_ipc_value), 112);
        assert_eq!(offset_of!(Env, env_ipc_from), 116);
        assert_eq!(offset_of!(Env, env_ipc_perm), 120);
    }

    #[test]
    fn envid_generations() {
        assert_eq!(next_envid(0, 0), 0x1000);
        assert_eq!(next_envid(0, 5), 0x1005);
        assert_eq!(next_envid(0x1005, 5), 0x2005);
        assert_eq!(envx(0x2005), 5);
        // Wrapping past i32::MAX starts over at generation one.
        assert_eq!(next_envid(0x7FFF_F3FF, 0x3FF), 0x13FF);
    }
}

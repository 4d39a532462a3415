//! TLB consistency across CPUs: when may a frame unmapped from an address
//! space that another CPU is running be handed out again?
//!
//! `invlpg` only drops the entry from this CPU's TLB. Another CPU that has
//! the same page directory loaded keeps its entry, and its env can go on
//! reading and writing the old frame until that CPU next loads CR3. So a
//! frame must not be reused before every such CPU has reloaded CR3.
//!
//! The tracker counts CR3 loads per CPU (its "epoch") and remembers which
//! directory each CPU has loaded. Unmapping from a directory loaded on
//! another CPU raises that CPU's `need`: it must reach the epoch after its
//! current one. While some CPU is below its `need`, frames whose last
//! reference drops wait in limbo (`frames.rs`) with a snapshot of `need`,
//! and go back to the free list once every CPU has caught up. No CPU ever
//! waits for another: the one behind reloads CR3 when it next switches envs
//! (`env_run`), at the latest on its next timer tick (which goes through
//! the scheduler and `env_run` even back to the same env), or when it
//! halts. A return from a system call or fault to the env that made it
//! skips the reload (trap.rs `resume_same_env`, the `sysenter` path). Everything here sits under the pmap lock; it is pure data.

use crate::addr::PhysAddr;
use inc::memlayout::NCPU;

/// A CR3 load count for each CPU (u64: never wraps).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Epochs(pub [u64; NCPU]);

impl Epochs {
    /// Each CPU's larger count of the two.
    pub fn max(self, other: Epochs) -> Epochs {
        let mut out = self;
        for (o, b) in out.0.iter_mut().zip(other.0) {
            *o = (*o).max(b);
        }
        out
    }
}

/// A set of CPUs, bit `cpu` for CPU `cpu`.
type CpuSet = u32;

const _: () = assert!(NCPU <= CpuSet::BITS as usize);

const fn cpu_bit(cpu: usize) -> CpuSet {
    1 << cpu
}

/// Which page directory each CPU has loaded, and how often each has
/// loaded CR3.
///
/// Two sets let the common cases skip a loop over all NCPU slots (issue
/// 11: every changed mapping and every freed frame asks): `recorded`, the
/// CPUs that have loaded any directory (only those can have this one), and
/// `behind`, the CPUs below their `need` (none: nothing is pending).
#[derive(Clone, Debug, Default)]
pub struct TlbTracker {
    /// Physical address of the directory in each CPU's CR3 (0: not yet
    /// recorded, which only happens before a CPU's first env).
    loaded: [PhysAddr; NCPU],
    /// CR3 loads so far on each CPU.
    epoch: Epochs,
    /// The epoch each CPU must reach before its TLB is known to hold no
    /// entry for a mapping removed behind its back.
    need: Epochs,
    /// CPUs whose `loaded` has been set (the others hold 0, no directory).
    recorded: CpuSet,
    /// CPUs with `epoch < need`: exactly those `pending` waits for.
    behind: CpuSet,
}

impl TlbTracker {
    pub const fn new() -> TlbTracker {
        TlbTracker {
            loaded: [PhysAddr(0); NCPU],
            epoch: Epochs([0; NCPU]),
            need: Epochs([0; NCPU]),
            recorded: 0,
            behind: 0,
        }
    }

    /// CPU `cpu` has just loaded the directory at `pgdir_pa` into CR3,
    /// which emptied its TLB (RJOS uses no global pages).
    pub fn cr3_loaded(&mut self, cpu: usize, pgdir_pa: PhysAddr) {
        self.epoch.0[cpu] += 1;
        self.loaded[cpu] = pgdir_pa;
        // A `need` is at most one past the epoch it was set at, so one load
        // always reaches it.
        self.recorded |= cpu_bit(cpu);
        self.behind &= !cpu_bit(cpu);
    }

    /// Whether CPU `cpu` must load CR3 to run the directory at `pgdir_pa`:
    /// it has another one loaded, or its TLB may still hold an entry some
    /// other CPU removed from this one (it is behind its `need`). If not,
    /// its TLB is as good as fresh and the reload can be skipped.
    pub fn must_reload(&self, cpu: usize, pgdir_pa: PhysAddr) -> bool {
        self.loaded[cpu] != pgdir_pa || self.behind & cpu_bit(cpu) != 0
    }

    /// CPU `me` removed or replaced a mapping in the directory at
    /// `pgdir_pa` (and invalidated its own TLB entry). Every other CPU that
    /// has that directory loaded may still hold the old entry.
    pub fn unmapped(&mut self, me: usize, pgdir_pa: PhysAddr) {
        let mut others = self.recorded & !cpu_bit(me);
        while others != 0 {
            let cpu = others.trailing_zeros() as usize;
            others &= others - 1;
            if self.loaded[cpu] == pgdir_pa {
                self.need.0[cpu] = self.epoch.0[cpu] + 1;
                self.behind |= cpu_bit(cpu);
            }
        }
    }

    /// `None` if no CPU can hold a stale entry, so a frame freed now may go
    /// straight to the free list; otherwise the epochs to wait for. The
    /// same answer as asking whether every CPU has `reached` its `need`.
    pub fn pending(&self) -> Option<Epochs> {
        (self.behind != 0).then_some(self.need)
    }

    /// Has every CPU loaded CR3 at least as often as `wait` says?
    pub fn reached(&self, wait: &Epochs) -> bool {
        self.epoch
            .0
            .iter()
            .zip(wait.0)
            .all(|(&now, want)| now >= want)
    }

    /// Is the directory at `pgdir_pa` in some CPU's CR3 other than `me`'s?
    pub fn loaded_elsewhere(&self, me: usize, pgdir_pa: PhysAddr) -> Option<usize> {
        (0..NCPU).find(|&cpu| cpu != me && self.loaded[cpu] == pgdir_pa)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHILD: PhysAddr = PhysAddr(0x5000);
    const KERN: PhysAddr = PhysAddr(0x1000);

    #[test]
    fn reload_only_for_another_directory_or_a_remote_unmap() {
        let mut t = TlbTracker::new();
        assert!(t.must_reload(1, CHILD), "nothing recorded yet");
        t.cr3_loaded(1, CHILD);
        assert!(!t.must_reload(1, CHILD));
        assert!(t.must_reload(1, KERN));
        t.unmapped(1, CHILD); // by CPU 1 itself: its invlpg sufficed
        assert!(!t.must_reload(1, CHILD));
        t.unmapped(0, CHILD); // behind CPU 1's back
        assert!(t.must_reload(1, CHILD));
        t.cr3_loaded(1, CHILD);
        assert!(!t.must_reload(1, CHILD));
    }

    #[test]
    fn nothing_pending_until_a_remote_cpu_runs_the_directory() {
        let mut t = TlbTracker::new();
        assert_eq!(t.pending(), None);
        // Unmapping from a directory only this CPU has loaded: the local
        // invlpg was enough.
        t.cr3_loaded(0, CHILD);
        t.unmapped(0, CHILD);
        assert_eq!(t.pending(), None);
        // Nobody runs it at all.
        t.unmapped(0, PhysAddr(0x9000));
        assert_eq!(t.pending(), None);
    }

    #[test]
    fn a_remote_cpu_must_reload_before_frames_are_reused() {
        let mut t = TlbTracker::new();
        t.cr3_loaded(0, KERN);
        t.cr3_loaded(1, CHILD);
        t.unmapped(0, CHILD);
        let wait = t.pending().expect("CPU 1 may hold the old entry");
        assert_eq!(wait.0[1], 2);
        assert_eq!(wait.0[0], 0, "CPU 0 invalidated its own entry");
        assert_eq!(t.loaded_elsewhere(0, CHILD), Some(1));
        // Other CPUs reloading does not help.
        t.cr3_loaded(0, KERN);
        t.cr3_loaded(2, KERN);
        assert!(!t.reached(&wait));
        // CPU 1 reloads (the same directory: the TLB is flushed all the same).
        t.cr3_loaded(1, CHILD);
        assert!(t.reached(&wait));
        assert_eq!(t.pending(), None);
    }

    #[test]
    fn a_later_unmap_asks_for_a_later_reload() {
        let mut t = TlbTracker::new();
        t.cr3_loaded(1, CHILD);
        t.unmapped(0, CHILD);
        let first = t.pending().unwrap();
        t.cr3_loaded(1, CHILD);
        t.unmapped(0, CHILD);
        let second = t.pending().unwrap();
        assert!(t.reached(&first));
        assert!(!t.reached(&second));
        assert_eq!(first.max(second), second);
        t.cr3_loaded(1, KERN);
        assert!(t.reached(&second));
        assert_eq!(t.loaded_elsewhere(0, CHILD), None);
    }

    /// The sets are only a shortcut: after every step of a long mixed
    /// sequence, `pending` must say what the epochs themselves say.
    #[test]
    fn pending_agrees_with_the_epochs_at_every_step() {
        let dirs = [CHILD, KERN, PhysAddr(0x9000)];
        let mut t = TlbTracker::new();
        let mut seed = 12345u32;
        let mut saw_pending = 0;
        for _ in 0..5000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let cpu = (seed >> 8) as usize % NCPU;
            let dir = dirs[(seed >> 16) as usize % dirs.len()];
            if seed >> 31 == 0 {
                t.cr3_loaded(cpu, dir);
            } else {
                t.unmapped(cpu, dir);
            }
            let behind = !t.reached(&t.need);
            assert_eq!(t.pending().is_some(), behind);
            for c in 0..NCPU {
                let must = t.loaded[c] != dir || t.epoch.0[c] < t.need.0[c];
                assert_eq!(t.must_reload(c, dir), must);
            }
            if let Some(wait) = t.pending() {
                assert_eq!(wait, t.need);
                saw_pending += 1;
            }
            let by_scan = (0..NCPU).find(|&c| c != cpu && t.loaded[c] == dir);
            assert_eq!(t.loaded_elsewhere(cpu, dir), by_scan);
        }
        assert!(saw_pending > 100, "the sequence must exercise both answers");
    }

    #[test]
    fn an_unmap_on_a_cpu_that_never_loaded_a_directory_marks_the_others() {
        let mut t = TlbTracker::new();
        t.cr3_loaded(7, CHILD);
        t.unmapped(0, CHILD);
        assert!(t.must_reload(7, CHILD), "the highest CPU counts too");
        t.cr3_loaded(7, CHILD);
        assert_eq!(t.pending(), None);
    }

    #[test]
    fn every_cpu_running_the_directory_must_reload() {
        let mut t = TlbTracker::new();
        t.cr3_loaded(1, CHILD);
        t.cr3_loaded(3, CHILD);
        t.unmapped(0, CHILD);
        let wait = t.pending().unwrap();
        t.cr3_loaded(1, KERN);
        assert!(!t.reached(&wait));
        t.cr3_loaded(3, KERN);
        assert!(t.reached(&wait));
    }
}

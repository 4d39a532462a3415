//! Round-robin scheduling, and what a CPU does when nothing can run.

use inc::env::{ENV_DYING, ENV_RUNNABLE, ENV_RUNNING, NENV};

const WORD: usize = 32;

/// The set of RUNNABLE env slots, one bit each, so that finding the next
/// one does not walk a table of mostly blocked envs (primes has a thousand).
pub struct RunSet([u32; NENV / WORD]);

impl RunSet {
    pub const fn new() -> RunSet {
        RunSet([0; NENV / WORD])
    }

    pub fn set(&mut self, i: usize, member: bool) {
        let bit = 1 << (i % WORD);
        if member {
            self.0[i / WORD] |= bit;
        } else {
            self.0[i / WORD] &= !bit;
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.0[i / WORD] & 1 << (i % WORD) != 0
    }

    /// The first member at or after `start`, wrapping around the table.
    pub fn next_from(&self, start: usize) -> Option<usize> {
        let start = start % NENV;
        let words = self.0.len();
        let first = start / WORD;
        // The first word's bits from `start` on, then the other words in
        // order, then the first word's bits before `start`.
        let high = self.0[first] & (u32::MAX << (start % WORD));
        let low = self.0[first] & !(u32::MAX << (start % WORD));
        let candidates = core::iter::once((first, high))
            .chain((1..words).map(|k| ((first + k) % words, self.0[(first + k) % words])))
            .chain(core::iter::once((first, low)));
        for (w, bits) in candidates {
            if bits != 0 {
                return Some(w * WORD + bits.trailing_zeros() as usize);
            }
        }
        None
    }
}

impl Default for RunSet {
    fn default() -> Self {
        Self::new()
    }
}

/// The env to run next: the first RUNNABLE one after `cur` (wrapping around
/// the table), else `cur` itself if `cur_still_running`.
pub fn choose_next(
    cur: Option<usize>,
    runnable: &RunSet,
    cur_still_running: bool,
) -> Option<usize> {
    let start = cur.map_or(0, |c| c + 1);
    runnable
        .next_from(start)
        .or(if cur_still_running { cur } else { None })
}

/// Whether an env in `status` still needs a CPU (to run, or to be freed).
pub fn is_alive(status: u32) -> bool {
    matches!(status, ENV_RUNNABLE | ENV_RUNNING | ENV_DYING)
}

#[cfg(target_os = "none")]
pub use self::machine::{sched_halt, sched_yield, ALIVE, RUNNABLE};

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::bkl::BklCell;
    use crate::cpu::{thiscpu, CPU_HALTED};
    use crate::env::{self, env};
    use crate::{pmap, spinlock};

    /// Which envs are RUNNABLE; `env::set_status` keeps it current.
    pub static RUNNABLE: BklCell<RunSet> = BklCell::new(RunSet::new());

    /// How many envs are RUNNABLE, RUNNING or DYING (see `is_alive`).
    pub static ALIVE: BklCell<usize> = BklCell::new(0);

    /// Gives this CPU to the next runnable env; never returns.
    pub fn sched_yield() -> ! {
        let me = thiscpu();
        let cur = me.env;
        let id = me.id;
        let still_running = cur
            .is_some_and(|c| env(c).env_status == ENV_RUNNING && env(c).env_cpunum as usize == id);
        match choose_next(cur, RUNNABLE.get(), still_running) {
            Some(e) => env::env_run(e),
            None => sched_halt(),
        }
    }

    /// Nothing to run here. If no env is left anywhere (or only envs waiting
    /// for a key, under `autoexit`), report the free-page
    /// count (the grader's leak check) and enter the monitor; otherwise
    /// sleep until an interrupt, without the big kernel lock.
    pub fn sched_halt() -> ! {
        // An env waiting for a key keeps an interactive system up; with
        // `autoexit` nobody will type, so the run is over.
        let waiting_for_user = !crate::init::cmdline().autoexit && crate::console::has_waiters();
        if *ALIVE.get() == 0 && !waiting_for_user {
            env::free_deadlocked_receivers();
            // Every other CPU has left its last env, so has reloaded CR3;
            // once this one has too, no frame needs to wait in limbo.
            // SAFETY: the kernel's page directory maps the kernel.
            unsafe { pmap::load_pgdir(pmap::kern_pgdir()) };
            if pmap::limbo_count() != 0 {
                cprintf!(
                    "sched_halt: %u frames still in limbo\n",
                    pmap::limbo_count()
                );
            }
            let before = env::free_pages_before_first_env().unwrap_or(0);
            cprintf!(
                "Free pages: %u (%u before the first env)\n",
                pmap::free_page_count(),
                before
            );
            cprintf!("No runnable environments in the system!\n");
            loop {
                crate::monitor::monitor(None);
            }
        }
        let me = thiscpu();
        me.env = None;
        me.status = CPU_HALTED;
        let top = pmap::kstack_top(me.id);
        // SAFETY: the kernel's page directory maps the kernel.
        unsafe { pmap::load_pgdir(pmap::kern_pgdir()) };
        spinlock::unlock_kernel();
        // SAFETY: `top` is this CPU's own kernel stack; nothing on it is
        // live any more, since this path never returns.
        unsafe { crate::trap::halt_on_stack(top) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(members: &[usize]) -> RunSet {
        let mut s = RunSet::new();
        members.iter().for_each(|&i| s.set(i, true));
        s
    }

    #[test]
    fn run_set_finds_the_next_member_wrapping_around() {
        let s = set_of(&[1, 40, 1023]);
        assert_eq!(s.next_from(0), Some(1));
        assert_eq!(s.next_from(2), Some(40));
        assert_eq!(s.next_from(40), Some(40));
        assert_eq!(s.next_from(41), Some(1023));
        assert_eq!(s.next_from(1024), Some(1)); // start wraps too
        let one = set_of(&[5]);
        assert_eq!(one.next_from(6), Some(5)); // below start, same word
        assert_eq!(RunSet::new().next_from(7), None);
        let mut s = set_of(&[3]);
        s.set(3, false);
        assert!(!s.contains(3));
        assert_eq!(s.next_from(0), None);
    }

    #[test]
    fn round_robin_starts_after_the_current_env() {
        let runnable = set_of(&[1, 3]);
        assert_eq!(choose_next(None, &runnable, false), Some(1));
        assert_eq!(choose_next(Some(1), &runnable, true), Some(3));
        assert_eq!(choose_next(Some(3), &runnable, true), Some(1));
        assert_eq!(choose_next(Some(NENV - 1), &runnable, false), Some(1));
    }

    #[test]
    fn keeps_the_current_env_only_if_it_still_runs_here() {
        let none = RunSet::new();
        assert_eq!(choose_next(Some(2), &none, true), Some(2));
        assert_eq!(choose_next(Some(2), &none, false), None);
        assert_eq!(choose_next(None, &none, true), None);
        // The current env is found again by the scan when it is RUNNABLE.
        assert_eq!(choose_next(Some(2), &set_of(&[2]), false), Some(2));
    }

    #[test]
    fn alive_statuses() {
        assert!(is_alive(ENV_DYING));
        assert!(is_alive(ENV_RUNNABLE));
        assert!(!is_alive(inc::env::ENV_FREE));
        assert!(!is_alive(inc::env::ENV_NOT_RUNNABLE));
    }
}

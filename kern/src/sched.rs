//! Round-robin scheduling, and what a CPU does when nothing can run.

use inc::env::{ENV_DYING, ENV_RUNNABLE, ENV_RUNNING, NENV};

const WORD: usize = 32;

/// The set of RUNNABLE env slots, one bit each, so that finding the next
/// one does not walk a table of mostly blocked envs (primes has a thousand).
/// `nonempty` has bit w set when word w has any member, so a search looks
/// at two or three words rather than all 32.
pub struct RunSet {
    words: [u32; NENV / WORD],
    nonempty: u32,
}

const _: () = assert!(NENV / WORD <= WORD, "one summary word covers the set");

impl RunSet {
    pub const fn new() -> RunSet {
        RunSet {
            words: [0; NENV / WORD],
            nonempty: 0,
        }
    }

    pub fn set(&mut self, i: usize, member: bool) {
        let (w, bit) = (i / WORD, 1 << (i % WORD));
        if member {
            self.words[w] |= bit;
            self.nonempty |= 1 << w;
        } else {
            self.words[w] &= !bit;
            if self.words[w] == 0 {
                self.nonempty &= !(1 << w);
            }
        }
    }

    #[cfg(test)]
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / WORD] & 1 << (i % WORD) != 0
    }

    /// The first member at or after `start`, wrapping around the table.
    pub fn next_from(&self, start: usize) -> Option<usize> {
        let start = start % NENV;
        let first = start / WORD;
        // Members in the first word from `start` on.
        let high = self.words[first] & (u32::MAX << (start % WORD));
        if high != 0 {
            return Some(first * WORD + high.trailing_zeros() as usize);
        }
        // Else the first nonempty word after it, wrapping around to the
        // first word itself (whose members are then all before `start`).
        let after = self.nonempty & !(u32::MAX >> (WORD - 1 - first));
        let w = if after != 0 { after } else { self.nonempty };
        if w == 0 {
            return None;
        }
        let w = w.trailing_zeros() as usize;
        Some(w * WORD + self.words[w].trailing_zeros() as usize)
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
pub use self::machine::{sched_yield, ALIVE, RUNNABLE};

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::bkl::{Bkl, BklCell};
    use crate::cpu::{thiscpu, CPU_HALTED, CPU_STARTED};
    use crate::env;
    use crate::pmap;

    /// Which envs are RUNNABLE; `env::set_status` keeps it current.
    pub static RUNNABLE: BklCell<RunSet> = BklCell::new(RunSet::new());

    /// How many envs are RUNNABLE, RUNNING or DYING (see `is_alive`).
    pub static ALIVE: BklCell<usize> = BklCell::new(0);

    /// Gives this CPU to the next runnable env; never returns.
    pub fn sched_yield(mut bkl: Bkl) -> ! {
        let me = thiscpu(bkl.irq());
        let (cur, id) = (me.env.get(), me.id);
        let still_running = cur.is_some_and(|c| {
            let e = bkl.env(c);
            e.env_status == ENV_RUNNING && e.env_cpunum as usize == id
        });
        match choose_next(cur, RUNNABLE.get(&mut bkl), still_running) {
            Some(e) => env::env_run(bkl, e),
            None => sched_halt(bkl),
        }
    }

    /// Nothing to run here. If no env is left anywhere (or only envs waiting
    /// for a key, under `autoexit`), report the free-page
    /// count (the grader's leak check) and enter the monitor; otherwise
    /// idle (see [`idle`]): fill the zero pool, then sleep until an
    /// interrupt, without the big kernel lock.
    pub fn sched_halt(mut bkl: Bkl) -> ! {
        // An env waiting for a key keeps an interactive system up; with
        // `autoexit` nobody will type, so the run is over.
        let waiting_for_user =
            !crate::init::cmdline().autoexit && crate::console::has_waiters(&mut bkl);
        if *ALIVE.get(&mut bkl) == 0 && !waiting_for_user {
            env::free_deadlocked_receivers(&mut bkl);
            // Every other CPU has left its last env, so has reloaded CR3;
            // once this one has too, no frame needs to wait in limbo.
            // SAFETY: the kernel's page directory maps the kernel.
            unsafe { pmap::load_pgdir(bkl.irq(), pmap::kern_pgdir()) };
            if pmap::limbo_count() != 0 {
                cprintf!(
                    "sched_halt: %u frames still in limbo\n",
                    pmap::limbo_count()
                );
            }
            let before = env::free_pages_before_first_env(&mut bkl).unwrap_or(0);
            cprintf!(
                "Free pages: %u (%u before the first env)\n",
                pmap::free_page_count(),
                before
            );
            cprintf!("No runnable environments in the system!\n");
            loop {
                crate::monitor::monitor(Some(&mut bkl), None);
            }
        }
        let me = thiscpu(bkl.irq());
        let cpu = me.id;
        me.env.set(None);
        // SAFETY: the kernel's page directory maps the kernel.
        unsafe { pmap::load_pgdir(bkl.irq(), pmap::kern_pgdir()) };
        crate::fpu::switch_to(&mut bkl, cpu, None);
        idle(bkl)
    }

    /// This CPU's idle time: zero one free frame into the zero pool if it
    /// needs more (under the big kernel lock, which holds the other CPUs
    /// off for one page of writes: acceptable, and simpler than a lock of
    /// the frame table's own), then give up the lock and either come back
    /// for the next frame through [`idle_again`] or, with nothing left to
    /// zero, sleep until an interrupt. Both start over at the top of this
    /// CPU's kernel stack, so going round does not use it up.
    fn idle(bkl: Bkl) -> ! {
        let more = pmap::zero_idle_frame();
        let me = thiscpu(bkl.irq());
        let top = pmap::kstack_top(me.id);
        me.status.set(CPU_HALTED);
        bkl.release();
        if more {
            // SAFETY: `top` is this CPU's own kernel stack; nothing on it
            // is live any more, since this path never returns.
            unsafe { crate::x86::run_on_stack(top, idle_again) }
        }
        // SAFETY: as above.
        unsafe { crate::trap::halt_on_stack(top) }
    }

    /// Between two frames of idle zeroing (interrupts off, no lock, the CPU
    /// marked halted): a pending interrupt is let in first, and wakes the
    /// CPU as it would in `hlt`; then the scheduler looks for an env to
    /// run, and only if there is none comes back to zero the next frame.
    /// So work that arrives waits at most one frame of zeroing.
    extern "C" fn idle_again() -> ! {
        crate::x86::interrupt_window();
        let bkl = crate::bkl::lock_kernel();
        thiscpu(bkl.irq()).status.set(CPU_STARTED);
        sched_yield(bkl)
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
    fn run_set_agrees_with_a_plain_scan() {
        // xorshift32 picks members, additions and removals.
        let mut x = 0x2545_F491u32;
        let mut rng = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut s = RunSet::new();
        let mut model = [false; NENV];
        for step in 0..20_000 {
            let i = rng() as usize % NENV;
            // Filling phases and emptying phases, so dense and sparse sets.
            let member = if (step / 2000) % 2 == 0 {
                rng() % 3 != 0
            } else {
                rng() % 16 == 0
            };
            s.set(i, member);
            model[i] = member;
            let start = rng() as usize % (NENV + 5);
            let want = (0..NENV).map(|k| (start + k) % NENV).find(|&j| model[j]);
            assert_eq!(s.next_from(start), want, "step {step} start {start}");
        }
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

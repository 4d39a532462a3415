//! Counting the page faults of a trace under each policy.

use jos::evict::{ClockHand, Resident};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// The library's clock over the address space (`jos::evict`).
    Clock,
    Fifo,
    Lru,
    /// Evict the page whose next use is furthest away (or never).
    Optimal,
}

pub const POLICIES: [Policy; 4] = [Policy::Clock, Policy::Fifo, Policy::Lru, Policy::Optimal];

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::Clock => "clock",
            Policy::Fifo => "FIFO",
            Policy::Lru => "LRU",
            Policy::Optimal => "optimal",
        }
    }
}

/// The faults `trace` takes with `frames` page frames (every first touch
/// of a page is a fault too, as in the textbook counts).
pub fn faults(policy: Policy, trace: &[u32], frames: usize) -> usize {
    assert!(frames > 0, "no frames");
    match policy {
        Policy::Clock => clock(trace, frames),
        Policy::Fifo => fifo(trace, frames),
        Policy::Lru => lru(trace, frames),
        Policy::Optimal => optimal(trace, frames),
    }
}

struct Memory(BTreeSet<u32>);

impl Resident for Memory {
    fn next_from(&self, vpn: u32) -> Option<u32> {
        self.0.range(vpn..).next().copied()
    }
}

fn clock(trace: &[u32], frames: usize) -> usize {
    let mut memory = Memory(BTreeSet::new());
    // The hardware accessed bits.
    let mut accessed = HashSet::new();
    let mut hand = ClockHand::new();
    let mut faults = 0;
    for &page in trace {
        if !memory.0.contains(&page) {
            faults += 1;
            if memory.0.len() == frames {
                let victim = hand
                    .choose_victim(&memory, |p| accessed.remove(&p))
                    .expect("memory is full, so something is resident");
                memory.0.remove(&victim);
                accessed.remove(&victim);
            }
            memory.0.insert(page);
        }
        accessed.insert(page);
    }
    faults
}

fn fifo(trace: &[u32], frames: usize) -> usize {
    let mut queue = VecDeque::new();
    let mut faults = 0;
    for &page in trace {
        if !queue.contains(&page) {
            faults += 1;
            if queue.len() == frames {
                queue.pop_front();
            }
            queue.push_back(page);
        }
    }
    faults
}

fn lru(trace: &[u32], frames: usize) -> usize {
    let mut last_use: HashMap<u32, usize> = HashMap::new();
    let mut faults = 0;
    for (now, &page) in trace.iter().enumerate() {
        if !last_use.contains_key(&page) {
            faults += 1;
            if last_use.len() == frames {
                let (&oldest, _) = last_use.iter().min_by_key(|&(_, &t)| t).expect("full");
                last_use.remove(&oldest);
            }
        }
        last_use.insert(page, now);
    }
    faults
}

fn optimal(trace: &[u32], frames: usize) -> usize {
    // next[i]: the index of the next reference to trace[i]'s page after i.
    let mut next = vec![usize::MAX; trace.len()];
    let mut seen: HashMap<u32, usize> = HashMap::new();
    for (i, &page) in trace.iter().enumerate().rev() {
        next[i] = seen.get(&page).copied().unwrap_or(usize::MAX);
        seen.insert(page, i);
    }
    // Resident pages with the index of their next use.
    let mut resident: HashMap<u32, usize> = HashMap::new();
    let mut faults = 0;
    for (i, &page) in trace.iter().enumerate() {
        if !resident.contains_key(&page) {
            faults += 1;
            if resident.len() == frames {
                // Ties (several never used again) go to the lowest page, so runs repeat.
                let (&victim, _) = resident
                    .iter()
                    .max_by_key(|&(&p, &n)| (n, std::cmp::Reverse(p)))
                    .expect("full");
                resident.remove(&victim);
            }
        }
        resident.insert(page, next[i]);
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::BELADY;

    #[test]
    fn fifo_shows_beladys_anomaly() {
        assert_eq!(fifo(&BELADY, 3), 9);
        assert_eq!(fifo(&BELADY, 4), 10);
    }

    #[test]
    fn lru_and_optimal_on_beladys_string() {
        assert_eq!(lru(&BELADY, 3), 10);
        assert_eq!(lru(&BELADY, 4), 8);
        assert_eq!(optimal(&BELADY, 3), 7);
        assert_eq!(optimal(&BELADY, 4), 6);
    }

    #[test]
    fn clock_on_beladys_string() {
        // Worked by hand. 3 frames: at 4 the sweep clears 1, 2, 3 and takes
        // 1; 1, 2 and 3 then each evict the unmarked page at the hand (2, 3,
        // 4 after clearing); 5 evicts 4, 3 evicts 5, 4 evicts 1, 5 evicts 2:
        // 10 faults. 4 frames: 5 clears all and takes 1, then 1, 2, 3, 4, 5
        // each evict the page at the hand: 10 faults. The clock sweeps in
        // address order, not load order, so it is neither FIFO nor LRU.
        assert_eq!(clock(&BELADY, 3), 10);
        assert_eq!(clock(&BELADY, 4), 10);
    }

    #[test]
    fn everything_fits_costs_only_first_touches() {
        let trace: Vec<u32> = (0..50).map(|i| i % 7).collect();
        for p in POLICIES {
            assert_eq!(faults(p, &trace, 7), 7, "{}", p.name());
            assert_eq!(faults(p, &trace, 20), 7, "{}", p.name());
        }
    }

    #[test]
    fn one_frame_faults_on_every_change() {
        let trace = [1, 1, 2, 2, 1, 3, 3];
        for p in POLICIES {
            assert_eq!(faults(p, &trace, 1), 4, "{}", p.name());
        }
    }

    #[test]
    fn optimal_is_never_beaten() {
        let trace = crate::trace::phases(2000, 40, 1);
        for frames in 1..45 {
            let best = optimal(&trace, frames);
            for p in POLICIES {
                assert!(
                    faults(p, &trace, frames) >= best,
                    "{} at {frames}",
                    p.name()
                );
            }
        }
    }

    #[test]
    fn a_loop_one_page_too_big_defeats_lru_and_fifo() {
        let trace: Vec<u32> = (0..100).map(|i| i % 5).collect();
        assert_eq!(lru(&trace, 4), 100);
        assert_eq!(fifo(&trace, 4), 100);
        assert!(optimal(&trace, 4) < 40);
    }
}

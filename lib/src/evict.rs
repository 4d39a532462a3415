//! Page replacement: which resident page to give up when memory is full.
//!
//! The policy is a clock whose hand sweeps the env's own address space in
//! page order. A page accessed since the hand last passed it gets a second
//! chance (the look clears its accessed bit); the first page found not
//! accessed is the victim, and the hand stops just past it. The hand is
//! one page number, so the library keeps no list of resident pages: the
//! page tables (`uvpt`) are the list, and the kernel's `page_access` call
//! reads and clears the hardware A bits.
//!
//! Pure logic: the caller says which pages are resident and evictable
//! ([`Resident`]) and supplies the accessed test; the swap code does it
//! with `uvpt` and `sys_page_access`, the host replay
//! (`tools/pagingplot`) with a set, and `cargo test` checks both agree
//! with worked examples.

/// The pages the hand may choose from.
pub trait Resident {
    /// The lowest evictable resident page number at or above `vpn`.
    fn next_from(&self, vpn: u32) -> Option<u32>;
}

/// The clock's hand: the page number where the next sweep starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockHand {
    next: u32,
}

impl ClockHand {
    pub const fn new() -> Self {
        ClockHand { next: 0 }
    }

    /// A hand that starts its next sweep at page `vpn`.
    pub const fn starting_at(vpn: u32) -> Self {
        ClockHand { next: vpn }
    }

    /// Where the next sweep starts.
    pub fn position(&self) -> u32 {
        self.next
    }

    /// Chooses a victim among `pages`. `accessed_and_clear(vpn)` reports
    /// whether the page was accessed since it was last asked and clears the
    /// mark. Returns None only when no page is resident.
    ///
    /// Two passes over the address space clear every mark, so a third pass
    /// means the marks come back as fast as we clear them (another CPU
    /// running the env): then the first page found is taken.
    pub fn choose_victim(
        &mut self,
        pages: &impl Resident,
        mut accessed_and_clear: impl FnMut(u32) -> bool,
    ) -> Option<u32> {
        let mut vpn = self.next;
        let mut wraps = 0;
        loop {
            let Some(page) = pages.next_from(vpn) else {
                wraps += 1;
                if wraps > 3 || (wraps > 1 && pages.next_from(0).is_none()) {
                    return None;
                }
                vpn = 0;
                continue;
            };
            if wraps == 3 || !accessed_and_clear(page) {
                self.next = page.wrapping_add(1);
                return Some(page);
            }
            vpn = match page.checked_add(1) {
                Some(v) => v,
                None => {
                    wraps += 1;
                    0
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashSet};

    struct Set(BTreeSet<u32>);

    impl Resident for Set {
        fn next_from(&self, vpn: u32) -> Option<u32> {
            self.0.range(vpn..).next().copied()
        }
    }

    fn set(pages: &[u32]) -> Set {
        Set(pages.iter().copied().collect())
    }

    #[test]
    fn unaccessed_page_is_the_victim() {
        let mut hand = ClockHand::new();
        let mut accessed: HashSet<u32> = [10, 11, 13].into_iter().collect();
        let v = hand.choose_victim(&set(&[10, 11, 12, 13]), |p| accessed.remove(&p));
        assert_eq!(v, Some(12));
        assert_eq!(hand.position(), 13);
        // The pages passed lost their marks; the one after the victim kept its.
        assert_eq!(accessed, [13].into_iter().collect());
    }

    #[test]
    fn sweep_starts_at_the_hand_and_wraps() {
        let mut hand = ClockHand { next: 12 };
        let mut accessed: HashSet<u32> = [12, 13].into_iter().collect();
        let v = hand.choose_victim(&set(&[10, 11, 12, 13]), |p| accessed.remove(&p));
        assert_eq!(v, Some(10));
        assert_eq!(hand.position(), 11);
    }

    #[test]
    fn all_accessed_takes_the_page_at_the_hand_after_one_sweep() {
        let mut hand = ClockHand { next: 2 };
        let mut accessed: HashSet<u32> = [1, 2, 3].into_iter().collect();
        let v = hand.choose_victim(&set(&[1, 2, 3]), |p| accessed.remove(&p));
        assert_eq!(v, Some(2));
        assert!(accessed.is_empty());
    }

    #[test]
    fn marks_that_never_clear_still_give_a_victim() {
        let mut hand = ClockHand::new();
        assert_eq!(hand.choose_victim(&set(&[4, 5]), |_| true), Some(4));
    }

    #[test]
    fn nothing_resident_gives_none() {
        let mut hand = ClockHand { next: 7 };
        assert_eq!(hand.choose_victim(&set(&[]), |_| false), None);
    }

    #[test]
    fn top_page_wraps_without_overflow() {
        let mut hand = ClockHand { next: u32::MAX };
        let mut accessed: HashSet<u32> = [u32::MAX].into_iter().collect();
        let v = hand.choose_victim(&set(&[3, u32::MAX]), |p| accessed.remove(&p));
        assert_eq!(v, Some(3));
    }
}

//! The block cache's eviction policy: a clock over the resident blocks.
//!
//! The cache keeps at most `N` blocks in memory. When it needs room, the
//! hand sweeps the resident blocks in the order they came in: a block used
//! since the hand last passed (the caller reads and clears the page's
//! accessed bit) gets a second chance, the first one not used is the
//! victim. Pure logic: the FS env supplies the "used lately?" test, the
//! host tests a fake one.

pub struct Clock<const N: usize> {
    blocks: [u32; N],
    len: usize,
    hand: usize,
}

impl<const N: usize> Default for Clock<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Clock<N> {
    pub const fn new() -> Self {
        Clock {
            blocks: [0; N],
            len: 0,
            hand: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// The resident blocks, in no particular order.
    pub fn blocks(&self) -> &[u32] {
        &self.blocks[..self.len]
    }

    /// Records that `b` is now resident. The caller makes room first;
    /// returns false (and records nothing) if the clock is full.
    pub fn insert(&mut self, b: u32) -> bool {
        if self.is_full() {
            return false;
        }
        self.blocks[self.len] = b;
        self.len += 1;
        true
    }

    /// Forgets `b` (evicted by someone else). Returns whether it was there.
    pub fn remove(&mut self, b: u32) -> bool {
        let Some(i) = self.blocks().iter().position(|&x| x == b) else {
            return false;
        };
        self.take(i);
        true
    }

    /// Removes slot `i`, moving the last block into it.
    fn take(&mut self, i: usize) -> u32 {
        let b = self.blocks[i];
        self.len -= 1;
        self.blocks[i] = self.blocks[self.len];
        if self.hand >= self.len {
            self.hand = 0;
        }
        b
    }

    /// Chooses and forgets a victim. `used_lately(b)` says whether `b` was
    /// used since the last sweep and clears that mark. Two sweeps at most:
    /// after the first, every mark has been cleared.
    pub fn choose_victim(&mut self, mut used_lately: impl FnMut(u32) -> bool) -> Option<u32> {
        for _ in 0..2 * self.len {
            if self.hand >= self.len {
                self.hand = 0;
            }
            let b = self.blocks[self.hand];
            if !used_lately(b) {
                return Some(self.take(self.hand));
            }
            self.hand += 1;
        }
        // Marks set again as fast as we clear them: take the one under the hand.
        (self.len > 0).then(|| {
            self.hand %= self.len;
            self.take(self.hand)
        })
    }

    /// `choose_victim` among the blocks that are not `pinned` (lent to a
    /// client for mmap): a pinned block is never taken, and never has its
    /// mark cleared. None if every resident block is pinned.
    pub fn choose_unpinned(
        &mut self,
        mut used_lately: impl FnMut(u32) -> bool,
        pinned: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        if self.blocks().iter().all(|&b| pinned(b)) {
            return None;
        }
        // Two sweeps clear every unpinned mark; then the first unpinned
        // block at the hand goes.
        for _ in 0..2 * self.len {
            if self.hand >= self.len {
                self.hand = 0;
            }
            let b = self.blocks[self.hand];
            if !pinned(b) && !used_lately(b) {
                return Some(self.take(self.hand));
            }
            self.hand += 1;
        }
        loop {
            if self.hand >= self.len {
                self.hand = 0;
            }
            if !pinned(self.blocks[self.hand]) {
                return Some(self.take(self.hand));
            }
            self.hand += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn insert_until_full() {
        let mut c = Clock::<3>::new();
        assert!(c.insert(5) && c.insert(6) && c.insert(7));
        assert!(c.is_full());
        assert!(!c.insert(8));
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn unused_block_is_the_victim() {
        let mut c = Clock::<4>::new();
        for b in [10, 11, 12, 13] {
            c.insert(b);
        }
        let mut used: HashSet<u32> = [10, 11, 13].into_iter().collect();
        let v = c.choose_victim(|b| used.remove(&b));
        assert_eq!(v, Some(12));
        assert_eq!(c.len(), 3);
        assert!(!c.blocks().contains(&12));
    }

    #[test]
    fn second_chance_clears_marks() {
        let mut c = Clock::<3>::new();
        for b in [1, 2, 3] {
            c.insert(b);
        }
        // Everything used: the first sweep clears, the second takes block 1.
        let mut used: HashSet<u32> = [1, 2, 3].into_iter().collect();
        assert_eq!(c.choose_victim(|b| used.remove(&b)), Some(1));
        assert!(used.is_empty());
    }

    #[test]
    fn always_used_still_gives_a_victim() {
        let mut c = Clock::<2>::new();
        c.insert(1);
        c.insert(2);
        assert!(c.choose_victim(|_| true).is_some());
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn empty_clock_has_no_victim() {
        let mut c = Clock::<2>::new();
        assert_eq!(c.choose_victim(|_| false), None);
    }

    #[test]
    fn hand_moves_on_after_a_victim() {
        let mut c = Clock::<4>::new();
        for b in [1, 2, 3, 4] {
            c.insert(b);
        }
        // 1 used, 2 not: 2 goes. Next time 1's mark is gone, but the hand is
        // past it, so the block now in slot 1 (4, moved there) is looked at first.
        let mut used: HashSet<u32> = [1].into_iter().collect();
        assert_eq!(c.choose_victim(|b| used.remove(&b)), Some(2));
        assert_eq!(c.choose_victim(|_| false), Some(4));
        assert_eq!(c.choose_victim(|_| false), Some(3));
        assert_eq!(c.choose_victim(|_| false), Some(1));
        assert!(c.is_empty());
    }

    #[test]
    fn pinned_blocks_are_never_taken_nor_cleared() {
        let mut c = Clock::<4>::new();
        for b in [1, 2, 3, 4] {
            c.insert(b);
        }
        let pinned = |b: u32| b == 1 || b == 3;
        let mut asked = Vec::new();
        let mut used: HashSet<u32> = [2].into_iter().collect();
        let v = c.choose_unpinned(
            |b| {
                asked.push(b);
                used.remove(&b)
            },
            pinned,
        );
        assert_eq!(v, Some(4));
        assert!(!asked.contains(&1) && !asked.contains(&3));
        // Marks that never clear: still an unpinned block, never a pinned one.
        assert_eq!(c.choose_unpinned(|_| true, pinned), Some(2));
        assert_eq!(c.choose_unpinned(|_| true, pinned), None);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn all_pinned_gives_none_and_changes_nothing() {
        let mut c = Clock::<2>::new();
        c.insert(7);
        c.insert(8);
        assert_eq!(c.choose_unpinned(|_| false, |_| true), None);
        assert_eq!(c.blocks(), &[7, 8]);
    }

    #[test]
    fn remove_forgets() {
        let mut c = Clock::<3>::new();
        c.insert(1);
        c.insert(2);
        assert!(c.remove(1));
        assert!(!c.remove(1));
        assert_eq!(c.blocks(), &[2]);
    }
}

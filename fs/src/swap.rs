//! The swap store's bookkeeping (issue 10): which disk slot holds which
//! env's page. Pure, so `cargo test -p fs` checks it on the host; the FS
//! env's `swapserv.rs` moves the bytes.
//!
//! A **slot** is one page (8 sectors) of the swap disk. An **entry** says
//! "env E's page at va V is in slot S". Slots are reference counted
//! because `fork` shares them: the child gets entries of its own naming
//! the parent's slots, and a slot is free again when its last entry goes.
//! An entry goes when its env pages the page back in (`take` + `remove`),
//! drops it (`discard`), or is found dead (`reap`): the server never
//! trusts an env to clean up after itself.

/// The most slots the store keeps track of (16 MB of swap).
pub const MAX_SLOTS: usize = 4096;
/// The most entries: room for every slot to be shared by a few envs.
pub const MAX_ENTRIES: usize = 2 * MAX_SLOTS;

/// Env ids are i32 in JOS's ABI; 0 marks a free entry (no env has id 0).
pub type EnvId = i32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    env: EnvId,
    va: u32,
    slot: u16,
}

const FREE: Entry = Entry {
    env: 0,
    va: 0,
    slot: 0,
};

/// Why a request cannot be met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Full {
    /// Every slot holds a page.
    Slots,
    /// Every entry is in use.
    Entries,
}

pub struct SwapTable {
    nslots: usize,
    refs: [u16; MAX_SLOTS],
    entries: [Entry; MAX_ENTRIES],
    /// Entries at and above this index have never been used: searches
    /// stop here.
    high_water: usize,
    /// Where the search for a free slot starts (slots are handed out
    /// round robin, so a freed slot is not rewritten at once).
    next_slot: usize,
}

impl SwapTable {
    /// A table over `nslots` slots (at most MAX_SLOTS are used).
    pub const fn new(nslots: usize) -> SwapTable {
        SwapTable {
            nslots: if nslots < MAX_SLOTS {
                nslots
            } else {
                MAX_SLOTS
            },
            refs: [0; MAX_SLOTS],
            entries: [FREE; MAX_ENTRIES],
            high_water: 0,
            next_slot: 0,
        }
    }

    /// Sets the number of slots (the swap disk's size) while the table is
    /// still empty.
    pub fn set_size(&mut self, nslots: usize) {
        assert_eq!(self.high_water, 0, "resizing a table in use");
        self.nslots = nslots.min(MAX_SLOTS);
    }

    /// How many slots the disk offers.
    pub fn nslots(&self) -> usize {
        self.nslots
    }

    /// Slots holding a page.
    pub fn slots_in_use(&self) -> usize {
        self.refs[..self.nslots].iter().filter(|&&r| r > 0).count()
    }

    fn used(&self) -> &[Entry] {
        &self.entries[..self.high_water]
    }

    /// Entries of `env`.
    pub fn pages_of(&self, env: EnvId) -> usize {
        self.used()
            .iter()
            .filter(|e| e.env == env && env != 0)
            .count()
    }

    fn find(&self, env: EnvId, va: u32) -> Option<usize> {
        if env == 0 {
            return None;
        }
        self.used().iter().position(|e| e.env == env && e.va == va)
    }

    /// The slot holding `env`'s page at `va`, if it was paged out.
    pub fn lookup(&self, env: EnvId, va: u32) -> Option<usize> {
        self.find(env, va).map(|i| self.entries[i].slot as usize)
    }

    fn free_entry(&self) -> Option<usize> {
        self.entries.iter().position(|e| e.env == 0)
    }

    fn set_entry(&mut self, i: usize, e: Entry) {
        self.entries[i] = e;
        self.high_water = self.high_water.max(i + 1);
    }

    fn free_slot(&self) -> Option<usize> {
        if self.nslots == 0 {
            return None;
        }
        (0..self.nslots)
            .map(|i| (self.next_slot + i) % self.nslots)
            .find(|&s| self.refs[s] == 0)
    }

    fn drop_entry(&mut self, i: usize) {
        let slot = self.entries[i].slot as usize;
        self.refs[slot] -= 1;
        self.entries[i] = FREE;
    }

    /// A fresh slot for `env`'s page at `va`; an older copy of that page
    /// (paged out before, never taken back) is dropped first. The caller
    /// writes the page to the slot and calls `remove` if that fails.
    pub fn put(&mut self, env: EnvId, va: u32) -> Result<usize, Full> {
        assert!(env != 0, "env 0 marks free entries");
        if let Some(old) = self.find(env, va) {
            self.drop_entry(old);
        }
        let slot = self.free_slot().ok_or(Full::Slots)?;
        let i = self.free_entry().ok_or(Full::Entries)?;
        self.refs[slot] = 1;
        self.set_entry(
            i,
            Entry {
                env,
                va,
                slot: slot as u16,
            },
        );
        self.next_slot = (slot + 1) % self.nslots;
        Ok(slot)
    }

    /// Forgets `env`'s page at `va` (paged in, or no longer wanted); true
    /// if there was one. Its slot is free once no other env shares it.
    pub fn remove(&mut self, env: EnvId, va: u32) -> bool {
        match self.find(env, va) {
            Some(i) => {
                self.drop_entry(i);
                true
            }
            None => false,
        }
    }

    /// Forgets every page of `env` in `[lo, hi)`; returns how many.
    pub fn discard(&mut self, env: EnvId, lo: u32, hi: u32) -> usize {
        self.drop_where(|e| e.env == env && (lo..hi).contains(&e.va))
    }

    /// Gives `child` the same paged-out pages as `parent` (sharing the
    /// slots). All or nothing: if the entries run out, the child gets none.
    pub fn fork(&mut self, parent: EnvId, child: EnvId) -> Result<usize, Full> {
        assert!(parent != 0 && child != 0);
        self.drop_where(|e| e.env == child);
        let needed = self.pages_of(parent);
        let free = self.entries.iter().filter(|e| e.env == 0).count();
        if needed > free {
            return Err(Full::Entries);
        }
        for i in 0..self.high_water {
            let e = self.entries[i];
            if e.env == parent {
                let j = self.free_entry().expect("counted above");
                self.set_entry(j, Entry { env: child, ..e });
                self.refs[e.slot as usize] += 1;
            }
        }
        Ok(needed)
    }

    /// Forgets every page of every env `alive` says is gone; returns how
    /// many entries went.
    pub fn reap(&mut self, mut alive: impl FnMut(EnvId) -> bool) -> usize {
        self.drop_where(|e| e.env != 0 && !alive(e.env))
    }

    fn drop_where(&mut self, mut gone: impl FnMut(&Entry) -> bool) -> usize {
        let mut n = 0;
        for i in 0..self.high_water {
            if self.entries[i].env != 0 && gone(&self.entries[i]) {
                self.drop_entry(i);
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: usize) -> Box<SwapTable> {
        Box::new(SwapTable::new(n))
    }

    #[test]
    fn put_lookup_remove() {
        let mut t = table(4);
        let s = t.put(0x1001, 0x8000).unwrap();
        assert_eq!(t.lookup(0x1001, 0x8000), Some(s));
        assert_eq!(t.lookup(0x1002, 0x8000), None, "another env's page");
        assert_eq!(t.slots_in_use(), 1);
        assert!(t.remove(0x1001, 0x8000));
        assert!(!t.remove(0x1001, 0x8000));
        assert_eq!(t.slots_in_use(), 0);
        assert_eq!(t.lookup(0x1001, 0x8000), None);
    }

    #[test]
    fn paging_a_page_out_twice_keeps_one_slot() {
        let mut t = table(4);
        t.put(0x1001, 0x8000).unwrap();
        let s2 = t.put(0x1001, 0x8000).unwrap();
        assert_eq!(t.slots_in_use(), 1);
        assert_eq!(t.pages_of(0x1001), 1);
        assert_eq!(t.lookup(0x1001, 0x8000), Some(s2));
    }

    #[test]
    fn slots_run_out_and_come_back() {
        let mut t = table(3);
        for i in 0..3 {
            t.put(0x1001, 0x1000 * i).unwrap();
        }
        assert_eq!(t.put(0x1001, 0x9000), Err(Full::Slots));
        assert_eq!(t.pages_of(0x1001), 3, "a refused put changes nothing");
        t.remove(0x1001, 0x1000);
        assert!(t.put(0x1001, 0x9000).is_ok());
    }

    #[test]
    fn fork_shares_slots_until_the_last_entry_goes() {
        let mut t = table(8);
        let a = t.put(0x1001, 0x8000).unwrap();
        t.put(0x1001, 0x9000).unwrap();
        assert_eq!(t.fork(0x1001, 0x1002), Ok(2));
        assert_eq!(t.lookup(0x1002, 0x8000), Some(a));
        assert_eq!(t.slots_in_use(), 2);
        t.remove(0x1001, 0x8000);
        assert_eq!(t.slots_in_use(), 2, "the child still holds slot a");
        t.remove(0x1002, 0x8000);
        assert_eq!(t.slots_in_use(), 1);
        // The parent pages 0x9000 out again: a fresh slot, the child keeps
        // the old contents.
        let b = t.put(0x1001, 0x9000).unwrap();
        assert_ne!(Some(b), t.lookup(0x1002, 0x9000));
        assert_eq!(t.slots_in_use(), 2);
    }

    #[test]
    fn fork_is_all_or_nothing() {
        let mut t = table(MAX_SLOTS);
        for i in 0..MAX_SLOTS as u32 {
            t.put(1 + (i % 2) as i32, i << 12).unwrap();
        }
        // Half the entries are free; env 1 has MAX_SLOTS / 2 pages.
        assert_eq!(t.fork(1, 3), Ok(MAX_SLOTS / 2));
        assert_eq!(t.fork(2, 4), Ok(MAX_SLOTS / 2));
        assert_eq!(t.fork(3, 5), Err(Full::Entries));
        assert_eq!(t.pages_of(5), 0);
        assert!(t.put(6, 0).is_err());
    }

    #[test]
    fn reap_and_discard_free_everything() {
        let mut t = table(16);
        for i in 0..5 {
            t.put(0x1001, i << 12).unwrap();
            t.put(0x1002, i << 12).unwrap();
        }
        t.fork(0x1001, 0x1003).unwrap();
        assert_eq!(t.discard(0x1002, 0x1000, 0x3000), 2);
        assert_eq!(t.reap(|e| e == 0x1003), 8);
        assert_eq!(t.slots_in_use(), 5);
        assert_eq!(t.reap(|_| false), 5);
        assert_eq!(t.slots_in_use(), 0);
    }

    #[test]
    fn a_store_without_a_disk_refuses_every_page() {
        let mut t = table(0);
        assert_eq!(t.put(1, 0), Err(Full::Slots));
        t.set_size(2);
        assert!(t.put(1, 0).is_ok());
    }

    #[test]
    fn slots_are_handed_out_round_robin() {
        let mut t = table(4);
        let a = t.put(1, 0).unwrap();
        t.remove(1, 0);
        let b = t.put(1, 0).unwrap();
        assert_ne!(a, b);
    }
}

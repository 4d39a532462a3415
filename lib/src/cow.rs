//! The rule `fork` and `sfork` apply to each of our pages: how it is mapped
//! into the child, and what happens to our own mapping. Pure logic on PTE
//! bits, so it is tested on the host.

use inc::mmu::{PTE_COW, PTE_P, PTE_SHARE, PTE_SYSCALL, PTE_U, PTE_W};

/// How the child's memory relates to ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// Writable pages become copy-on-write in both (fork, and sfork's stack).
    CopyOnWrite,
    /// Pages are shared as they are (sfork, except the stack).
    Shared,
}

/// What to do with one mapped page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageMapping {
    /// Map the same frame into the child with these permissions; ours stays.
    Share(u32),
    /// Map it copy-on-write into the child, then remap ours copy-on-write.
    CopyOnWrite,
    /// Ours is copy-on-write but must be shared: take a private writable
    /// copy first (else the first write would split it again), then share.
    PrivatizeThenShare,
}

/// The permissions copy-on-write mappings get: present, user, read-only.
pub const COW_PERM: u32 = PTE_P | PTE_U | PTE_COW;

/// The mapping for a page whose PTE is `pte`, under `how`.
pub fn page_mapping(pte: u32, how: Sharing) -> PageMapping {
    // Only the bits a user may pass to sys_page_map (no A/D/address bits).
    let perm = pte & PTE_SYSCALL;
    let writable = pte & (PTE_W | PTE_COW) != 0;
    // PTE_SHARE pages and read-only pages are shared as they are.
    if pte & PTE_SHARE != 0 || !writable {
        PageMapping::Share(perm)
    } else if how == Sharing::CopyOnWrite {
        PageMapping::CopyOnWrite
    } else if pte & PTE_COW != 0 {
        PageMapping::PrivatizeThenShare
    } else {
        PageMapping::Share(perm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inc::mmu::{PTE_A, PTE_D};

    const FRAME: u32 = 0x0012_3000;

    #[test]
    fn fork_makes_writable_pages_copy_on_write() {
        let pte = FRAME | PTE_P | PTE_U | PTE_W | PTE_A | PTE_D;
        assert_eq!(
            page_mapping(pte, Sharing::CopyOnWrite),
            PageMapping::CopyOnWrite
        );
        // A page that is already copy-on-write stays so (fork of a fork child).
        let cow = FRAME | COW_PERM;
        assert_eq!(
            page_mapping(cow, Sharing::CopyOnWrite),
            PageMapping::CopyOnWrite
        );
    }

    #[test]
    fn read_only_pages_are_shared_read_only() {
        let pte = FRAME | PTE_P | PTE_U | PTE_A;
        for how in [Sharing::CopyOnWrite, Sharing::Shared] {
            assert_eq!(page_mapping(pte, how), PageMapping::Share(PTE_P | PTE_U));
        }
    }

    #[test]
    fn share_bit_keeps_permissions_and_bit() {
        let pte = FRAME | PTE_P | PTE_U | PTE_W | PTE_SHARE | PTE_D;
        let want = PageMapping::Share(PTE_P | PTE_U | PTE_W | PTE_SHARE);
        assert_eq!(page_mapping(pte, Sharing::CopyOnWrite), want);
        assert_eq!(page_mapping(pte, Sharing::Shared), want);
    }

    #[test]
    fn sfork_shares_writable_and_privatizes_cow() {
        let pte = FRAME | PTE_P | PTE_U | PTE_W;
        assert_eq!(
            page_mapping(pte, Sharing::Shared),
            PageMapping::Share(PTE_P | PTE_U | PTE_W)
        );
        assert_eq!(
            page_mapping(FRAME | COW_PERM, Sharing::Shared),
            PageMapping::PrivatizeThenShare
        );
    }
}

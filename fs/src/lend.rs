//! FSREQ_MAP (RJOS, docs/mmap.md): the server lends a client the block-cache
//! page that holds one block of an open file, through the IPC page
//! transfer. Read-only loans serve MAP_PRIVATE and PROT_READ mappings (and
//! could serve demand-paged program text); a writable loan, always with
//! PTE_SHARE, serves MAP_SHARED | PROT_WRITE on a file opened for writing.
//! Every client mapping one block maps the same frame, so they see each
//! other's stores at once, and the server's own reads and writes too.
//!
//! The cache pins a lent page and keeps a writable one dirty (`bc.rs`), so
//! the client's stores reach the disk when the file is flushed or synced,
//! or when the block is evicted after the last client let go.

use crate::bc::{self, Disk};
use fs::fs::{FileRef, Fs};
use inc::error::{E_INVAL, E_NO_MEM};
use inc::fs::BLKSIZE;
use inc::mmu::{PTE_P, PTE_SHARE, PTE_U, PTE_W};

/// The permissions a client may ask for, beyond the implied P|U.
const LENDABLE: u32 = PTE_W | PTE_SHARE;

/// Readies the page of the block at byte `offset` of `f` for lending with
/// `perm` (the request's), for a client that may write the file if
/// `can_write`. Returns the page and the permissions to send it with.
/// A bad request gets -E_INVAL and changes nothing; a hole inside the file
/// gets a block, as a write would.
pub fn lend_block(
    fs: &mut Fs<Disk>,
    f: FileRef,
    offset: u32,
    perm: u32,
    can_write: bool,
) -> Result<(u32, u32), i32> {
    let writable = perm & PTE_W != 0;
    if perm & !LENDABLE != 0 || (writable && (perm & PTE_SHARE == 0 || !can_write)) {
        return Err(-E_INVAL);
    }
    let size = fs.get_file(f).f_size.max(0) as u32;
    if !offset.is_multiple_of(BLKSIZE as u32) || offset >= size {
        return Err(-E_INVAL);
    }
    if !bc::may_lend() {
        return Err(-E_NO_MEM);
    }
    let b = fs.file_get_block(f, offset / BLKSIZE as u32)?;
    let tail = (size - offset).min(BLKSIZE as u32) as usize;
    Ok((bc::lend(b, tail, writable), PTE_P | PTE_U | perm))
}

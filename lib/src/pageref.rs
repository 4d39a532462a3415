//! `pageref`: how many mappings, in all environments, the frame behind one
//! of our pages has. Pipes use it to tell whether the other end is open.

use crate::fork::uvpt;
use inc::memlayout::UPAGES;

/// Offset of `pp_ref` (a u16) in the 8-byte `PageInfo` at UPAGES.
const PP_REF_OFFSET: u32 = 4;
const PAGEINFO_SIZE: u32 = 8;

/// The reference count of the frame mapped at `va`, or 0 if none is.
pub fn pageref(va: u32) -> u32 {
    let Some(pte) = uvpt(va) else {
        return 0;
    };
    let info = UPAGES + (pte >> 12) * PAGEINFO_SIZE + PP_REF_OFFSET;
    // SAFETY: the kernel maps the PageInfo array read-only at UPAGES for
    // every env, one entry per physical frame; the frame number comes from
    // a present PTE, so the entry exists. The count changes under us, so
    // it is read volatile.
    u32::from(unsafe { core::ptr::read_volatile(info as *const u16) })
}

//! C strings at raw addresses (what JOS programs pass around as `char *`).

/// The bytes of the NUL-terminated string at `va`, without the NUL.
///
/// The bytes are read one by one, so a string that runs onto an unmapped
/// page faults there — and a page-fault handler may map it (faultalloc).
///
/// # Safety
/// `va` must point to a NUL-terminated string that stays mapped and
/// unchanged for as long as the returned slice is used.
pub unsafe fn cstr_at(va: u32) -> &'static [u8] {
    let p = va as *const u8;
    let mut len = 0;
    // SAFETY: the caller promises a readable string up to its NUL.
    while unsafe { core::ptr::read_volatile(p.add(len)) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` bytes before the NUL were just read.
    unsafe { core::slice::from_raw_parts(p, len) }
}

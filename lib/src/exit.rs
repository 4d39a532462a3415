//! Ending the program.

/// Removes every mapping (MAP_SHARED stores are written back), closes
/// every fd (so pipe ends and files are let go of in order), then destroys
/// the calling environment; does not return.
pub fn exit() -> ! {
    crate::mmap::munmap_all();
    crate::fd::close_all();
    let _ = crate::sys_env_destroy(0);
    // The kernel never schedules a destroyed env again; spin in case it did.
    loop {
        crate::sys_yield();
    }
}

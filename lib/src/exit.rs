//! Ending the program.

/// Destroys the calling environment; does not return.
pub fn exit() -> ! {
    let _ = crate::sys_env_destroy(0);
    // The kernel never schedules a destroyed env again; spin in case it did.
    loop {
        crate::sys_yield();
    }
}

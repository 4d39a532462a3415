//! `wait`: until an environment is gone.

use inc::env::{envx, EnvId, ENV_FREE};

/// Returns once `envid` has exited (its slot is free or holds another env).
/// A teaching kernel has no exit status, so there is nothing to return.
pub fn wait(envid: EnvId) {
    loop {
        let e = crate::envs(envx(envid));
        if e.env_id != envid || e.env_status == ENV_FREE {
            return;
        }
        crate::sys_yield();
    }
}

//! `libmain`: sets up the library, runs the program's `umain`, then exits.
//! Also the program's view of the environment array at UENVS.

use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use inc::env::{envx, Env, EnvId, NENV};
use inc::memlayout::UENVS;

extern "C" {
    /// The program's main function; every binary defines it with `#[no_mangle]`.
    fn umain(argc: i32, argv: *const *const u8);
}

/// The program name for panic messages: `argv[0]` when there is one, else
/// `"<unknown>"`, as in JOS (the kernel starts programs without arguments).
static BINARYNAME: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static BINARYNAME_LEN: AtomicUsize = AtomicUsize::new(0);

/// The arguments `_start` got, for [`args`].
static ARGC: AtomicUsize = AtomicUsize::new(0);
static ARGV: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());

/// Called by `_start` with the C calling convention; never returns.
///
/// # Safety
/// `argv` must point to `argc` valid NUL-terminated strings (or `argc` be 0).
pub unsafe extern "C" fn libmain(argc: i32, argv: *const *const u8) -> ! {
    ARGC.store(argc.max(0) as usize, Ordering::Relaxed);
    ARGV.store(argv as *mut *const u8, Ordering::Relaxed);
    if argc > 0 && !argv.is_null() {
        // SAFETY: whoever started us with argc > 0 passed a valid argv
        // whose first entry is a NUL-terminated string.
        let name = unsafe { crate::string::cstr_at(*argv as u32) };
        BINARYNAME.store(name.as_ptr() as *mut u8, Ordering::Relaxed);
        BINARYNAME_LEN.store(name.len(), Ordering::Relaxed);
    }
    crate::pgfault::install_default();
    // SAFETY: umain is the program's entry point, defined by every binary
    // with exactly this signature.
    unsafe { umain(argc, argv) };
    crate::exit()
}

/// The program's arguments (`argv[0]` is its name), as spawn passed them;
/// none for a program the kernel started.
pub fn args() -> crate::Argv {
    let argv = ARGV.load(Ordering::Relaxed) as *const *const u8;
    // SAFETY: libmain recorded what _start was given: argc string pointers
    // on our stack (spawn's layout), which stay there unchanged.
    unsafe { crate::Argv::from_raw(ARGC.load(Ordering::Relaxed) as i32, argv) }
}

/// The name panic messages show for this program.
pub fn binaryname() -> &'static [u8] {
    let p = BINARYNAME.load(Ordering::Relaxed);
    if p.is_null() {
        return b"<unknown>";
    }
    // SAFETY: set once by libmain from argv[0], which lives as long as the program.
    unsafe { core::slice::from_raw_parts(p, BINARYNAME_LEN.load(Ordering::Relaxed)) }
}

/// A snapshot of slot `index` of the kernel's read-only `Env` array.
///
/// The kernel changes these entries under our feet (status, IPC fields), so
/// every read is a fresh volatile copy rather than a long-lived reference.
pub fn envs(index: usize) -> Env {
    assert!(index < NENV);
    let array = UENVS as *const Env;
    // SAFETY: the kernel maps the NENV-entry Env array readable at UENVS in
    // every environment; index is in range.
    unsafe { core::ptr::read_volatile(array.add(index)) }
}

/// What env slot `index` has mapped and its quota, from the kernel's
/// read-only `EnvMem` array at UENVMEM (RJOS; fresh on every read, as
/// `envs`).
pub fn env_mem(index: usize) -> inc::env::EnvMem {
    assert!(index < NENV);
    let array = inc::memlayout::UENVMEM as *const inc::env::EnvMem;
    // SAFETY: the kernel maps the NENV-entry EnvMem array readable at
    // UENVMEM in every environment; index is in range.
    unsafe { core::ptr::read_volatile(array.add(index)) }
}

/// The current environment's `Env`, read afresh.
///
/// JOS keeps a `thisenv` pointer set once at start; here it is computed from
/// `sys_getenvid` on each use, so it stays right in both halves of an
/// `sfork`, which share every global variable.
pub fn thisenv() -> Env {
    envs(envx(crate::sys_getenvid()))
}

/// The `Env` for `id`, if its slot currently holds that environment.
pub fn env_by_id(id: EnvId) -> Option<Env> {
    let e = envs(envx(id));
    (e.env_id == id).then_some(e)
}

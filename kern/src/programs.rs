//! The programs the kernel can start, and the monitor commands that start
//! and list envs (`run`, `envs`).
//!
//! Programs come embedded in the kernel image (kern/build.rs) or as
//! multiboot modules (foreign ELF files, `-initrd`). A name is looked up
//! among the modules first: a file the user handed over by name is the
//! program that runs, even when an embedded program has the same name.

use crate::addr::PhysAddr;
use crate::bkl::Bkl;
use crate::env;
use crate::monitor::Ctx;
use inc::env::*;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/userprogs.rs"));
}

/// The ELF bytes of program `name`, if the kernel has it: a module of that
/// name, else the embedded program.
pub fn find(name: &str) -> Option<&'static [u8]> {
    let module = crate::init::boot_info()
        .modules()
        .iter()
        .find(|m| m.name() == name);
    if let Some(m) = module {
        return module_bytes(m.start, m.end);
    }
    embedded::EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, bytes)| bytes)
}

/// A module's bytes through the kernel's direct map of physical memory.
fn module_bytes(start: u32, end: u32) -> Option<&'static [u8]> {
    let first = PhysAddr(start).to_kva()?;
    PhysAddr(end.checked_sub(1)?).to_kva()?;
    // SAFETY: [start, end) is a module the boot loader placed in RAM; pmap
    // keeps those frames off the free list and maps all RAM at KERNBASE.
    Some(unsafe { core::slice::from_raw_parts(first.as_ptr::<u8>(), (end - start) as usize) })
}

/// Prints the names of every program `run` accepts, each once: an embedded
/// program that a module of the same name hides is not listed.
pub fn print_available() {
    let modules = crate::init::boot_info().modules();
    cprintf!("Programs:");
    for (name, _) in embedded::EMBEDDED {
        if !modules.iter().any(|m| m.name() == *name) {
            cprintf!(" %s", *name);
        }
    }
    for m in modules {
        cprintf!(" %s", m.name());
    }
    cprintf!("\n");
}

/// Creates an env for each named program. Returns how many were created;
/// unknown names and unloadable files are reported and skipped.
pub fn create_envs(bkl: &mut Bkl, names: &[&str]) -> usize {
    let mut created = 0;
    for &name in names {
        match find(name) {
            None => {
                cprintf!("no program named '%s'\n", name);
            }
            Some(bytes) => {
                // The program named `fs` is the file server (lab 5).
                let env_type = if name == "fs" {
                    ENV_TYPE_FS
                } else {
                    ENV_TYPE_USER
                };
                if env::env_create(bkl, name, bytes, env_type).is_ok() {
                    created += 1;
                }
            }
        }
    }
    created
}

/// Monitor command `run NAME...` (`args[0]` is `run`): starts the programs
/// and schedules them. Does not return if anything started; the kernel
/// comes back to the monitor when nothing is left to run.
pub fn mon_run(args: &[&str], ctx: &mut Ctx) -> i32 {
    let Some(bkl) = ctx.bkl.as_deref_mut() else {
        cprintf!("run: the kernel lock is not held here (after a panic)\n");
        return 0;
    };
    let names = args.get(1..).unwrap_or(&[]);
    if names.is_empty() {
        cprintf!("usage: run NAME [NAME...]\n");
        print_available();
        return 0;
    }
    if create_envs(bkl, names) == 0 {
        print_available();
        return 0;
    }
    bkl.diverge(crate::sched::sched_yield)
}

fn status_name(status: u32) -> &'static str {
    match status {
        ENV_FREE => "free",
        ENV_DYING => "dying",
        ENV_RUNNABLE => "runnable",
        ENV_RUNNING => "running",
        ENV_NOT_RUNNABLE => "not-runnable",
        _ => "?",
    }
}

/// Monitor command `envs`: one line per live env.
pub fn mon_envs(_args: &[&str], ctx: &mut Ctx) -> i32 {
    let Some(bkl) = ctx.bkl.as_deref_mut() else {
        cprintf!("envs: the kernel lock is not held here (after a panic)\n");
        return 0;
    };
    cprintf!("id       parent   status       cpu runs       pages quota\n");
    for i in 0..NENV {
        let e = *bkl.env(i);
        if e.env_status == ENV_FREE {
            continue;
        }
        let mem = crate::pmap::env_mem(i);
        cprintf!(
            "%08x %08x %-12s %3d %-10u %-5u ",
            e.env_id,
            e.env_parent_id,
            status_name(e.env_status),
            e.env_cpunum,
            e.env_runs,
            mem.em_pages
        );
        match mem.em_quota {
            inc::env::NO_QUOTA => cprintf!("-\n"),
            quota => cprintf!("%u\n", quota),
        };
    }
    0
}

//! User environments (JOS's processes): the env table, creating an env from
//! an ELF image, freeing and destroying envs, and running one.
//!
//! The table is a static `Env` array (pmap maps it read-only for users at
//! UENVS), so `Env` keeps JOS's exact layout. What the kernel needs beyond
//! JOS's fields lives in the parallel array [`KERNEL_STATE`]. Envs are named
//! by index into the table inside the kernel and by envid outside.
//!
//! Both arrays are reached through the big kernel lock's guard
//! ([`Bkl::env`], `KERNEL_STATE.get(bkl)`), so a reference into them lives
//! only while the guard stays borrowed: code that needs a slot again after
//! calling something that takes `&mut Bkl` asks for it again.

use crate::addr::{UserVa, VirtAddr};
use crate::bkl::{Bkl, BklCell};
use crate::cpu::{curenv, thiscpu};
use crate::elf::ElfImage;
use crate::gdt::{GD_UD, GD_UT, RPL_USER};
use crate::pmap::{self, PgDir};
use crate::sched;
use crate::userptr::{CheckedBuf, UserBuf};
use inc::env::*;
use inc::error::*;
use inc::memlayout::{PGSIZE, USTACKTOP};
use inc::mmu::{round_down, round_up, FL_IF, FL_IOPL_3, PTE_U, PTE_W};
use inc::trap::Trapframe;

/// Kernel-private per-env state (not visible to users, not in `Env`).
#[derive(Clone, Copy, Default)]
pub struct EnvKernel {
    /// A blocking `ipc_send` this env waits in (syscall 15), if any.
    pub pending_send: Option<PendingSend>,
    /// It waits in syscall 19's receive: the message also goes in its
    /// registers (edx value, ecx sender, ebx perm), so the library need
    /// not ask the kernel who it is to read its `Env`.
    pub recv_in_regs: bool,
    /// The next env in the queue of senders this one waits in.
    pub next_sender: Option<usize>,
    /// (first, last) of the envs waiting to send to this one, oldest first.
    pub senders: Option<(usize, usize)>,
    /// Who destroyed this env while it ran on another CPU (it is DYING).
    pub destroyed_by: Option<EnvId>,
    /// Someone set this env NOT_RUNNABLE while it ran on another CPU; that
    /// CPU stops it the next time it enters the kernel from it.
    pub stop_requested: bool,
    /// sys_env_set_trapframe replaced its frame: it must resume through
    /// `iret` (env_run), which restores every register, not `sysexit`.
    pub needs_iret: bool,
}

/// An `ipc_send` waiting for its target to call `ipc_recv`.
#[derive(Clone, Copy, Debug)]
pub struct PendingSend {
    /// The target's slot (its queue of senders holds this env).
    pub to: usize,
    pub value: u32,
    /// The page to send, already checked to be a user page.
    pub srcva: Option<UserVa>,
    pub perm: u32,
    /// Syscall 19: once delivered, wait for a message into this `dstva`
    /// instead of waking up.
    pub then_recv: Option<u32>,
}

const NO_KERNEL_STATE: EnvKernel = EnvKernel {
    pending_send: None,
    recv_in_regs: false,
    next_sender: None,
    senders: None,
    destroyed_by: None,
    stop_requested: false,
    needs_iret: false,
};

pub static KERNEL_STATE: BklCell<[EnvKernel; NENV]> = BklCell::new([NO_KERNEL_STATE; NENV]);

/// Head of the free list (an index), and the free-page count when the first
/// env was created (for the leak check when everything has exited).
struct EnvTable {
    free: Option<usize>,
    free_pages_before: Option<usize>,
}

static TABLE: BklCell<EnvTable> = BklCell::new(EnvTable {
    free: None,
    free_pages_before: None,
});

/// The env table: JOS's `envs`, a page-aligned static (pmap maps its pages
/// read-only at UENVS). A fixed address means no "not set up yet" state to
/// test on every access, which a pointer noted at boot had (three
/// instructions each time, several times per system call; issue 11).
#[repr(C, align(4096))]
pub struct EnvArray([Env; NENV]);

pub static ENV_TABLE: BklCell<EnvArray> = BklCell::new(NO_ENVS);

// SAFETY: an Env is plain integers, for which all zero bits are valid
// (ENV_FREE, no id, no link); env_init threads the free list.
const NO_ENVS: EnvArray = unsafe { core::mem::zeroed() };

impl Bkl {
    /// Env slot `i`, for as long as the guard stays borrowed.
    pub fn env(&mut self, i: usize) -> &mut Env {
        &mut ENV_TABLE.get(self).0[i]
    }

    /// The env this CPU runs (JOS's `curenv`).
    pub fn curenv(&self) -> Option<usize> {
        curenv(self.irq())
    }
}

/// Kernel address of slot `i`, as stored in `env_link`.
fn slot_kva(i: usize) -> u32 {
    ENV_TABLE.as_ptr() as u32 + (i * core::mem::size_of::<Env>()) as u32
}

fn slot_of_kva(kva: u32) -> usize {
    (kva - ENV_TABLE.as_ptr() as u32) as usize / core::mem::size_of::<Env>()
}

/// The id printed as "who did it": the current env's, or 0 for the kernel.
pub fn curenv_id(bkl: &mut Bkl) -> EnvId {
    bkl.curenv().map_or(0, |e| bkl.env(e).env_id)
}

/// The free-page count noted when the first env was created.
pub fn free_pages_before_first_env(bkl: &mut Bkl) -> Option<usize> {
    TABLE.get(bkl).free_pages_before
}

pub fn pgdir_of(bkl: &mut Bkl, e: usize) -> PgDir {
    PgDir(crate::addr::VirtAddr(bkl.env(e).env_pgdir))
}

/// Env `e`'s address space, for the calls that add or remove mappings
/// (they keep its page count, UENVMEM).
pub fn space_of(bkl: &mut Bkl, e: usize) -> pmap::Space {
    pmap::Space {
        pgdir: pgdir_of(bkl, e),
        slot: e,
    }
}

/// Changes env `i`'s status, keeping the scheduler's run set and count
/// of live envs in step. Every status change goes through here.
pub fn set_status(bkl: &mut Bkl, i: usize, status: u32) {
    let e = bkl.env(i);
    let old = e.env_status;
    e.env_status = status;
    sched::RUNNABLE.get(bkl).set(i, status == ENV_RUNNABLE);
    let alive = sched::ALIVE.get(bkl);
    match (sched::is_alive(old), sched::is_alive(status)) {
        (false, true) => *alive += 1,
        (true, false) => *alive -= 1,
        _ => {}
    }
}

/// Marks every env free and threads the free list in array order, so that
/// the first env created is envs[0].
pub fn env_init(bkl: &mut Bkl) {
    for i in (0..NENV).rev() {
        let link = TABLE.get(bkl).free.map_or(0, slot_kva);
        let e = bkl.env(i);
        e.env_id = 0;
        e.env_status = ENV_FREE;
        e.env_link = link;
        TABLE.get(bkl).free = Some(i);
    }
}

/// The env `envid` names (0 = the caller). With `checkperm`, only the
/// caller itself or its immediate child qualifies. `Err(-E_BAD_ENV)`.
pub fn envid2env(bkl: &mut Bkl, envid: EnvId, checkperm: bool) -> Result<usize, i32> {
    let cur = bkl.curenv();
    if envid == 0 {
        return cur.ok_or(-E_BAD_ENV);
    }
    let i = envx(envid);
    let e = bkl.env(i);
    if e.env_status == ENV_FREE || e.env_id != envid {
        return Err(-E_BAD_ENV);
    }
    if checkperm {
        let parent = e.env_parent_id;
        let me = cur.map_or(0, |c| bkl.env(c).env_id);
        if Some(i) != cur && parent != me {
            return Err(-E_BAD_ENV);
        }
    }
    Ok(i)
}

/// Takes a free slot, gives it a fresh id, an address space holding only
/// the kernel's mappings, and a user-mode trap frame. The env is RUNNABLE
/// but has no code yet. Errors: -E_NO_FREE_ENV, -E_NO_MEM.
pub fn env_alloc(bkl: &mut Bkl, parent_id: EnvId) -> Result<usize, i32> {
    let table = TABLE.get(bkl);
    let i = table.free.ok_or(-E_NO_FREE_ENV)?;
    if table.free_pages_before.is_none() {
        table.free_pages_before = Some(pmap::free_page_count());
    }
    let pgdir = pmap::pgdir_create()?;
    let e = bkl.env(i);
    let next_free = match e.env_link {
        0 => None,
        link => Some(slot_of_kva(link)),
    };
    let id = next_envid(e.env_id, i);
    *e = Env {
        env_id: id,
        env_parent_id: parent_id,
        env_type: ENV_TYPE_USER,
        env_status: ENV_FREE,
        env_pgdir: pgdir.0.as_u32(),
        env_tf: user_trapframe(),
        ..Env::default()
    };
    TABLE.get(bkl).free = next_free;
    KERNEL_STATE.get(bkl)[i] = EnvKernel::default();
    crate::fpu::env_alloc(bkl, i);
    set_status(bkl, i, ENV_RUNNABLE);
    cprintf!("[%08x] new env %08x\n", curenv_id(bkl), id);
    Ok(i)
}

/// The frame a new env starts from: user segments, interrupts on, the
/// stack at USTACKTOP (eip is set by the loader or copied by exofork).
fn user_trapframe() -> Trapframe {
    let udata = GD_UD | RPL_USER;
    Trapframe {
        es: udata,
        ds: udata,
        ss: udata,
        cs: GD_UT | RPL_USER,
        esp: USTACKTOP,
        eflags: FL_IF,
        ..Trapframe::default()
    }
}

/// Creates an env running the ELF program `binary`. The image is checked
/// before anything is allocated; a bad one is refused with a message.
pub fn env_create(bkl: &mut Bkl, name: &str, binary: &[u8], env_type: u32) -> Result<usize, i32> {
    let image = match ElfImage::parse(binary) {
        Ok(img) => img,
        Err(why) => {
            cprintf!("[%08x] cannot load '%s': %s\n", curenv_id(bkl), name, why);
            return Err(-E_NOT_EXEC);
        }
    };
    let e = env_alloc(bkl, 0)?;
    bkl.env(e).env_type = env_type;
    // The file server drives the disk itself: I/O privilege for it alone.
    if env_type == ENV_TYPE_FS {
        bkl.env(e).env_tf.eflags |= FL_IOPL_3;
    }
    if let Err(err) = load_icode(bkl, e, &image) {
        cprintf!("[%08x] cannot load '%s': %e\n", curenv_id(bkl), name, err);
        env_free(bkl, e);
        return Err(err);
    }
    Ok(e)
}

/// Maps every loadable segment and one stack page, and points eip at the
/// entry. On -E_NO_MEM the caller frees the env (and whatever was mapped).
fn load_icode(bkl: &mut Bkl, e: usize, image: &ElfImage) -> Result<(), i32> {
    let space = space_of(bkl, e);
    for seg in image.segments() {
        map_segment(space, seg.va, seg.memsz, seg.data)?;
    }
    map_segment(space, USTACKTOP - PGSIZE, PGSIZE, &[])?;
    bkl.env(e).env_tf.eip = image.entry();
    Ok(())
}

/// Makes [va, va+memsz) present and user-writable in `pgdir`, holding
/// `data` followed by zeros. Pages already there (two segments sharing a
/// page) are reused. Writes go through the kernel's direct map, so the
/// env's page directory need not be loaded.
fn map_segment(space: pmap::Space, va: u32, memsz: u32, data: &[u8]) -> Result<(), i32> {
    let end = va + memsz; // ElfImage checked that this ends below UTOP
    let mut page = round_down(va, PGSIZE);
    while page < round_up(end, PGSIZE) {
        let pa = match pmap::page_lookup(space.pgdir, VirtAddr(page)) {
            Some((pa, _)) => pa,
            None => {
                let pa = pmap::page_alloc(true).ok_or(-E_NO_MEM)?;
                if let Err(err) = pmap::page_insert(space, pa, VirtAddr(page), PTE_U | PTE_W) {
                    pmap::page_free(pa);
                    return Err(err);
                }
                pa
            }
        };
        let kva = pa.to_kva().expect("frames lie in the direct map");
        // SAFETY: `kva` is the direct-map address of a whole frame that only
        // this (not yet running) env maps.
        let frame = unsafe { core::slice::from_raw_parts_mut(kva.as_ptr::<u8>(), PGSIZE as usize) };
        // The part of this page the segment covers: file bytes, then zeros.
        let from = va.max(page);
        let to = end.min(page + PGSIZE);
        let file_to = (va + data.len() as u32).clamp(from, to);
        let file_bytes = data
            .get((from - va) as usize..(file_to - va) as usize)
            .unwrap_or(&[]);
        let at = (from - page) as usize;
        frame[at..at + file_bytes.len()].copy_from_slice(file_bytes);
        frame[(file_to - page) as usize..(to - page) as usize].fill(0);
        page += PGSIZE;
    }
    Ok(())
}

/// Releases env `e`'s memory and slot. Envs blocked sending to it learn
/// that it is gone (-E_BAD_ENV).
pub fn env_free(bkl: &mut Bkl, e: usize) {
    if bkl.curenv() == Some(e) {
        // Do not free the page directory this CPU is using.
        // SAFETY: the kernel's page directory maps the kernel.
        unsafe { pmap::load_pgdir(bkl.irq(), pmap::kern_pgdir()) };
    }
    let cpu = thiscpu(bkl.irq()).id;
    crate::fpu::env_free(bkl, cpu, e);
    let id = bkl.env(e).env_id;
    // A DYING env is freed by its own CPU; name the env that destroyed it,
    // as a single CPU would have.
    let by = match KERNEL_STATE.get(bkl)[e].destroyed_by {
        Some(by) => by,
        None => curenv_id(bkl),
    };
    cprintf!("[%08x] free env %08x\n", by, id);
    crate::ipc::fail_senders_to(bkl, e);
    crate::ipc::cancel_send(bkl, e);
    KERNEL_STATE.get(bkl)[e] = EnvKernel::default();
    pmap::pgdir_free(space_of(bkl, e));
    set_status(bkl, e, ENV_FREE);
    let link = TABLE.get(bkl).free.map_or(0, slot_kva);
    let slot = bkl.env(e);
    slot.env_pgdir = 0;
    slot.env_link = link;
    TABLE.get(bkl).free = Some(e);
}

/// Called when no env is left to run: if every env that remains waits in
/// `ipc_recv` (a server such as the FS env), none can ever be woken, since
/// only envs send IPC; free them all, so the free-page count shows whether
/// anything leaked. An env waiting for anything else is left alone.
pub fn free_deadlocked_receivers(bkl: &mut Bkl) {
    let waits_for_ipc = |e: &Env| {
        e.env_status == ENV_FREE || (e.env_status == ENV_NOT_RUNNABLE && e.env_ipc_recving)
    };
    if !(0..NENV).all(|i| waits_for_ipc(bkl.env(i))) {
        return;
    }
    for i in 0..NENV {
        if bkl.env(i).env_status != ENV_FREE {
            env_free(bkl, i);
            let me = thiscpu(bkl.irq());
            if me.env.get() == Some(i) {
                me.env.set(None);
            }
        }
    }
}

/// Destroys env `e`. If it runs on another CPU it is only marked DYING; that
/// CPU frees it the next time it enters the kernel. If it is the current
/// env, this CPU schedules something else and does not return.
pub fn env_destroy(bkl: &mut Bkl, e: usize) {
    let me = thiscpu(bkl.irq()).id;
    let target = bkl.env(e);
    let status = target.env_status;
    if status == ENV_DYING {
        return; // its CPU will free it
    }
    if status == ENV_RUNNING && target.env_cpunum as usize != me {
        let by = curenv_id(bkl);
        KERNEL_STATE.get(bkl)[e].destroyed_by = Some(by);
        set_status(bkl, e, ENV_DYING);
        return;
    }
    env_free(bkl, e);
    if bkl.curenv() == Some(e) {
        thiscpu(bkl.irq()).env.set(None);
        bkl.diverge(sched::sched_yield);
    }
}

/// Switches to env `e` on this CPU and returns to user mode in it,
/// releasing the big kernel lock on the way.
pub fn env_run(mut bkl: Bkl, e: usize) -> ! {
    let me = thiscpu(bkl.irq());
    let (id, prev) = (me.id, me.env.replace(Some(e)));
    // Back into the env that runs here (an `int $0x30` return): it stays
    // RUNNING, where making it RUNNABLE and RUNNING again would end.
    let resuming = prev == Some(e) && bkl.env(e).env_status == ENV_RUNNING;
    if !resuming {
        if let Some(cur) = prev {
            if bkl.env(cur).env_status == ENV_RUNNING {
                set_status(&mut bkl, cur, ENV_RUNNABLE);
            }
        }
        set_status(&mut bkl, e, ENV_RUNNING);
    }
    let next = bkl.env(e);
    next.env_runs += 1;
    next.env_cpunum = id as i32;
    // `iret` restores every register: a frame set by sys_env_set_trapframe
    // needs nothing more.
    KERNEL_STATE.get(&mut bkl)[e].needs_iret = false;
    let pgdir = pgdir_of(&mut bkl, e);
    // SAFETY: an env's page directory maps the kernel like kern_pgdir does.
    unsafe { pmap::load_pgdir(bkl.irq(), pgdir) };
    crate::fpu::switch_to(&mut bkl, id, Some(e));
    // A raw pointer: the frame is read after the lock is gone. No other CPU
    // touches a RUNNING env's frame (see sys_env_set_trapframe).
    let tf: *const Trapframe = &raw const bkl.env(e).env_tf;
    bkl.release();
    // SAFETY: `tf` is this env's saved user-mode frame in the env table,
    // which lives forever, and it has user segments.
    unsafe { crate::trap::env_pop_tf(tf) }
}

/// Checks that env `e` (the current env) may touch `buf` with `perm`
/// (PTE_U is implied). If not, reports the first bad address and destroys
/// the env, which does not return.
pub fn user_mem_assert(bkl: &mut Bkl, e: usize, buf: UserBuf, perm: u32) -> CheckedBuf {
    match buf.check(pgdir_of(bkl, e), perm | PTE_U) {
        Ok(checked) => checked,
        Err(va) => {
            cprintf!(
                "[%08x] user_mem_check assertion failure for va %08x\n",
                bkl.env(e).env_id,
                va.0
            );
            env_destroy(bkl, e);
            bkl.diverge(sched::sched_yield)
        }
    }
}

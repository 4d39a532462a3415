//! Every privileged x86 instruction the kernel uses, in one place.
//!
//! Each wrapper is one instruction. Port input and the register reads are
//! safe to call (they cannot break memory safety by themselves on this
//! machine). Port output is `unsafe fn`: a write to the wrong port (the DMA
//! controller, the IMCR, PCI configuration) can make a device overwrite RAM.
//! Loads of control registers and descriptor tables are `unsafe fn` because
//! a wrong value breaks every later memory access.

use core::arch::asm;

pub fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: port input has no memory effects visible to Rust.
    unsafe {
        asm!("inb %dx, %al", in("dx") port, out("al") v, options(att_syntax, nomem, nostack))
    };
    v
}

/// Writes `v` to I/O port `port`.
///
/// # Safety
/// `port` must belong to a device whose registers the caller understands,
/// and the write must not make that device touch memory the kernel uses.
pub unsafe fn outb(port: u16, v: u8) {
    // SAFETY: the caller vouches for the port (see above).
    unsafe {
        asm!("outb %al, %dx", in("dx") port, in("al") v, options(att_syntax, nomem, nostack))
    };
}

/// Writes `v` to I/O port `port`.
///
/// # Safety
/// `port` must belong to a device whose registers the caller understands,
/// and the write must not make that device touch memory the kernel uses.
pub unsafe fn outl(port: u16, v: u32) {
    // SAFETY: the caller vouches for the port (see above).
    unsafe {
        asm!("outl %eax, %dx", in("dx") port, in("eax") v, options(att_syntax, nomem, nostack))
    };
}

pub fn rcr0() -> u32 {
    let v: u32;
    // SAFETY: reading CR0 has no side effects.
    unsafe { asm!("movl %cr0, {}", out(reg) v, options(att_syntax, nomem, nostack)) };
    v
}

/// # Safety
/// `v` must keep the kernel's mappings valid (paging and protection on).
pub unsafe fn lcr0(v: u32) {
    // SAFETY: the caller keeps the invariants above.
    unsafe { asm!("movl {}, %cr0", in(reg) v, options(att_syntax, nostack)) };
}

/// The faulting linear address of the last page fault.
pub fn rcr2() -> u32 {
    let v: u32;
    // SAFETY: reading CR2 has no side effects.
    unsafe { asm!("movl %cr2, {}", out(reg) v, options(att_syntax, nomem, nostack)) };
    v
}

pub fn rcr3() -> u32 {
    let v: u32;
    // SAFETY: reading CR3 has no side effects.
    unsafe { asm!("movl %cr3, {}", out(reg) v, options(att_syntax, nomem, nostack)) };
    v
}

/// # Safety
/// `pa` must be the physical address of a page directory that maps the
/// kernel (code, stack, data) where it is now.
pub unsafe fn lcr3(pa: u32) {
    // SAFETY: the caller keeps the invariant above.
    unsafe { asm!("movl {}, %cr3", in(reg) pa, options(att_syntax, nostack)) };
}

pub fn rcr4() -> u32 {
    let v: u32;
    // SAFETY: reading CR4 has no side effects.
    unsafe { asm!("movl %cr4, {}", out(reg) v, options(att_syntax, nomem, nostack)) };
    v
}

/// # Safety
/// `v` must not disable a feature the current page tables rely on.
pub unsafe fn lcr4(v: u32) {
    // SAFETY: the caller keeps the invariant above.
    unsafe { asm!("movl {}, %cr4", in(reg) v, options(att_syntax, nostack)) };
}

/// Clears CR0.TS: FPU and SSE instructions run without trapping (#NM).
pub fn clts() {
    // SAFETY: TS only decides whether FPU instructions trap.
    unsafe { asm!("clts", options(nomem, nostack)) };
}

/// Saves the x87/SSE registers into `area` (`fxsave`). CR0.TS must be
/// clear (else #NM in the kernel, a kernel bug).
pub fn fxsave(area: &mut crate::fpu::FxState) {
    // SAFETY: `area` is a 512-byte, 16-aligned buffer we may write.
    unsafe { asm!("fxsave ({})", in(reg) area, options(att_syntax, nostack)) };
}

/// Loads the x87/SSE registers from `area` (`fxrstor`). CR0.TS must be
/// clear; `area` must come from `fxsave` or `FxState::CLEAN` (reserved
/// MXCSR bits set would fault).
pub fn fxrstor(area: &crate::fpu::FxState) {
    // SAFETY: `area` is a 512-byte, 16-aligned buffer we may read.
    unsafe { asm!("fxrstor ({})", in(reg) area, options(att_syntax, nostack, readonly)) };
}

/// Drops the TLB entry for `va` on this CPU.
pub fn invlpg(va: u32) {
    // SAFETY: invalidating a TLB entry only forces a fresh page-table walk.
    unsafe { asm!("invlpg ({})", in(reg) va, options(att_syntax, nostack)) };
}

/// Always inlined: a call of its own would read its own frame pointer.
#[inline(always)]
pub fn read_ebp() -> u32 {
    let v: u32;
    // SAFETY: reading a register has no side effects.
    unsafe { asm!("movl %ebp, {}", out(reg) v, options(att_syntax, nomem, nostack)) };
    v
}

pub fn read_eflags() -> u32 {
    let v: u32;
    // SAFETY: pushf/pop leaves the stack as it found it.
    unsafe { asm!("pushfl", "popl {}", out(reg) v, options(att_syntax, nomem)) };
    v
}

/// `cpuid` leaf `leaf`: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86::__cpuid(leaf);
    (r.eax, r.ebx, r.ecx, r.edx)
}

pub fn cli() {
    // SAFETY: masking interrupts cannot break memory safety.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

pub fn sti() {
    // SAFETY: the kernel installs its IDT before it ever enables interrupts.
    unsafe { asm!("sti", options(nomem, nostack)) };
}

/// Waits for the next interrupt.
pub fn hlt() {
    // SAFETY: hlt only pauses the CPU.
    unsafe { asm!("hlt", options(nomem, nostack)) };
}

/// Lets a pending interrupt in, then masks interrupts again: `sti` takes
/// effect only after the instruction that follows it, so `sti; nop; cli`
/// is a window of one instruction. An interrupt taken there enters `trap`
/// from the kernel, as one taken in `hlt` does, so only an idle CPU that is
/// marked halted and holds no lock may open one (`sched::idle_again`).
pub fn interrupt_window() {
    // SAFETY: the IDT is installed before anything idles; not `nomem`, so
    // the compiler assumes the handler may have changed memory.
    unsafe { asm!("sti", "nop", "cli") };
}

/// Moves esp to `top` and calls `f` there. A return address of 0 sits
/// under `f`'s frame and ebp is cleared, so backtraces stop at `f`.
///
/// # Safety
/// `top` must be the top of a stack only this CPU uses, on which nothing
/// is live any more: every frame the caller had, on that stack or its own,
/// is abandoned for good.
pub unsafe fn run_on_stack(top: u32, f: extern "C" fn() -> !) -> ! {
    // SAFETY: the caller gives us the stack; `f` never returns.
    unsafe {
        asm!("movl %eax, %esp", "xorl %ebp, %ebp", "pushl %ebp", "call *%ecx",
             in("eax") top, in("ecx") f, options(att_syntax, noreturn))
    }
}

/// Hints a spin-wait loop.
pub fn pause() {
    core::hint::spin_loop();
}

/// A descriptor-table pointer, as `lgdt`/`lidt` read it.
#[repr(C, packed)]
pub struct DescriptorTablePointer {
    pub limit: u16,
    pub base: u32,
}

/// # Safety
/// `p` must describe a valid GDT that lives as long as it is loaded.
pub unsafe fn lgdt(p: &DescriptorTablePointer) {
    // SAFETY: the caller keeps the invariant above.
    unsafe { asm!("lgdt ({})", in(reg) p, options(att_syntax, nostack)) };
}

/// # Safety
/// `p` must describe a valid IDT that lives as long as it is loaded.
pub unsafe fn lidt(p: &DescriptorTablePointer) {
    // SAFETY: the caller keeps the invariant above.
    unsafe { asm!("lidt ({})", in(reg) p, options(att_syntax, nostack)) };
}

/// # Safety
/// `sel` must select an available TSS descriptor in the loaded GDT.
pub unsafe fn ltr(sel: u16) {
    // SAFETY: the caller keeps the invariant above.
    unsafe { asm!("ltr {0:x}", in(reg) sel, options(nostack)) };
}

/// # Safety
/// `sel` must select the LDT (0 = none).
pub unsafe fn lldt(sel: u16) {
    // SAFETY: the caller keeps the invariant above.
    unsafe { asm!("lldt {0:x}", in(reg) sel, options(nostack)) };
}

/// Ends QEMU with exit status `(code << 1) | 1` via the `isa-debug-exit`
/// device at port 0xf4; returns if that device is absent (real hardware).
pub fn qemu_exit(code: u8) {
    // SAFETY: port 0xf4 is QEMU's isa-debug-exit (nothing on real PCs).
    unsafe { outl(0xf4, code as u32) };
}

/// Writes model-specific register `msr`.
///
/// # Safety
/// `msr` must exist, and the value must not break the kernel (for the
/// SYSENTER MSRs: a valid code selector, stack and entry point).
pub unsafe fn wrmsr(msr: u32, v: u64) {
    // SAFETY: the caller keeps the invariants above.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") v as u32, in("edx") (v >> 32) as u32,
             options(nostack))
    };
}

/// Loads the data segment registers ds, es and ss with `sel`.
///
/// # Safety
/// `sel` must select a flat, writable ring-0 data segment in the loaded GDT.
pub unsafe fn load_kernel_data_segments(sel: u16) {
    // SAFETY: the caller keeps the invariant above; the segments stay flat, so
    // every address means what it meant before.
    unsafe {
        asm!("movw {0:x}, %ds", "movw {0:x}, %es", "movw {0:x}, %ss",
             in(reg) sel, options(att_syntax, nostack))
    };
}

/// Loads fs and gs (the kernel does not use them; user code may).
///
/// # Safety
/// `sel` must select a data segment in the loaded GDT (or be null).
pub unsafe fn load_fs_gs(sel: u16) {
    // SAFETY: the kernel never addresses memory through fs or gs.
    unsafe {
        asm!("movw {0:x}, %fs", "movw {0:x}, %gs", in(reg) sel, options(att_syntax, nostack))
    };
}

/// Reloads cs with `sel`. A far return is the one way to do it in 32-bit
/// code without a far-pointer constant: push the selector and the address of
/// the next instruction, then `lret`.
///
/// # Safety
/// `sel` must select a flat ring-0 code segment in the loaded GDT.
pub unsafe fn load_cs(sel: u16) {
    // SAFETY: the caller keeps the invariant above; the code segment stays
    // flat, so the return address is the same linear address.
    unsafe {
        asm!("pushl {sel}", "pushl $2f", "lret", "2:",
             sel = in(reg) sel as u32, options(att_syntax))
    };
}

/// The task register's selector (0 until `ltr`).
pub fn str() -> u16 {
    let sel: u16;
    // SAFETY: storing the task register only reads CPU state.
    unsafe { asm!("str {0:x}", out(reg) sel, options(nomem, nostack, preserves_flags)) };
    sel
}

/// Stores `count` copies of `value` in the words from `dst` on, with one
/// `rep stosl`: a page costs 1024 iterations (QEMU's `-icount` counts each
/// as one instruction), where `memset`'s byte loop costs 4096. The
/// direction flag is clear in the kernel (trap entry does `cld`).
///
/// # Safety
/// `dst` must be 4-aligned and valid for writes of `count` words, and no
/// live reference may cover them.
pub unsafe fn fill_words(dst: *mut u32, value: u32, count: usize) {
    // SAFETY: the caller gives us the words; rep stosl writes exactly them.
    unsafe {
        asm!("rep stosl", inout("edi") dst => _, inout("ecx") count => _, in("eax") value,
             options(att_syntax, nostack, preserves_flags))
    };
}

/// Copies `count` words from `src` to `dst` with one `rep movsl` (see
/// [`fill_words`]). esi is reserved by the compiler, so it is saved around
/// the copy.
///
/// # Safety
/// Both ranges must be 4-aligned and valid for `count` words; the copy runs
/// upwards, so they may overlap only if `dst` lies below `src`. No live
/// reference may cover `dst`'s words.
pub unsafe fn copy_words(dst: *mut u32, src: *const u32, count: usize) {
    // SAFETY: the caller gives us both ranges; rep movsl touches only them.
    unsafe {
        asm!("xchgl {src}, %esi", "rep movsl", "xchgl {src}, %esi",
             src = inout(reg) src => _, inout("edi") dst => _, inout("ecx") count => _,
             options(att_syntax, nostack, preserves_flags))
    };
}

/// Sends `bytes` to I/O port `port` with one `rep outsb` (one instruction
/// per byte under `-icount`; a load, `out` and loop cost six).
///
/// # Safety
/// As for [`outb`], for each byte in turn.
pub unsafe fn outsb(port: u16, bytes: &[u8]) {
    // SAFETY: the caller vouches for the port; outsb only reads the
    // slice's bytes. esi is saved around it as in copy_words.
    unsafe {
        asm!("xchgl {src}, %esi", "rep outsb", "xchgl {src}, %esi",
             src = inout(reg) bytes.as_ptr() => _, inout("ecx") bytes.len() => _, in("dx") port,
             options(att_syntax, nostack, readonly, preserves_flags))
    };
}

/// Stores the leading bytes of `src` that are at least `floor` as 16-bit
/// cells `attr << 8 | byte` from `dst` on, stopping at the first byte
/// below `floor`; returns how many it stored. A `lodsb`/`stosw` loop: five
/// instructions a cell, where the compiler's loop took twelve (the CGA
/// screen's runs of plain characters, issue 11).
///
/// # Safety
/// `dst` must be valid for writes of `src.len()` 16-bit cells, and no live
/// reference may cover them.
pub unsafe fn widen_while_at_least(dst: *mut u16, src: &[u8], floor: u8, attr: u8) -> usize {
    if src.is_empty() {
        return 0;
    }
    let left: usize;
    // SAFETY: lodsb reads src's bytes only; stosw writes at most
    // src.len() cells from dst, which the caller gives us. `loop` ends
    // after the last byte; `jb` leaves early with ecx counting the byte
    // not stored. esi is saved around it as in copy_words.
    unsafe {
        asm!("xchgl {src}, %esi",
             "2:",
             "lodsb",
             "cmpb {floor}, %al",
             "jb 3f",
             "stosw",
             "loop 2b",
             "3:",
             "xchgl {src}, %esi",
             src = inout(reg) src.as_ptr() => _, floor = in(reg_byte) floor,
             inout("edi") dst => _, inout("ecx") src.len() => left,
             inout("eax") u32::from(attr) << 8 => _,
             options(att_syntax, nostack))
    };
    src.len() - left
}

/// Copies `src` into the start of `dst` with one `rep movsl`; panics if
/// `dst` is shorter. `memcpy` moves a word in six instructions.
pub fn copy_u32s(dst: &mut [u32], src: &[u32]) {
    assert!(src.len() <= dst.len());
    // SAFETY: two slices, so valid, aligned and (one being &mut) disjoint;
    // the copy writes src.len() words of dst, which holds that many.
    unsafe { copy_words(dst.as_mut_ptr(), src.as_ptr(), src.len()) }
}

/// The index of the first nonzero word of `words` (`words.len()` if all
/// are zero), with one `repe scasl`.
pub fn first_nonzero(words: &[u32]) -> usize {
    if words.is_empty() {
        return 0;
    }
    let left: usize;
    let found: u8;
    // SAFETY: scasl only reads the words of the slice.
    unsafe {
        asm!("repe scasl", "setne {found}",
             found = out(reg_byte) found,
             inout("edi") words.as_ptr() => _, inout("ecx") words.len() => left, in("eax") 0u32,
             options(att_syntax, nostack, readonly))
    };
    // The scan stops one word past the nonzero one it found.
    if found != 0 {
        words.len() - left - 1
    } else {
        words.len()
    }
}

/* The page-fault upcall entry: the kernel starts it on the exception stack
 * with esp pointing at a UTrapframe (inc::trap::UTrapframe):
 *
 *     esp+0  fault_va      esp+8  regs (pusha order, 32 bytes)
 *     esp+4  err           esp+40 eip   esp+44 eflags   esp+48 esp
 *
 * It calls the Rust handler, then resumes the faulting code with every
 * register and eflags as they were. The trick: write the trap-time eip just
 * below the trap-time stack pointer, so that after switching to that stack a
 * plain `ret` jumps back. For a fault taken on the exception stack itself the
 * kernel left one empty word below the trap-time esp for exactly this. */

/* Offsets in the UTrapframe, from Rust (pgfault.rs passes them as `const`
 * operands, so the layout in inc cannot change behind this file's back). */
    .set UTF_REGS,   {UTF_REGS}
    .set UTF_EIP,    {UTF_EIP}
    .set UTF_EFLAGS, {UTF_EFLAGS}
    .set UTF_ESP,    {UTF_ESP}

    .text
    .globl _pgfault_upcall
_pgfault_upcall:
    pushl %esp                  /* argument: the UTrapframe */
    call pgfault_dispatch
    addl $4, %esp

    /* Push the trap-time eip onto the trap-time stack. */
    movl UTF_EIP(%esp), %eax    /* trap-time eip */
    movl UTF_ESP(%esp), %ebx    /* trap-time esp */
    subl $4, %ebx
    movl %eax, (%ebx)
    movl %ebx, UTF_ESP(%esp)    /* the stack we switch to, eip on top */

    /* Restore the general registers (popal skips the saved esp). */
    addl $UTF_REGS, %esp        /* past fault_va and err */
    popal

    /* Restore eflags; nothing after this may change the flags. */
    addl $(UTF_EFLAGS - UTF_EIP), %esp  /* past eip */
    popfl

    /* Back to the trap-time stack, and return to the faulting instruction. */
    popl %esp
    ret

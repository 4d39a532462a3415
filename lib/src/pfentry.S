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

    .text
    .globl _pgfault_upcall
_pgfault_upcall:
    pushl %esp                  /* argument: the UTrapframe */
    call pgfault_dispatch
    addl $4, %esp

    /* Push the trap-time eip onto the trap-time stack. */
    movl 40(%esp), %eax         /* trap-time eip */
    movl 48(%esp), %ebx         /* trap-time esp */
    subl $4, %ebx
    movl %eax, (%ebx)
    movl %ebx, 48(%esp)         /* the stack we switch to, eip on top */

    /* Restore the general registers (popal skips the saved esp). */
    addl $8, %esp               /* past fault_va and err */
    popal

    /* Restore eflags; nothing after this may change the flags. */
    addl $4, %esp               /* past eip */
    popfl

    /* Back to the trap-time stack, and return to the faulting instruction. */
    popl %esp
    ret

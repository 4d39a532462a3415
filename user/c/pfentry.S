/* The page-fault upcall entry for the C programs. The kernel starts it on
 * the exception stack with esp at a struct UTrapframe (jos.h): fault_va @0,
 * err @4, the pusha registers @8, eip @40, eflags @44, esp @48. It calls
 * pgfault_handler(utf), then resumes the faulting instruction: it stores the
 * trap-time eip just below the trap-time esp, restores the registers and
 * eflags, switches to that stack and returns through the stored eip. */
    .text
    .globl pgfault_upcall
pgfault_upcall:
    pushl %esp
    call pgfault_handler
    addl $4, %esp
    movl 40(%esp), %eax         /* trap-time eip */
    movl 48(%esp), %ebx         /* trap-time esp */
    subl $4, %ebx
    movl %eax, (%ebx)
    movl %ebx, 48(%esp)
    addl $8, %esp               /* past fault_va and err */
    popal
    addl $4, %esp               /* past eip */
    popfl                       /* no flag may change after this */
    popl %esp
    ret

    .section .note.GNU-stack, "", @progbits

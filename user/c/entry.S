/* Entry point of the C test program. The kernel starts us with esp at
 * USTACKTOP and no arguments; cmain never returns (it destroys the env). */
    .text
    .globl _start
_start:
    xorl %ebp, %ebp         /* end of the frame-pointer chain */
    call cmain
1:  jmp 1b

    /* No executable stack needed (silences the linker). */
    .section .note.GNU-stack, "", @progbits

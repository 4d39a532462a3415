# Trap entry and exit (AT&T syntax; pulled into trap.rs with global_asm!).
#
# Every vector the IDT uses gets a small stub that makes the stack look the
# same whatever the CPU pushed: an error code (0 when the CPU pushes none),
# then the trap number. `alltraps` then saves the rest of a Trapframe
# (ds, es, the pusha registers), switches to kernel data segments and calls
# the Rust `trap(tf)`, which never returns here.
#
# The stubs also emit (vector, address) pairs into `trap_entries` for
# trap_init to build the IDT from.

# The constants come from Rust (trap.rs passes them as `const` operands), so
# a change in gdt.rs or inc cannot leave this file behind.
.set GD_KD,       {GD_KD}
.set GD_UT,       {GD_UT}
.set GD_UD,       {GD_UD}
.set RPL_USER,    {RPL_USER}
.set T_SYSCALL,   {T_SYSCALL}
.set FL_IF,       {FL_IF}
.set FL_RESERVED, {FL_RESERVED}   # eflags bit 1 always reads as 1
# Offsets in a Trapframe.
.set TF_TRAPNO,   {TF_TRAPNO}
.set TF_EIP,      {TF_EIP}
.set TF_EFLAGS,   {TF_EFLAGS}
.set TF_ESP,      {TF_ESP}

.section .rodata.trap_entries, "a"
.p2align 2
.globl trap_entries
trap_entries:

# VECTOR num, cpu_pushes_error_code
.macro VECTOR num, err
    .text
    .p2align 2
1:
    .if \err == 0
    pushl $0
    .endif
    pushl $\num
    jmp alltraps
    .section .rodata.trap_entries, "a"
    .long \num, 1b
.endm

VECTOR 0, 0      # divide error
VECTOR 1, 0      # debug
VECTOR 2, 0      # NMI
VECTOR 3, 0      # breakpoint
VECTOR 4, 0      # overflow
VECTOR 5, 0      # bound
VECTOR 6, 0      # invalid opcode
VECTOR 7, 0      # device not available
VECTOR 8, 1      # double fault
VECTOR 9, 0      # coprocessor segment overrun
VECTOR 10, 1     # invalid TSS
VECTOR 11, 1     # segment not present
VECTOR 12, 1     # stack fault
VECTOR 13, 1     # general protection
VECTOR 14, 1     # page fault
VECTOR 15, 0     # reserved
VECTOR 16, 0     # x87 error
VECTOR 17, 1     # alignment check
VECTOR 18, 0     # machine check
VECTOR 19, 0     # SIMD error
VECTOR 32, 0     # IRQ 0: timer
VECTOR 33, 0
VECTOR 34, 0
VECTOR 35, 0
VECTOR 36, 0
VECTOR 37, 0
VECTOR 38, 0
VECTOR 39, 0     # IRQ 7: spurious
VECTOR 40, 0
VECTOR 41, 0
VECTOR 42, 0
VECTOR 43, 0
VECTOR 44, 0
VECTOR 45, 0
VECTOR 46, 0
VECTOR 47, 0
VECTOR T_SYSCALL, 0
VECTOR {IRQ_LAPIC_ERROR}, 0  # IRQ_OFFSET + IRQ_ERROR

.section .rodata.trap_entries, "a"
.globl trap_entries_end
trap_entries_end:

# The rest of a Trapframe (segments, general registers) on top of what the
# entry pushed, then kernel data segments: shared by alltraps and sysenter.
.macro SAVE_REST_OF_TRAPFRAME
    pushl %ds
    pushl %es
    pushal
    movw $GD_KD, %ax
    movw %ax, %ds
    movw %ax, %es
    cld
.endm

.text
alltraps:
    SAVE_REST_OF_TRAPFRAME
    pushl %esp              # the Trapframe we just built
    call trap
1:  hlt                     # trap() never returns
    jmp 1b

# sysenter lands here (IA32_SYSENTER_EIP) with cs = GD_KT, ss = GD_KD,
# esp = this CPU's kernel stack top and interrupts off. The user passed
# eax = number, edx/ecx/ebx/edi = arguments, esi = where to return,
# ebp = its stack pointer. Build the Trapframe `int $0x30` would have built,
# so the rest of the kernel cannot tell the two apart.
.globl sysenter_entry
sysenter_entry:
    pushl $(GD_UD | RPL_USER) # ss
    pushl %ebp              # esp
    pushfl                  # eflags: the user's, but sysenter cleared IF
    orl $FL_IF, (%esp)
    # sysenter clears only IF, VM and RF. A user may have set NT (popf at
    # CPL 3 may), with which the kernel's next iret would be a task return
    # (#TS). Run the kernel on clean flags; the user's are saved just above.
    pushl $FL_RESERVED
    popfl
    pushl $(GD_UT | RPL_USER) # cs
    pushl %esi              # eip
    pushl $0                # err
    pushl $T_SYSCALL        # trapno
    SAVE_REST_OF_TRAPFRAME
    pushl %esp
    call sysenter_trap      # returns the frame to resume (same env)
    # fall through with eax = &Trapframe, big kernel lock released

# Returns to user mode through sysexit: eip goes in edx, esp in ecx (the
# calling convention gives those two up). The user's eflags are restored
# with IF still clear; `sti` takes effect only after the next instruction,
# so no interrupt can arrive between it and sysexit. Nothing after popfl
# may change the flags.
.globl sysexit_to_user
sysexit_to_user:
    pushl TF_EFLAGS(%eax)   # tf->eflags
    andl $~FL_IF, (%esp)
    popfl
    movl %eax, %esp
    popal
    popl %es
    popl %ds
    movl (TF_EIP - TF_TRAPNO)(%esp), %edx  # eip (esp is at trapno now)
    movl (TF_ESP - TF_TRAPNO)(%esp), %ecx  # esp
    sti
    sysexit

# env_pop_tf(tf): restores every register from tf and returns with iret.
.globl env_pop_tf
env_pop_tf:
    movl 4(%esp), %esp
    popal
    popl %es
    popl %ds
    addl $(TF_EIP - TF_TRAPNO), %esp   # skip trapno and err
    iret

# halt_on_stack(top): sleeps forever on a fresh stack with interrupts on.
# An interrupt enters trap() on top of this tiny frame; resetting the stack
# each time keeps repeated halts from using it up.
.globl halt_on_stack
halt_on_stack:
    movl 4(%esp), %eax
    movl %eax, %esp
    xorl %ebp, %ebp
    pushl $0
    pushl $0
    sti
1:  hlt
    jmp 1b

# RJOS boot entry: multiboot v1 header, then 32-bit protected mode with paging off.
#
# The ELF entry point is `entry`, a link-time (virtual) address; boot loaders
# (QEMU -kernel, GRUB) translate it through its segment's physical address and
# jump to _start = entry - KERNBASE with paging off, eax = 0x2BADB002 and
# ebx = physical address of the multiboot information. (A physical e_entry
# works for QEMU but GRUB 2 refuses it: "entry point isn't in a segment".)
# We turn on paging with a tiny page directory that maps physical
# [0, ENTRY_PDES * 4 MB) both at 0 (so the next instruction still runs) and at
# KERNBASE (where the kernel is linked), jump up to the high half, and call
# i386_boot on the .bss boot stack. i386_boot builds the real page tables,
# which map the boot CPU's kernel stack below KSTACKTOP with an unmapped
# guard page under it; we then move to that stack and call i386_init, so
# that everything after the first page tables runs on a guarded stack.
#
# KERNBASE, KSTKSIZE, KSTACKTOP, ENTRY_PDES, PDE_4MB, CR0_BITS and CR4_PSE
# are `const` operands from the Rust definitions (kern/src/main.rs).

.set MULTIBOOT_MAGIC, 0x1BADB002
.set MULTIBOOT_FLAGS, 0x00000003          # page-align modules, give us the memory map
.set KERNBASE,        {KERNBASE}
.set KSTKSIZE,        {KSTKSIZE}
.set KSTACKTOP,       {KSTACKTOP}
.set ENTRY_PDES,      {ENTRY_PDES}        # 4 MB pages mapped at 0 and at KERNBASE
.set PDE_4MB,         {PDE_4MB}           # present | writable | 4 MB page
.set CR0_BITS,        {CR0_BITS}          # paging | write-protect | protected mode
.set CR4_PSE,         {CR4_PSE}

.section .multiboot, "a"
.p2align 2
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

.section .text.entry, "ax"
.globl entry
.globl _start
.set _start, entry - KERNBASE
entry:
    cld
    # Paging is off: every address we touch must be physical.
    movl %eax, (multiboot_magic - KERNBASE)
    movl %ebx, (multiboot_info_pa - KERNBASE)

    movl %cr4, %ecx
    orl $CR4_PSE, %ecx
    movl %ecx, %cr4
    movl $(entry_pgdir - KERNBASE), %ecx
    movl %ecx, %cr3
    movl %cr0, %ecx
    orl $CR0_BITS, %ecx
    movl %ecx, %cr0

    # Still running at a low address; jump to the high-half link address.
    movl $relocated, %ecx
    jmp *%ecx
relocated:
    # A zero frame pointer ends every backtrace here.
    movl $0, %ebp
    movl $bootstacktop, %esp
    pushl (multiboot_info_pa)
    pushl (multiboot_magic)
    call i386_boot
    # The guarded stack is mapped now; the boot stack is not used again.
    movl $KSTACKTOP, %esp
    movl $0, %ebp
    call i386_init
1:  hlt
    jmp 1b

.section .data.entry, "aw"
.globl multiboot_magic
.globl multiboot_info_pa
multiboot_magic:   .long 0
multiboot_info_pa: .long 0

# The entry page directory: physical [0, ENTRY_PDES * 4 MB) in 4 MB pages,
# twice (at 0 and at KERNBASE).
.p2align 12
.globl entry_pgdir
entry_pgdir:
    .set pde, 0
    .rept ENTRY_PDES
    .long (pde << 22) | PDE_4MB
    .set pde, pde + 1
    .endr
    .fill (KERNBASE >> 22) - ENTRY_PDES, 4, 0
    .set pde, 0
    .rept ENTRY_PDES
    .long (pde << 22) | PDE_4MB
    .set pde, pde + 1
    .endr
    .fill 1024 - (KERNBASE >> 22) - ENTRY_PDES, 4, 0

# The stack i386_boot runs on, before there are page tables that can leave
# a guard page unmapped. i386_init checks that its lowest page was never
# written (kern/src/init.rs).
.section .bss.bootstack, "aw", @nobits
.p2align 12
.globl bootstack
.globl bootstacktop
bootstack:
    .space KSTKSIZE
bootstacktop:

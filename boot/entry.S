# RJOS boot entry: multiboot v1 header, then 32-bit protected mode with paging off.
#
# The ELF entry point is `entry`, a link-time (virtual) address; boot loaders
# (QEMU -kernel, GRUB) translate it through its segment's physical address and
# jump to _start = entry - KERNBASE with paging off, eax = 0x2BADB002 and
# ebx = physical address of the multiboot information. (A physical e_entry
# works for QEMU but GRUB 2 refuses it: "entry point isn't in a segment".) We turn on paging with a tiny page directory that maps physical
# [0, 8 MB) both at 0 (so the next instruction still runs) and at KERNBASE (where
# the kernel is linked), jump up to the high half, and call i386_init.

.set MULTIBOOT_MAGIC, 0x1BADB002
.set MULTIBOOT_FLAGS, 0x00000003          # page-align modules, give us the memory map
.set KERNBASE,        0xF0000000
.set KSTKSIZE,        0x8000
.set PDE_4MB,         0x083               # present | writable | 4 MB page
.set CR0_BITS,        0x80010001          # paging | write-protect | protected mode
.set CR4_PSE,         0x00000010

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
    call i386_init
1:  hlt
    jmp 1b

.section .data.entry, "aw"
.globl multiboot_magic
.globl multiboot_info_pa
multiboot_magic:   .long 0
multiboot_info_pa: .long 0

# The entry page directory: 4 MB pages onto physical [0, 8 MB), at 0 and at
# KERNBASE (8 MB: the kernel image with every user program embedded is
# larger than 4 MB).
.p2align 12
.globl entry_pgdir
entry_pgdir:
    .long PDE_4MB
    .long PDE_4MB + 0x400000
    .fill (KERNBASE >> 22) - 2, 4, 0
    .long PDE_4MB
    .long PDE_4MB + 0x400000
    .fill 1022 - (KERNBASE >> 22), 4, 0

# The boot CPU's kernel stack. pmap maps it again just below KSTACKTOP with
# an unmapped guard under it.
.section .bss.bootstack, "aw", @nobits
.p2align 12
.globl bootstack
.globl bootstacktop
bootstack:
    .space KSTKSIZE
bootstacktop:

# RJOS application-processor entry: copied to MPENTRY_PADDR (0x7000) by
# boot_aps, where each AP starts in 16-bit real mode after its STARTUP IPI,
# with CS:IP = 0x0700:0000.
#
# The code is linked inside the kernel image but runs from the copy, so it
# names its own addresses as MPENTRY_PADDR (or the copy's kernel alias
# MP_HIGH) plus their offset from mpentry_base.
# Steps: load a flat GDT, enter protected mode, turn paging on with the entry
# page directory (which maps the low 4 MB at 0 too, so the next instruction
# still runs), jump to the copy's high-half alias, switch to the kernel page
# directory and this CPU's stack, and call ap_main. boot_aps fills in the
# three variables at the end before each STARTUP IPI.

# The constants come from Rust (mpconfig.rs passes them as `const`
# operands); the CR0 bits are the ones pmap loads on the boot CPU.
.set MPENTRY_PADDR,  {MPENTRY_PADDR}
.set MP_KERNBASE,    {KERNBASE}
.set MP_CR0_PE,      {CR0_PE}
.set MP_CR0_ON,      {CR0_ON}
.set MP_CR0_OFF,     {CR0_OFF}
.set MP_CR4_PSE,     {CR4_PSE}
.set MP_SEG_KCODE,   {GD_KT}
.set MP_SEG_KDATA,   {GD_KD}

# The copy's kernel (direct-map) alias.
.set MP_HIGH,        MP_KERNBASE + MPENTRY_PADDR

.pushsection .mpentry, "ax"
.code16
mpentry_base:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss

    lgdtl MPENTRY_PADDR + (mpentry_gdtdesc_low - mpentry_base)
    movl %cr0, %eax
    orl $MP_CR0_PE, %eax
    movl %eax, %cr0
    # A far jump reloads CS from the new GDT: now in 32-bit protected mode.
    ljmpl $MP_SEG_KCODE, $MPENTRY_PADDR + (mpentry_32 - mpentry_base)

.code32
mpentry_32:
    movw $MP_SEG_KDATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs

    # Paging with 4 MB pages through the entry page directory.
    movl %cr4, %eax
    orl $MP_CR4_PSE, %eax
    movl %eax, %cr4
    movl $(entry_pgdir - MP_KERNBASE), %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $MP_CR0_ON, %eax
    andl $~MP_CR0_OFF, %eax
    movl %eax, %cr0

    # Continue at the copy's kernel alias, which the kernel page directory
    # maps too (it has no mapping at 0x7000).
    movl $MP_HIGH + (mpentry_high - mpentry_base), %eax
    jmp *%eax
mpentry_high:
    lgdtl MP_HIGH + (mpentry_gdtdesc_high - mpentry_base)
    movl MP_HIGH + (mpentry_pgdir - mpentry_base), %eax
    movl %eax, %cr3
    movl MP_HIGH + (mpentry_kstack - mpentry_base), %esp
    # A zero frame pointer ends every backtrace here.
    xorl %ebp, %ebp
    call *MP_HIGH + (mpentry_main - mpentry_base)
1:  hlt
    jmp 1b

# Flat 4 GB code and data segments at the kernel's selectors, until ap_main
# loads the real GDT.
.p2align 3
mpentry_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF       # code: base 0, limit 4 GB, exec/read, ring 0
    .quad 0x00CF92000000FFFF       # data: base 0, limit 4 GB, read/write, ring 0
mpentry_gdtdesc_low:
    .word 3 * 8 - 1
    .long MPENTRY_PADDR + (mpentry_gdt - mpentry_base)
mpentry_gdtdesc_high:
    .word 3 * 8 - 1
    .long MP_HIGH + (mpentry_gdt - mpentry_base)

# Filled in by boot_aps.
.p2align 2
.globl mpentry_pgdir
.globl mpentry_kstack
.globl mpentry_main
mpentry_pgdir:  .long 0            # physical address of kern_pgdir
mpentry_kstack: .long 0            # top of this CPU's kernel stack
mpentry_main:   .long 0            # ap_main
.popsection

/* fpuregs_c: every env keeps its own FPU registers across switches. Run as
 * several copies (run=fpuregs_c,fpuregs_c,fpuregs_c). Each copy loads
 * values only it uses into x87 st0/st1, xmm0 and xmm7, and its own x87
 * control word and MXCSR (rounding modes), then yields many times in one
 * asm block (so the compiler cannot touch those registers in between), and
 * checks that it finds its own values afterwards. */
#include "ulib.h"

#define YIELDS 500

struct regs {
    long double st0, st1;          /* fstpt writes 10 bytes of each */
    uint32_t xmm0[4], xmm7[4];
    uint16_t fcw;
    uint32_t mxcsr;
};

/* Loads `in`, yields `n` times with int $0x30, stores the registers in `out`. */
static void hold_across_yields(const struct regs *in, struct regs *out, uint32_t n)
{
    asm volatile("fldcw %[fcw]\n\t"
                 "ldmxcsr %[mxcsr]\n\t"
                 "fldt %[st1]\n\t"
                 "fldt %[st0]\n\t"
                 "movdqu %[x0], %%xmm0\n\t"
                 "movdqu %[x7], %%xmm7\n"
                 "1:\n\t"
                 "movl %[yield], %%eax\n\t"
                 "int $0x30\n\t"
                 "decl %%ecx\n\t"
                 "jnz 1b\n\t"
                 "fstpt %[o_st0]\n\t"
                 "fstpt %[o_st1]\n\t"
                 "movdqu %%xmm0, %[o_x0]\n\t"
                 "movdqu %%xmm7, %[o_x7]\n\t"
                 "fnstcw %[o_fcw]\n\t"
                 "stmxcsr %[o_mxcsr]"
                 : [o_st0] "=m"(out->st0), [o_st1] "=m"(out->st1), [o_x0] "=m"(out->xmm0),
                   [o_x7] "=m"(out->xmm7), [o_fcw] "=m"(out->fcw), [o_mxcsr] "=m"(out->mxcsr), "+c"(n)
                 : [fcw] "m"(in->fcw), [mxcsr] "m"(in->mxcsr), [st0] "m"(in->st0), [st1] "m"(in->st1),
                   [x0] "m"(in->xmm0), [x7] "m"(in->xmm7), [yield] "i"(SYS_yield)
                 : "eax", "edx", "ebx", "edi", "esi", "xmm0", "xmm7", "memory", "cc");
}

static int same_bytes(const void *a, const void *b, uint32_t n)
{
    const volatile uint8_t *x = a, *y = b;
    for (uint32_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

void cmain(void)
{
    uint32_t slot = env_slot(sys_getenvid());
    uint32_t k = slot + 1;
    struct regs in, out;
    /* Rounding: x87 and SSE each get a mode that depends on the slot. */
    in.fcw = 0x037F | (k & 3) << 10;
    in.mxcsr = 0x1F80 | ((k + 1) & 3) << 13;
    in.st0 = 1000.0L * k + 0.125L;
    in.st1 = -1.0L / (long double)(k + 2);
    for (int i = 0; i < 4; i++) {
        in.xmm0[i] = 0x01010101u * (k * 16 + i);
        in.xmm7[i] = ~in.xmm0[i] ^ slot;
    }
    hold_across_yields(&in, &out, YIELDS);

    struct line l;
    l.len = 0;
    put_str(&l, "fpuregs: slot ");
    put_dec(&l, slot);
    if (!same_bytes(&in.st0, &out.st0, 10) || !same_bytes(&in.st1, &out.st1, 10))
        put_str(&l, ": x87 registers CHANGED");
    else if (!same_bytes(in.xmm0, out.xmm0, 16) || !same_bytes(in.xmm7, out.xmm7, 16))
        put_str(&l, ": xmm registers CHANGED");
    else if (in.fcw != out.fcw || in.mxcsr != out.mxcsr)
        put_str(&l, ": control words CHANGED");
    else
        put_str(&l, ": x87 and SSE registers survived the yields");
    put_line(&l);
    exit();
}

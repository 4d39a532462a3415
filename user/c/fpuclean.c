/* fpuclean_c: a new env starts from a clean FPU, whatever the env before
 * it left in the registers. Run as two copies (run=fpuclean_c,fpuclean_c):
 * slot 0 checks its own start, then fills every x87 and xmm register and
 * both control words with garbage and exits with that state loaded; slot 1
 * waits until slot 0 is gone and then checks what it sees. The check reads
 * everything at once with fxsave before any other FPU instruction. */
#include "ulib.h"

static uint8_t image[512] __attribute__((aligned(16)));

static uint32_t u16_at(uint32_t off) { return image[off] | image[off + 1] << 8; }

static uint32_t u32_at(uint32_t off) { return u16_at(off) | u16_at(off + 2) << 16; }

/* Prints what differs from a freshly initialised FPU; 1 if clean. */
static int check_clean(uint32_t slot)
{
    asm volatile("fxsave %0" : "=m"(image));
    struct line l;
    l.len = 0;
    put_str(&l, "fpuclean: slot ");
    put_dec(&l, slot);
    int clean = 1;
    if (u16_at(0) != 0x037F || u16_at(2) != 0 || image[4] != 0) {
        put_str(&l, ": x87 control/status/tag words ");
        put_hex(&l, u16_at(0) << 16 | u16_at(2));
        put_str(&l, " ");
        put_hex(&l, image[4]);
        clean = 0;
    }
    if (u32_at(24) != 0x1F80) {
        put_str(&l, ": mxcsr ");
        put_hex(&l, u32_at(24));
        clean = 0;
    }
    /* st0-st7 at 32, xmm0-xmm7 at 160, 16 bytes each. */
    for (uint32_t off = 32; off < 288; off++) {
        if (image[off] != 0) {
            put_str(&l, ": data register byte ");
            put_dec(&l, off);
            put_str(&l, " is not zero");
            clean = 0;
            break;
        }
    }
    if (clean)
        put_str(&l, " starts with a clean FPU");
    put_line(&l);
    return clean;
}

static void leave_garbage(void)
{
    static const uint32_t junk[4] = {0xdeadbeef, 0x8badf00d, 0xfeedface, 0xcafebabe};
    static const uint16_t fcw = 0x0C7F;    /* round toward zero */
    static const uint32_t mxcsr = 0xFFC0; /* flush to zero, denormals are zero, toward zero */
    asm volatile("fldcw %[fcw]\n\t"
                 "ldmxcsr %[mxcsr]\n\t"
                 "fldpi\n\tfldl2e\n\tfldlg2\n\tfldln2\n\tfld1\n\tfldpi\n\tfldl2t\n\tfldpi\n\t"
                 "movdqu %[junk], %%xmm0\n\t"
                 "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\tmovdqa %%xmm0, %%xmm3\n\t"
                 "movdqa %%xmm0, %%xmm4\n\tmovdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
                 "movdqa %%xmm0, %%xmm7"
                 :
                 : [fcw] "m"(fcw), [mxcsr] "m"(mxcsr), [junk] "m"(junk)
                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "memory");
    /* Exit with all of that still in the registers (no fninit, no pops). */
    print("fpuclean: slot 0 leaves garbage in every FPU register");
    exit();
}

void cmain(void)
{
    uint32_t slot = env_slot(sys_getenvid());
    if (slot == 0) {
        check_clean(slot);
        leave_garbage();
    }
    wait_slot_free(0);
    check_clean(slot);
    exit();
}

/* fpuexcept_c: unmasked floating-point exceptions kill only the env that
 * raised them. Run as three copies (run=fpuexcept_c,fpuexcept_c,fpuexcept_c):
 * slot 0 unmasks SSE divide-by-zero and divides by zero (#XM, where the
 * CPU delivers it: QEMU's TCG does not, see below); slot 1
 * unmasks the x87 one and divides by zero (#MF at the next fwait, CR0.NE);
 * slot 2 waits until both are gone and checks that its own FPU works. */
#include "ulib.h"

static volatile double zero = 0.0, one = 1.0;

static void sse_divide_by_zero(void)
{
    uint32_t mxcsr = 0x1F80 & ~0x0200u; /* ZM clear: #XM on divide by zero */
    double x = one;
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));
    print("fpuexcept: slot 0 divides by zero with SSE exceptions unmasked");
    asm volatile("divsd %1, %0" : "+x"(x) : "m"(zero));
    /* Real CPUs stop here with #XM. QEMU's TCG (7.2) only sets the flag
     * and raises nothing: say so, showing that the flag was set. */
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    struct line l;
    l.len = 0;
    put_str(&l, "fpuexcept: slot 0 got no #XM from this CPU; mxcsr ");
    put_hex(&l, mxcsr);
    put_str(&l, mxcsr & 0x4 ? " (ZE set)" : " (ZE NOT set)");
    put_line(&l);
}

static void x87_divide_by_zero(void)
{
    uint16_t fcw = 0x037F & ~0x0004; /* ZM clear */
    asm volatile("fldcw %0" : : "m"(fcw));
    print("fpuexcept: slot 1 divides by zero with x87 exceptions unmasked");
    /* st0 = 1 / 0: raises ZE, reported at the fwait. */
    asm volatile("fldz\n\tfld1\n\tfdiv %%st(1), %%st\n\tfwait\n\tfstp %%st(0)\n\tfstp %%st(0)" : : : "memory");
    print("fpuexcept: BUG: slot 1 survived its x87 divide by zero");
}

void cmain(void)
{
    uint32_t slot = env_slot(sys_getenvid());
    if (slot == 0)
        sse_divide_by_zero();
    else if (slot == 1)
        x87_divide_by_zero();
    else {
        wait_slot_free(0);
        wait_slot_free(1);
        volatile long double third = (long double)one / 3;
        double d = one / (zero + 4);
        print_num("fpuexcept: slot 2 still computes: 1/3 * 3000 = ",
                  (int32_t)(third * 3000 + 0.5L));
        print_num("fpuexcept: slot 2 still computes: 1/4 * 1000 = ", (int32_t)(d * 1000));
    }
    exit();
}

/* fpumath_c: a program built with -msse2 -mfpmath=sse computes with
 * doubles (SSE2) and long doubles (x87) and prints the results to nine
 * decimals. Run as two copies that yield in the middle of their loops, so
 * that they compute at the same time. The inputs are volatile so that the
 * compiler cannot fold the sums at build time. */
#include "ulib.h"

static volatile double two = 2.0;
static volatile int terms = 1000;
static volatile int factorials = 20;

/* Prints "name = x" with x to nine decimals (0 <= x < 2^31). */
static void print_fixed(uint32_t slot, const char *name, double x)
{
    uint32_t whole = (uint32_t)(int32_t)x;
    uint32_t frac = (uint32_t)(int32_t)((x - (double)(int32_t)whole) * 1e9 + 0.5);
    struct line l;
    l.len = 0;
    put_str(&l, "fpumath: slot ");
    put_dec(&l, slot);
    put_str(&l, ": ");
    put_str(&l, name);
    put_str(&l, " = ");
    put_dec(&l, whole);
    put_str(&l, ".");
    for (uint32_t p = 100000000; p > 1; p /= 10)
        if (frac < p)
            put_str(&l, "0");
    put_dec(&l, frac);
    put_line(&l);
}

/* Newton's method for sqrt(a), in doubles. */
static double newton_sqrt(double a)
{
    double x = a;
    for (int i = 0; i < 30; i++)
        x = 0.5 * (x + a / x);
    return x;
}

void cmain(void)
{
    uint32_t slot = env_slot(sys_getenvid());

    print_fixed(slot, "sqrt(2)", newton_sqrt(two));

    /* pi from the Basel sum: 6 * sum 1/n^2 = pi^2 (converging slowly). */
    double basel = 0;
    for (int n = 1; n <= terms; n++) {
        basel += 1.0 / ((double)n * n);
        if (n % 100 == 0)
            sys_yield();
    }
    print_fixed(slot, "sqrt(6 * sum 1/n^2, n <= 1000)", newton_sqrt(6 * basel));

    /* e in x87 extended precision. */
    long double e = 1, term = 1;
    for (int k = 1; k <= factorials; k++) {
        term /= k;
        e += term;
        if (k % 5 == 0)
            sys_yield();
    }
    print_fixed(slot, "e (long double)", (double)e);
    exit();
}

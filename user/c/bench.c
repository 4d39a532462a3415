/* bench_c: the kernel's primitives timed with rdtsc, written against the
 * JOS ABI alone (jos.h), so the same source runs on any JOS-compatible
 * kernel. Under QEMU's `-icount shift=0` the time-stamp counter counts guest
 * instructions, so every figure is exact and repeats run after run.
 *
 * Each row prints `BENCH <name> <n>`: the counter delta of a timed loop
 * divided by its number of calls (loop overhead included; a few warm-up
 * calls run first). Every row also checks that the calls did what they
 * should (results, mappings, values received); a failed check prints
 * `bench_c: FAIL ...`. The last line is `bench_c: done, N checks passed`
 * or `bench_c: done, N checks FAILED`.
 *
 * ROUNDS (compile time) sets the loop length: the benchmark build uses
 * 1000, the graded correctness build (benchcheck_c) only a few. */
#include "jos.h"

#ifndef ROUNDS
#define ROUNDS 1000
#endif
/* exofork + destroy prints three kernel lines per call: fewer rounds. */
#ifndef FORK_ROUNDS
#define FORK_ROUNDS (ROUNDS >= 100 ? ROUNDS / 10 : ROUNDS)
#endif
#define WARMUP 3

/* Pages the rows play with, far from the program and its stacks. */
#define VA_ALLOC  0x10000000u
#define VA_KEEP   0x10001000u  /* keeps VA_ALLOC's page table present */
#define VA_MAP    0x10002000u
#define VA_FAULT  0x10003000u

#define PERM_RW (PTE_P | PTE_U | PTE_W)
#define PERM_RO (PTE_P | PTE_U)

extern char end[];
extern void pgfault_upcall(void);

/* --- system calls ------------------------------------------------------- */

static inline int32_t syscall5(uint32_t num, uint32_t a1, uint32_t a2, uint32_t a3,
                               uint32_t a4, uint32_t a5)
{
    int32_t ret;
    asm volatile("int $0x30"
                 : "=a"(ret)
                 : "a"(num), "d"(a1), "c"(a2), "b"(a3), "D"(a4), "S"(a5)
                 : "cc", "memory");
    return ret;
}

#define syscall(num, a1, a2, a3) syscall5(num, a1, a2, a3, 0, 0)

/* sysenter (ABI: eax = number, edx/ecx/ebx/edi = arguments, esi = return
 * eip, ebp = user esp); sysexit hands back eax and uses up edx and ecx. */
static inline int32_t sysenter_call(uint32_t num, uint32_t a1, uint32_t a2)
{
    int32_t ret;
    asm volatile("pushl %%ebp\n\t"
                 "pushl %%esi\n\t"
                 "movl %%esp, %%ebp\n\t"
                 "leal 1f, %%esi\n\t"
                 "sysenter\n"
                 "1:\n\t"
                 "popl %%esi\n\t"
                 "popl %%ebp"
                 : "=a"(ret), "+d"(a1), "+c"(a2)
                 : "a"(num)
                 : "cc", "memory");
    return ret;
}

static inline uint32_t rdtsc32(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo; /* every timed loop here takes far less than 2^32 ticks */
}

static int has_sysenter(void)
{
    uint32_t a = 1, b, c, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return (d >> 11) & 1; /* CPUID.01H:EDX.SEP */
}

static uint32_t env_field(int32_t envid, uint32_t offset)
{
    const volatile char *slot = (const volatile char *)UENVS + ENVX(envid) * ENV_SIZE;
    return *(const volatile uint32_t *)(slot + offset);
}

/* va's PTE, or 0 if its page table is absent. */
static uint32_t pte_of(uint32_t va)
{
    return (UVPD_ENTRY(va) & PTE_P) ? UVPT_ENTRY(va) : 0;
}

/* --- output ------------------------------------------------------------- */

static char line[128];
static uint32_t line_len;

static void put_str(const char *s)
{
    while (*s && line_len < sizeof(line))
        line[line_len++] = *s++;
}

static void put_dec(uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = '0' + v % 10;
        v /= 10;
    } while (v);
    while (n > 0 && line_len < sizeof(line))
        line[line_len++] = digits[--n];
}

static void put_hex(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4)
        if (line_len < sizeof(line))
            line[line_len++] = "0123456789abcdef"[(v >> shift) & 0xf];
}

static void flush_line(void)
{
    put_str("\n");
    syscall(SYS_cputs, (uint32_t)line, line_len, 0);
    line_len = 0;
}

static uint32_t checks, failures;

/* Counts one check; prints what went wrong if it failed. */
static void check(int ok, const char *what, uint32_t got)
{
    checks++;
    if (ok)
        return;
    failures++;
    put_str("bench_c: FAIL ");
    put_str(what);
    put_str(" (got ");
    put_hex(got);
    put_str(")");
    flush_line();
}

static void report(const char *name, uint32_t ticks, uint32_t calls)
{
    put_str("BENCH ");
    put_str(name);
    put_str(" ");
    put_dec(ticks / calls);
    flush_line();
}

/* --- children ----------------------------------------------------------- */

/* What a child made by start_child does; shared with it (data pages are
 * mapped into the child, not copied). */
enum { CHILD_YIELD, CHILD_ECHO };
static volatile uint32_t child_mode;
static volatile uint32_t child_yields;

static void child_main(void)
{
    if (child_mode == CHILD_YIELD) {
        for (;;) {
            syscall(SYS_yield, 0, 0, 0);
            child_yields++;
        }
    }
    /* CHILD_ECHO: answer every message with its value plus one. */
    int32_t me = syscall(SYS_getenvid, 0, 0, 0);
    for (;;) {
        syscall(SYS_ipc_recv, UTOP, 0, 0);
        uint32_t v = env_field(me, ENV_IPC_VALUE_OFFSET);
        int32_t from = env_field(me, ENV_IPC_FROM_OFFSET);
        while (syscall5(SYS_ipc_try_send, from, v + 1, UTOP, 0, 0) == -E_IPC_NOT_RECV)
            syscall(SYS_yield, 0, 0, 0);
    }
}

/* A runnable child that shares our program image (text read-only, data
 * writable) and runs child_main on a stack page of its own. */
static int32_t start_child(uint32_t mode)
{
    int32_t child = syscall(SYS_exofork, 0, 0, 0);
    if (child <= 0) {
        check(child == 0, "exofork for a child", child);
        if (child == 0) /* never: the child starts at child_main */
            syscall(SYS_env_destroy, 0, 0, 0);
        return child;
    }
    child_mode = mode;
    for (uint32_t va = UTEXT; va < (uint32_t)end; va += PGSIZE) {
        uint32_t pte = pte_of(va);
        if (pte & PTE_P)
            check(syscall5(SYS_page_map, 0, va, child, va, pte & PTE_SYSCALL) == 0,
                  "page_map into the child", va);
    }
    check(syscall(SYS_page_alloc, child, USTACKTOP - PGSIZE, PERM_RW) == 0,
          "child stack", child);
    /* exofork copied our registers into the child's Env; start it elsewhere. */
    struct Trapframe tf = *(const volatile struct Trapframe *)
        ((const volatile char *)UENVS + ENVX(child) * ENV_SIZE + ENV_TF_OFFSET);
    tf.eip = (uint32_t)child_main;
    tf.esp = USTACKTOP - 16;
    check(syscall(SYS_env_set_trapframe, child, (uint32_t)&tf, 0) == 0,
          "env_set_trapframe", child);
    check(syscall(SYS_env_set_status, child, ENV_RUNNABLE, 0) == 0,
          "env_set_status", child);
    return child;
}

/* --- the rows ------------------------------------------------------------ */

static void bench_getenvid(int32_t me)
{
    uint32_t bad = 0;
    for (int i = 0; i < WARMUP; i++)
        syscall(SYS_getenvid, 0, 0, 0);
    uint32_t t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++)
        bad += syscall(SYS_getenvid, 0, 0, 0) != me;
    t = rdtsc32() - t;
    check(bad == 0, "getenvid (int $0x30) returned another id", bad);
    report("getenvid_int30", t, ROUNDS);

    if (!has_sysenter()) {
        put_str("bench_c: this CPU has no sysenter");
        flush_line();
        return;
    }
    for (int i = 0; i < WARMUP; i++)
        sysenter_call(SYS_getenvid, 0, 0);
    t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++)
        bad += sysenter_call(SYS_getenvid, 0, 0) != me;
    t = rdtsc32() - t;
    check(bad == 0, "getenvid (sysenter) returned another id", bad);
    report("getenvid_sysenter", t, ROUNDS);
}

/* sys_page_alloc + sys_page_unmap at one address whose page table exists. */
static void bench_page_alloc(void)
{
    uint32_t bad = 0;
    check(syscall(SYS_page_alloc, 0, VA_KEEP, PERM_RW) == 0, "page_alloc VA_KEEP", 0);
    for (int i = 0; i < WARMUP; i++) {
        syscall(SYS_page_alloc, 0, VA_ALLOC, PERM_RW);
        syscall(SYS_page_unmap, 0, VA_ALLOC, 0);
    }
    uint32_t t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++) {
        bad += syscall(SYS_page_alloc, 0, VA_ALLOC, PERM_RW) != 0;
        bad += syscall(SYS_page_unmap, 0, VA_ALLOC, 0) != 0;
    }
    t = rdtsc32() - t;
    check(bad == 0, "page_alloc/page_unmap failed", bad);
    report("page_alloc_unmap", t, ROUNDS);

    /* A fresh page is mapped as asked and zeroed, even after a dirty one. */
    volatile uint32_t *p = (volatile uint32_t *)VA_ALLOC;
    for (int round = 0; round < 2; round++) {
        syscall(SYS_page_alloc, 0, VA_ALLOC, PERM_RW);
        check((pte_of(VA_ALLOC) & PERM_RW) == PERM_RW, "page_alloc mapping", pte_of(VA_ALLOC));
        uint32_t nonzero = 0;
        for (uint32_t w = 0; w < PGSIZE / 4; w++) {
            nonzero += p[w] != 0;
            p[w] = 0xdead0000 | w;
        }
        check(nonzero == 0, "page_alloc page not zeroed", nonzero);
        syscall(SYS_page_unmap, 0, VA_ALLOC, 0);
        check((pte_of(VA_ALLOC) & PTE_P) == 0, "page_unmap left a mapping", pte_of(VA_ALLOC));
    }
}

/* sys_page_map of a page onto itself, read-only and writable in turn. By
 * JOS's rule a writable mapping may not come from a read-only one, so every
 * writable call finds the page read-only and fails with -E_INVAL: the row
 * times the checks of both outcomes, as it does on C JOS. */
static void bench_page_map(void)
{
    uint32_t bad = 0;
    volatile uint32_t *p = (volatile uint32_t *)VA_MAP;
    syscall(SYS_page_alloc, 0, VA_MAP, PERM_RW);
    *p = 0x5eed;
    uint32_t frame = pte_of(VA_MAP) & ~0xfffu;
    for (int i = 0; i < WARMUP; i++)
        syscall5(SYS_page_map, 0, VA_MAP, 0, VA_MAP, (i & 1) ? PERM_RW : PERM_RO);
    uint32_t t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++) {
        int32_t want = (i & 1) ? -E_INVAL : 0;
        bad += syscall5(SYS_page_map, 0, VA_MAP, 0, VA_MAP, (i & 1) ? PERM_RW : PERM_RO) != want;
    }
    t = rdtsc32() - t;
    check(bad == 0, "page_map onto itself: read-only gives 0, writable -E_INVAL", bad);
    report("page_map_self", t, ROUNDS);

    check((pte_of(VA_MAP) & PERM_RW) == PERM_RO, "page_map read-only", pte_of(VA_MAP));
    check((pte_of(VA_MAP) & ~0xfffu) == frame && *p == 0x5eed, "page_map kept the frame", *p);
    syscall(SYS_page_unmap, 0, VA_MAP, 0);
    /* From a writable page, a writable self-map keeps it writable. */
    syscall(SYS_page_alloc, 0, VA_MAP, PERM_RW);
    check(syscall5(SYS_page_map, 0, VA_MAP, 0, VA_MAP, PERM_RW) == 0 &&
          (pte_of(VA_MAP) & PERM_RW) == PERM_RW, "page_map writable", pte_of(VA_MAP));
    syscall(SYS_page_unmap, 0, VA_MAP, 0);
}

static volatile uint32_t faults, fault_bad;

/* Called by pgfault_upcall: map the page the write faulted on. */
void pgfault_handler(struct UTrapframe *utf)
{
    faults++;
    if (utf->fault_va != VA_FAULT || !(utf->err & FEC_WR))
        fault_bad++;
    if (syscall(SYS_page_alloc, 0, utf->fault_va & ~(PGSIZE - 1), PERM_RW) != 0)
        fault_bad++;
}

/* A write to an unmapped page, the upcall mapping it, the resumed write,
 * then sys_page_unmap. */
static void bench_pgfault(void)
{
    volatile uint32_t *p = (volatile uint32_t *)VA_FAULT;
    check(syscall(SYS_page_alloc, 0, UXSTACKTOP - PGSIZE, PERM_RW) == 0, "exception stack", 0);
    check(syscall(SYS_env_set_pgfault_upcall, 0, (uint32_t)pgfault_upcall, 0) == 0, "set upcall", 0);
    for (int i = 0; i < WARMUP; i++) {
        *p = i;
        syscall(SYS_page_unmap, 0, VA_FAULT, 0);
    }
    faults = 0;
    uint32_t t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++) {
        *p = i;
        syscall(SYS_page_unmap, 0, VA_FAULT, 0);
    }
    t = rdtsc32() - t;
    check(faults == ROUNDS, "page faults handled", faults);
    check(fault_bad == 0, "upcall saw a wrong fault or could not map", fault_bad);
    report("pgfault_upcall", t, ROUNDS);

    /* The resumed write landed in the page the handler mapped. */
    *p = 0x1234abcd;
    check(faults == ROUNDS + 1 && *p == 0x1234abcd, "write after the upcall", *p);
    syscall(SYS_page_unmap, 0, VA_FAULT, 0);
}

static void bench_yield_alone(void)
{
    uint32_t bad = 0;
    for (int i = 0; i < WARMUP; i++)
        syscall(SYS_yield, 0, 0, 0);
    uint32_t t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++)
        bad += syscall(SYS_yield, 0, 0, 0) != 0;
    t = rdtsc32() - t;
    check(bad == 0, "sys_yield returned nonzero", bad);
    report("yield_alone", t, ROUNDS);
}

/* Two envs yielding in turn: one step of the loop is our sys_yield and
 * then the child's. */
static void bench_yield_two(void)
{
    int32_t child = start_child(CHILD_YIELD);
    if (child <= 0)
        return;
    for (int i = 0; i < WARMUP; i++)
        syscall(SYS_yield, 0, 0, 0);
    uint32_t before = child_yields;
    uint32_t t = rdtsc32();
    for (int i = 0; i < ROUNDS; i++)
        syscall(SYS_yield, 0, 0, 0);
    t = rdtsc32() - t;
    report("yield_two_envs", t, ROUNDS);
    /* On one CPU the child yields once per step; on several it may run
     * beside us (or start late, on a CPU a timer tick wakes), so only "it
     * runs and yields" holds everywhere. */
    for (int n = 0; child_yields == before && n < 1000000; n++)
        syscall(SYS_yield, 0, 0, 0);
    check(child_yields != before, "the yield child ran", child_yields - before);
    check(syscall(SYS_env_destroy, child, 0, 0) == 0, "destroy the yield child", child);
}

/* One round trip: ipc_try_send (yielding while the child is not receiving),
 * then ipc_recv of the child's answer (value + 1). */
static void bench_ipc(void)
{
    int32_t child = start_child(CHILD_ECHO);
    if (child <= 0)
        return;
    int32_t me = syscall(SYS_getenvid, 0, 0, 0);
    uint32_t bad = 0;
    uint32_t t = 0;
    for (int i = 0; i < WARMUP + ROUNDS; i++) {
        if (i == WARMUP)
            t = rdtsc32();
        while (syscall5(SYS_ipc_try_send, child, i, UTOP, 0, 0) == -E_IPC_NOT_RECV)
            syscall(SYS_yield, 0, 0, 0);
        bad += syscall(SYS_ipc_recv, UTOP, 0, 0) != 0;
        bad += env_field(me, ENV_IPC_VALUE_OFFSET) != (uint32_t)i + 1;
        bad += (int32_t)env_field(me, ENV_IPC_FROM_OFFSET) != child;
    }
    t = rdtsc32() - t;
    check(bad == 0, "ipc answers (value + 1 from the child)", bad);
    report("ipc_roundtrip_try", t, ROUNDS);
    check(syscall(SYS_env_destroy, child, 0, 0) == 0, "destroy the echo child", child);
}

/* sys_exofork of a child that never runs, then sys_env_destroy of it. */
static void bench_exofork(int32_t me)
{
    uint32_t bad = 0;
    uint32_t t = rdtsc32();
    for (int i = 0; i < FORK_ROUNDS; i++) {
        int32_t child = syscall(SYS_exofork, 0, 0, 0);
        if (child == 0) /* never: it is destroyed before it can run */
            syscall(SYS_env_destroy, 0, 0, 0);
        bad += child < 0;
        bad += syscall(SYS_env_destroy, child, 0, 0) != 0;
    }
    t = rdtsc32() - t;
    check(bad == 0, "exofork/env_destroy failed", bad);
    report("exofork_destroy", t, FORK_ROUNDS);

    int32_t child = syscall(SYS_exofork, 0, 0, 0);
    if (child == 0)
        syscall(SYS_env_destroy, 0, 0, 0);
    check(child > 0 && env_field(child, ENV_ID_OFFSET) == (uint32_t)child &&
          env_field(child, ENV_PARENT_OFFSET) == (uint32_t)me &&
          env_field(child, ENV_STATUS_OFFSET) == ENV_NOT_RUNNABLE,
          "exofork child's Env", child);
    check(syscall(SYS_env_destroy, child, 0, 0) == 0, "destroy", child);
    check(env_field(child, ENV_ID_OFFSET) != (uint32_t)child ||
          env_field(child, ENV_STATUS_OFFSET) == 0, "destroyed child's slot is free", child);
}

/* ONLY (compile time, e.g. -DONLY='"ipc"') runs one row: tools/profile.py
 * builds it that way to count where that row's instructions go. */
#ifndef ONLY
#define ONLY ""
#endif

static int wanted(const char *row)
{
    const char *only = ONLY;
    if (!*only)
        return 1;
    while (*only && *only == *row)
        only++, row++;
    return *only == *row;
}

void cmain(void)
{
    int32_t me = syscall(SYS_getenvid, 0, 0, 0);
    if (wanted("getenvid"))
        bench_getenvid(me);
    if (wanted("page_alloc"))
        bench_page_alloc();
    if (wanted("page_map"))
        bench_page_map();
    if (wanted("pgfault"))
        bench_pgfault();
    if (wanted("yield_alone"))
        bench_yield_alone();
    if (wanted("yield_two"))
        bench_yield_two();
    if (wanted("ipc"))
        bench_ipc();
    if (wanted("exofork"))
        bench_exofork(me);
    put_str("bench_c: done, ");
    put_dec(checks);
    put_str(failures ? " checks, some FAILED" : " checks passed");
    flush_line();
    syscall(SYS_env_destroy, 0, 0, 0);
}

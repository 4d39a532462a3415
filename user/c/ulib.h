/* System-call wrappers and console output for the C test programs, built on
 * jos.h alone. Everything is static: each program is one translation unit. */
#ifndef JOS_ULIB_H
#define JOS_ULIB_H

#include "jos.h"

/* int $0x30: eax = number, edx ecx ebx edi esi = arguments, eax = result. */
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

static inline int32_t sys_getenvid(void) { return syscall5(SYS_getenvid, 0, 0, 0, 0, 0); }
static inline void sys_yield(void) { syscall5(SYS_yield, 0, 0, 0, 0, 0); }

static inline int32_t sys_page_alloc(int32_t envid, uint32_t va, uint32_t perm)
{
    return syscall5(SYS_page_alloc, envid, va, perm, 0, 0);
}

static inline int32_t sys_page_map(int32_t src, uint32_t srcva, int32_t dst, uint32_t dstva,
                                   uint32_t perm)
{
    return syscall5(SYS_page_map, src, srcva, dst, dstva, perm);
}

static inline int32_t sys_page_unmap(int32_t envid, uint32_t va)
{
    return syscall5(SYS_page_unmap, envid, va, 0, 0, 0);
}

static inline int32_t sys_ipc_try_send(int32_t to, uint32_t value, uint32_t srcva, uint32_t perm)
{
    return syscall5(SYS_ipc_try_send, to, value, srcva, perm, 0);
}

static inline int32_t sys_ipc_recv(uint32_t dstva) { return syscall5(SYS_ipc_recv, dstva, 0, 0, 0, 0); }

static inline void __attribute__((noreturn)) exit(void)
{
    syscall5(SYS_env_destroy, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* A field of env slot `slot` in the read-only Env array. */
static inline uint32_t env_word(uint32_t slot, uint32_t offset)
{
    return *(const volatile uint32_t *)(UENVS + slot * ENV_SIZE + offset);
}

static inline uint32_t env_slot(int32_t envid) { return ENVX(envid); }

/* Waits (yielding) until env slot `slot` is free: that env has exited. */
static inline void wait_slot_free(uint32_t slot)
{
    while (env_word(slot, ENV_STATUS_OFFSET) != ENV_FREE)
        sys_yield();
}

/* One output line, built up and then printed with a single sys_cputs so
 * that lines of envs on different CPUs do not mix. */
struct line {
    char buf[160];
    uint32_t len;
};

static inline void put_str(struct line *l, const char *s)
{
    while (*s && l->len < sizeof(l->buf))
        l->buf[l->len++] = *s++;
}

static inline void put_hex(struct line *l, uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4)
        if (l->len < sizeof(l->buf))
            l->buf[l->len++] = "0123456789abcdef"[(v >> shift) & 0xf];
}

static inline void put_dec(struct line *l, int32_t v)
{
    char digits[12];
    int n = 0;
    uint32_t u = v < 0 ? -(uint32_t)v : (uint32_t)v;
    if (v < 0)
        put_str(l, "-");
    do {
        digits[n++] = '0' + u % 10;
        u /= 10;
    } while (u);
    while (n > 0 && l->len < sizeof(l->buf))
        l->buf[l->len++] = digits[--n];
}

/* Prints the line (with a newline) and empties it. */
static inline void put_line(struct line *l)
{
    put_str(l, "\n");
    syscall5(SYS_cputs, (uint32_t)l->buf, l->len, 0, 0, 0);
    l->len = 0;
}

/* Prints "prefix" followed by a number and a newline. */
static inline void print_num(const char *prefix, int32_t v)
{
    struct line l;
    l.len = 0;
    put_str(&l, prefix);
    put_dec(&l, v);
    put_line(&l);
}

static inline void print(const char *s)
{
    struct line l;
    l.len = 0;
    put_str(&l, s);
    put_line(&l);
}

#endif

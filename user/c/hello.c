/* hello_c: a JOS program in C, using only the ABI as written in jos.h.
 *
 * It asks the kernel for its envid, checks that the same id is in its slot
 * of the Env array at UENVS (and that the slot says it is running), prints
 * one line with sys_cputs and exits with sys_env_destroy(0). */
#include "jos.h"

static int32_t syscall(uint32_t num, uint32_t a1, uint32_t a2, uint32_t a3)
{
    int32_t ret;
    asm volatile("int $0x30"
                 : "=a"(ret)
                 : "a"(num), "d"(a1), "c"(a2), "b"(a3), "D"(0), "S"(0)
                 : "cc", "memory");
    return ret;
}

static void sys_cputs(const char *s, uint32_t len)
{
    syscall(SYS_cputs, (uint32_t)s, len, 0);
}

static uint32_t env_field(int32_t envid, uint32_t offset)
{
    const volatile char *slot = (const volatile char *)UENVS + ENVX(envid) * ENV_SIZE;
    return *(const volatile uint32_t *)(slot + offset);
}

/* Appends s to buf at *len. */
static void append(char *buf, uint32_t *len, const char *s)
{
    while (*s)
        buf[(*len)++] = *s++;
}

/* Appends v as eight lower-case hex digits. */
static void append_hex8(char *buf, uint32_t *len, uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4)
        buf[(*len)++] = "0123456789abcdef"[(v >> shift) & 0xf];
}

void cmain(void)
{
    char line[80];
    uint32_t len = 0;
    int32_t id = syscall(SYS_getenvid, 0, 0, 0);

    if ((int32_t)env_field(id, ENV_ID_OFFSET) != id) {
        append(line, &len, "hello_c: envs[ENVX(id)].env_id is ");
        append_hex8(line, &len, env_field(id, ENV_ID_OFFSET));
        append(line, &len, ", not ");
        append_hex8(line, &len, id);
    } else if (env_field(id, ENV_STATUS_OFFSET) != ENV_RUNNING) {
        append(line, &len, "hello_c: my Env is not marked running");
    } else {
        append(line, &len, "hello from C, i am environment ");
        append_hex8(line, &len, id);
    }
    append(line, &len, "\n");
    sys_cputs(line, len);
    syscall(SYS_env_destroy, 0, 0, 0);
}

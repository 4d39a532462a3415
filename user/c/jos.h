/* The slice of JOS's ABI (docs/abi.md) that hello.c needs, written out by
 * hand: no Rust involved, so this program checks the binary contract itself. */
#ifndef JOS_ABI_H
#define JOS_ABI_H

typedef unsigned int uint32_t;
typedef int int32_t;

/* System-call numbers (int $0x30, eax = number, args in edx ecx ebx edi esi). */
#define SYS_cputs        0
#define SYS_getenvid     2
#define SYS_env_destroy  3

/* The read-only Env array. */
#define UENVS            0xEEC00000u
#define NENV             1024
#define ENVX(id)         ((uint32_t)(id) & (NENV - 1))
#define ENV_SIZE         124     /* sizeof(struct Env) */
#define ENV_ID_OFFSET    72      /* offsetof(struct Env, env_id) */
#define ENV_STATUS_OFFSET 84     /* offsetof(struct Env, env_status) */
#define ENV_RUNNING      3

#endif

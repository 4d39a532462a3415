/* The slice of JOS's ABI that the C programs need, written out by hand from
 * docs/abi.md (inc/ holds the Rust side): no Rust involved, so these programs
 * check the binary contract itself. */
#ifndef JOS_ABI_H
#define JOS_ABI_H

typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned short uint16_t;
typedef unsigned char uint8_t;
typedef unsigned long long uint64_t;

/* System-call numbers (int $0x30, eax = number, args in edx ecx ebx edi esi). */
#define SYS_cputs        0
#define SYS_cgetc        1
#define SYS_getenvid     2
#define SYS_env_destroy  3
#define SYS_page_alloc   4
#define SYS_page_map     5
#define SYS_page_unmap   6
#define SYS_exofork      7
#define SYS_env_set_status 8
#define SYS_env_set_trapframe 9
#define SYS_env_set_pgfault_upcall 10
#define SYS_yield        11
#define SYS_ipc_try_send 12
#define SYS_ipc_recv     13
#define SYS_time_msec    14

/* Error codes (system calls return them negated). */
#define E_INVAL          3
#define E_NO_MEM         4
#define E_IPC_NOT_RECV   7

/* Memory layout. */
#define PGSIZE           4096u
#define UTEXT            0x00800000u
#define UTEMP            0x00400000u
#define UTOP             0xEEC00000u
#define UXSTACKTOP       UTOP
#define USTACKTOP        (UTOP - 2 * PGSIZE)
#define UPAGES           0xEF000000u /* struct PageInfo[], 8 bytes each */
#define PAGEINFO_SIZE    8
#define PP_REF_OFFSET    4           /* offsetof(struct PageInfo, pp_ref), a uint16_t */
#define UVPT             0xEF400000u /* uvpt[va >> 12] is the PTE of va */
#define UVPD             0xEF7BD000u /* uvpd[va >> 22] is the PDE of va */

/* Page-table entry bits; FEC_WR is the page-fault error code's write bit. */
#define PTE_P            0x001u
#define PTE_W            0x002u
#define PTE_U            0x004u
#define PTE_SYSCALL      0xE07u
#define FEC_WR           0x2u

/* uvpt[va >> 12] is va's PTE (valid only if uvpd[va >> 22] is present). */
#define UVPT_ENTRY(va)   (((const volatile uint32_t *)UVPT)[(uint32_t)(va) >> 12])
#define UVPD_ENTRY(va)   (((const volatile uint32_t *)UVPD)[(uint32_t)(va) >> 22])

/* The read-only Env array. */
#define UENVS            0xEEC00000u
#define NENV             1024
#define ENVX(id)         ((uint32_t)(id) & (NENV - 1))
#define ENV_SIZE         124     /* sizeof(struct Env) */
#define ENV_TF_OFFSET    0       /* offsetof(struct Env, env_tf) */
#define ENV_ID_OFFSET    72      /* offsetof(struct Env, env_id) */
#define ENV_PARENT_OFFSET 76     /* offsetof(struct Env, env_parent_id) */
#define ENV_STATUS_OFFSET 84     /* offsetof(struct Env, env_status) */
#define ENV_IPC_RECVING_OFFSET 104 /* offsetof(struct Env, env_ipc_recving), a bool */
#define ENV_IPC_VALUE_OFFSET 112 /* offsetof(struct Env, env_ipc_value) */
#define ENV_IPC_FROM_OFFSET 116  /* offsetof(struct Env, env_ipc_from) */
#define ENV_FREE         0
#define ENV_RUNNABLE     2
#define ENV_RUNNING      3
#define ENV_NOT_RUNNABLE 4

/* struct Trapframe (68 bytes): the pusha registers, then the rest. */
struct Trapframe {
    uint32_t edi, esi, ebp, oesp, ebx, edx, ecx, eax;
    uint32_t es, ds, trapno, err, eip, cs, eflags, esp, ss;
};

/* struct UTrapframe (52 bytes), what the kernel pushes for a page-fault upcall. */
struct UTrapframe {
    uint32_t fault_va, err;
    uint32_t edi, esi, ebp, oesp, ebx, edx, ecx, eax;
    uint32_t eip, eflags, esp;
};

#endif

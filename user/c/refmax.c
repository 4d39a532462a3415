/* refmax_c: a hostile program that drives one page's reference count to
 * the kernel's limit. Run as two copies (run=refmax_c,refmax_c):
 *
 * - slot 0 allocates a page and maps it at distinct addresses until
 *   sys_page_map fails. It must fail with -E_NO_MEM once the page holds
 *   65535 references (the most a u16 pp_ref counts), not wrap the count.
 *   A refused mapping must change nothing: pp_ref stays 65535, no page
 *   table appears for a new 4 MB region. It then tries to send the page to
 *   slot 1 by IPC (refused the same way, slot 1 still waits), unmaps one
 *   mapping and sends again (now it goes through), and finally unmaps all.
 * - slot 1 waits in sys_ipc_recv for the page and reads it.
 *
 * The grader checks the lines below and that every page came back. */
#include "ulib.h"

#define PAGE      0x00A00000u /* the page whose count we raise */
#define RECV_VA   0x00B00000u /* where slot 1 receives it */
#define BASE      0x10000000u /* the extra mappings: BASE + i * PGSIZE */
#define FRESH_VA  0xD0000000u /* a 4 MB region with no page table */
#define MAGIC     0x5eed1234u

static uint32_t pp_ref(uint32_t va)
{
    uint32_t pte = ((const volatile uint32_t *)UVPT)[va >> 12];
    uint32_t page = pte >> 12;
    return *(const volatile uint16_t *)(UPAGES + page * PAGEINFO_SIZE + PP_REF_OFFSET);
}

static int pde_present(uint32_t va)
{
    return (((const volatile uint32_t *)UVPD)[va >> 22] & PTE_P) != 0;
}

static void receiver(void)
{
    int32_t r = sys_ipc_recv(RECV_VA);
    struct line l;
    l.len = 0;
    put_str(&l, "refmax: receiver got ");
    put_dec(&l, r);
    put_str(&l, ", value ");
    put_dec(&l, env_word(env_slot(sys_getenvid()), ENV_IPC_VALUE_OFFSET));
    put_str(&l, ", page word ");
    put_hex(&l, *(volatile uint32_t *)RECV_VA);
    put_line(&l);
    sys_page_unmap(0, RECV_VA);
    exit();
}

/* Sends PAGE to the env in slot 1 once it waits in ipc_recv. */
static int32_t send_page(void)
{
    while (!(env_word(1, ENV_IPC_RECVING_OFFSET) & 0xff))
        sys_yield();
    return sys_ipc_try_send(env_word(1, ENV_ID_OFFSET), 42, PAGE, PTE_P | PTE_U);
}

static void mapper(void)
{
    if (sys_page_alloc(0, PAGE, PTE_P | PTE_U | PTE_W) < 0) {
        print("refmax: sys_page_alloc failed");
        exit();
    }
    *(volatile uint32_t *)PAGE = MAGIC;
    uint32_t n = 0;
    int32_t r;
    while ((r = sys_page_map(0, PAGE, 0, BASE + n * PGSIZE, PTE_P | PTE_U)) == 0)
        n++;
    print_num("refmax: mapped the page this many more times: ", n);
    print_num("refmax: then sys_page_map returned ", r);
    print_num("refmax: pp_ref is ", pp_ref(PAGE));

    r = sys_page_map(0, PAGE, 0, FRESH_VA, PTE_P | PTE_U);
    print_num("refmax: mapping into a new 4 MB region returned ", r);
    print(pde_present(FRESH_VA) ? "refmax: BUG: a page table was allocated for the refused mapping"
                                : "refmax: no page table was allocated for it");
    print_num("refmax: pp_ref is still ", pp_ref(PAGE));

    r = send_page();
    print_num("refmax: ipc_try_send of the page returned ", r);
    print(env_word(1, ENV_IPC_RECVING_OFFSET) & 0xff ? "refmax: the receiver still waits"
                                                     : "refmax: BUG: the receiver stopped waiting");
    sys_page_unmap(0, BASE);
    r = send_page();
    print_num("refmax: after one unmap, ipc_try_send returned ", r);
    wait_slot_free(1);

    for (uint32_t i = 1; i < n; i++)
        sys_page_unmap(0, BASE + i * PGSIZE);
    print_num("refmax: all extra mappings removed, pp_ref is ", pp_ref(PAGE));
    sys_page_unmap(0, PAGE);
    exit();
}

void cmain(void)
{
    if (env_slot(sys_getenvid()) == 0)
        mapper();
    else
        receiver();
}

//! ipcsendrecv: syscall 19 (`ipc_send_recv`) between a client and a server
//! that both use it: every answer must be the server's function of the
//! request, come from the server, and carry the page the server wrote.
//! The first request finds the server not yet receiving (it has not run:
//! the send waits in its queue); later ones find it waiting (the kernel
//! switches straight to it). Then a send error must return at once.
#![no_std]
#![no_main]

use inc::error::E_BAD_ENV;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::{cprintf, fork, ipc_recv, ipc_send_recv, panic, sys_env_destroy, sys_page_alloc};

const ROUNDS: u32 = 200;
/// Where the client gets the server's page, and where the server keeps it.
const ANSWER_PAGE: u32 = 0x0A00_0000;
const PERM: u32 = PTE_P | PTE_U | PTE_W;

fn answer(request: u32) -> u32 {
    request.wrapping_mul(3) ^ 0x5A5A
}

/// Answers each request with `answer(request)` and a fresh page holding
/// the request, then waits for the next one, in one call each time.
fn server() -> ! {
    let mut from = 0;
    let mut request = match ipc_recv(Some(&mut from), None, None) {
        Ok(v) => v,
        Err(e) => panic!("server: ipc_recv: %e", e),
    };
    loop {
        // SAFETY: ANSWER_PAGE is ours alone; nothing refers into it.
        if let Err(e) = unsafe { sys_page_alloc(0, ANSWER_PAGE, PERM) } {
            panic!("server: page_alloc: %e", e);
        }
        // SAFETY: just mapped, writable.
        unsafe { (ANSWER_PAGE as *mut u32).write_volatile(request) };
        let client = from;
        request = match ipc_send_recv(
            client,
            answer(request),
            Some(ANSWER_PAGE),
            PERM,
            None,
            Some(&mut from),
            None,
        ) {
            Ok(v) => v,
            Err(e) => panic!("server: ipc_send_recv: %e", e),
        };
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let server_id = match fork() {
        Ok(0) => server(),
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let mut good = 0;
    for i in 0..ROUNDS {
        let (mut from, mut perm) = (0, 0);
        let request = i * 7 + 1;
        let got = ipc_send_recv(
            server_id,
            request,
            None,
            0,
            Some(ANSWER_PAGE),
            Some(&mut from),
            Some(&mut perm),
        );
        // SAFETY: read only if the answer said a page came.
        let in_page =
            |p: u32| (p != 0).then(|| unsafe { (ANSWER_PAGE as *const u32).read_volatile() });
        match got {
            Ok(v) if v == answer(request) && from == server_id && perm == PERM => {
                if in_page(perm) == Some(request) {
                    good += 1;
                } else {
                    cprintf!(
                        "ipcsendrecv: round %d: the page does not hold the request\n",
                        i
                    );
                }
            }
            Ok(v) => {
                cprintf!(
                    "ipcsendrecv: round %d: answer %08x from %08x perm %x\n",
                    i,
                    v,
                    from,
                    perm
                );
            }
            Err(e) => {
                cprintf!("ipcsendrecv: round %d: %e\n", i, e);
            }
        }
    }
    cprintf!("ipcsendrecv: %d of %d round trips right\n", good, ROUNDS);
    if let Err(e) = sys_env_destroy(server_id) {
        panic!("destroy server: %e", e);
    }
    // The server is gone: the send fails at once, nothing is received.
    let r = ipc_send_recv(server_id, 1, None, 0, None, None, None);
    if r == Err(-E_BAD_ENV) {
        cprintf!("ipcsendrecv: send to a dead server: %e\n", -E_BAD_ENV);
    } else {
        cprintf!(
            "ipcsendrecv: send to a dead server returned %d\n",
            r.map_or_else(|e| e, |v| v as i32)
        );
    }
}

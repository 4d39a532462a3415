#!/usr/bin/env python3
"""Checks the checked-in editor configuration the way an editor uses it.

usage: check_editor.py [--rust-analyzer PATH] [--timeout SECONDS]

Starts rust-analyzer as a language server on the repository with the
settings of .vscode/settings.json (what VS Code sends; other editors send
the same keys), then asks it what an editor would:

* go-to-definition from kern/, lib/ and user/ code that exists only on the
  i686 target (`#[cfg(target_os = "none")]`), which must land in the right
  file, and from a build script (host code) into std;
* diagnostics for an error typed into such a file (in the editor's buffer
  only: nothing is written to disk), which must be reported;
* every diagnostic it publishes for those files as they are on disk.

Prints one line per check and exits non-zero if one fails. rust-analyzer is
not part of the pinned toolchain's components on every nightly; give its
path with --rust-analyzer or $RUST_ANALYZER (see README.md, "Editor").
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = os.path.join(ROOT, ".vscode", "settings.json")

# (file, text at which to ask for the definition, file it must lead to)
DEFINITIONS = [
    ("kern/src/syscall.rs", "user_mem_assert(", "kern/src/env.rs"),
    ("lib/src/fork.rs", "sys_exofork()?", "lib/src/syscall.rs"),
    ("user/src/bin/hello.rs", "thisenv()", "lib/src/libmain.rs"),
    # A build script is host code: std, which the i686 target does not have.
    ("kern/build.rs", 'var("CARGO_MANIFEST_DIR")', "library/std/src/env.rs"),
]
# A file compiled only for i686, and an error typed at its end.
BROKEN_FILE = "kern/src/env.rs"
BROKEN_CODE = '\nfn editor_check_error() {\n    let _x: u32 = "not a number";\n}\n'


class Server:
    """A minimal LSP client over rust-analyzer's stdin/stdout."""

    def __init__(self, argv: List[str]):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        self.next_id = 1
        self.replies: Dict[int, dict] = {}
        self.diagnostics: Dict[str, list] = {}
        self.quiescent = False
        self.dead = False  # its output ended: it exited
        self.lock = threading.Condition()
        threading.Thread(target=self.read_loop, daemon=True).start()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read_loop(self) -> None:
        out = self.proc.stdout
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    with self.lock:
                        self.dead = True
                        self.lock.notify_all()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.handle(json.loads(out.read(length)))

    def handle(self, msg: dict) -> None:
        with self.lock:
            if "id" in msg and "method" in msg:  # a request from the server
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "id" in msg:
                self.replies[msg["id"]] = msg
            elif msg.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]
            elif msg.get("method") == "experimental/serverStatus":
                self.quiescent = msg["params"].get("quiescent", False)
            self.lock.notify_all()

    def request(self, method: str, params: dict, timeout: float) -> dict:
        with self.lock:
            rid, self.next_id = self.next_id, self.next_id + 1
            self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
            self.lock.wait_for(lambda: rid in self.replies or self.dead, timeout)
            return self.replies.pop(rid, {"error": "no reply within %gs" % timeout})

    def notify(self, method: str, params: dict) -> None:
        with self.lock:
            self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, predicate, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(predicate, timeout)

    def why_dead(self) -> str:
        """rust-analyzer's first words on stderr, once it has exited."""
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return "exit %s: %s" % (self.proc.poll(), lines[0] if lines else "no message")

    def stop(self) -> None:
        try:
            self.request("shutdown", {}, 10)
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def nested(flat: dict) -> dict:
    """VS Code's flat `rust-analyzer.cargo.target` keys as the server's
    nested initialization options {"cargo": {"target": ...}}."""
    out: dict = {}
    for key, value in flat.items():
        parts = key.split(".")
        if parts[0] != "rust-analyzer":
            continue
        node = out
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def uri(path: str) -> str:
    return "file://" + os.path.join(ROOT, path)


def position(text: str, needle: str) -> Tuple[int, int]:
    at = text.index(needle)
    line = text.count("\n", 0, at)
    return line, at - (text.rfind("\n", 0, at) + 1)


def open_file(server: Server, path: str, text: str) -> None:
    server.notify("textDocument/didOpen",
                  {"textDocument": {"uri": uri(path), "languageId": "rust", "version": 1, "text": text}})


def check_definition(server: Server, path: str, needle: str, want: str, timeout: float) -> Optional[str]:
    """None if go-to-definition on `needle` in `path` leads to `want`."""
    with open(os.path.join(ROOT, path)) as f:
        line, col = position(f.read(), needle)
    reply = server.request("textDocument/definition",
                           {"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": col}},
                           timeout)
    result = reply.get("result") or []
    targets = [r.get("targetUri") or r.get("uri") for r in (result if isinstance(result, list) else [result])]
    if any(t and t.endswith("/" + want) for t in targets):
        return None
    return "went to %s" % (", ".join(t.replace("file://" + ROOT + "/", "") for t in targets if t) or "nothing")


def load_workspace(server: Server, options: dict, timeout: float) -> bool:
    """Initializes the server as an editor would; True once it is idle."""
    server.request("initialize", {
        "processId": os.getpid(), "rootUri": "file://" + ROOT,
        "workspaceFolders": [{"uri": "file://" + ROOT, "name": "rjos"}],
        "initializationOptions": options,
        "capabilities": {"experimental": {"serverStatusNotification": True},
                         "textDocument": {"publishDiagnostics": {}, "definition": {"linkSupport": True}}},
    }, 60)
    server.notify("initialized", {})
    return server.wait(lambda: server.quiescent or server.dead, timeout) and not server.dead


def check_definitions(server: Server) -> List[str]:
    problems = []
    for path, _, _ in DEFINITIONS:
        with open(os.path.join(ROOT, path)) as f:
            open_file(server, path, f.read())
    for path, needle, want in DEFINITIONS:
        why = check_definition(server, path, needle, want, 120)
        print("editor: definition of %s in %s: %s" % (needle.split("(")[0], path, "OK" if why is None else "FAIL, " + why))
        if why:
            problems.append(why)
    return problems


def check_error_reported(server: Server) -> List[str]:
    """Types an error into BROKEN_FILE's buffer, waits for it to be reported,
    then puts the buffer back as it is on disk."""
    with open(os.path.join(ROOT, BROKEN_FILE)) as f:
        text = f.read()
    broken = text + BROKEN_CODE
    open_file(server, BROKEN_FILE, broken)
    error_line = broken.count("\n", 0, broken.index("not a number"))
    got = server.wait(lambda: any(d["range"]["start"]["line"] == error_line and d.get("severity") == 1
                                  for d in server.diagnostics.get(uri(BROKEN_FILE), [])), 120)
    print("editor: an error typed into %s is reported: %s" % (BROKEN_FILE, "OK" if got else "FAIL"))
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri(BROKEN_FILE), "version": 2},
                                             "contentChanges": [{"text": text}]})
    return [] if got else ["no error diagnostic for the broken line"]


def print_diagnostics(server: Server) -> None:
    """What the server reports for the files as they are on disk."""
    time.sleep(5)
    for path in [p for p, _, _ in DEFINITIONS] + [BROKEN_FILE]:
        for d in server.diagnostics.get(uri(path), []):
            print("editor: diagnostic %s:%d: %s" % (path, d["range"]["start"]["line"] + 1, d["message"].split("\n")[0]))


def report_dead(server: Server, path: str) -> int:
    print("editor: FAIL (%s did not start: %s)" % (path, server.why_dead()))
    print("    the pinned nightly may lack the component: try "
          "RUST_ANALYZER=$(rustup which --toolchain stable rust-analyzer)")
    return 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rust-analyzer", default=os.environ.get("RUST_ANALYZER") or shutil.which("rust-analyzer"))
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for the workspace to load")
    args = ap.parse_args()
    if not args.rust_analyzer:
        print("editor: FAIL (no rust-analyzer: `rustup component add rust-analyzer`, or give --rust-analyzer PATH)")
        return 1
    with open(SETTINGS) as f:
        options = nested(json.load(f))

    start = time.monotonic()
    server = Server([args.rust_analyzer])
    try:
        if not load_workspace(server, options, args.timeout):
            if server.dead:
                return report_dead(server, args.rust_analyzer)
            print("editor: FAIL (the workspace did not finish loading within %gs)" % args.timeout)
            return 1
        problems = check_definitions(server) + check_error_reported(server)
        print_diagnostics(server)
    except BrokenPipeError:
        return report_dead(server, args.rust_analyzer)
    finally:
        server.stop()
    print("editor: %s (%.0fs)" % ("FAIL" if problems else "OK", time.monotonic() - start))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""What gdb-test and grub-test do when a tool they need is missing.

In CI (CI=true, which .ci/run and CI services set) a missing tool is a
failure: CI installs every tool, so a missing one means the set-up broke.
Elsewhere the test is skipped, loudly, and leaves a note in obj/skipped/
that `make test` repeats in its final summary, so a skip cannot pass
unnoticed.  A test that runs removes its note.
"""
import os
import shutil
from typing import List, Optional

SKIP_DIR = "obj/skipped"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def check_tools(test: str, tools: List[str]) -> Optional[int]:
    """None if every tool is installed (test `make TEST-test` should run);
    otherwise the exit status it should end with, having said why."""
    note = os.path.join(SKIP_DIR, test + "-test")
    missing = [t for t in tools if not shutil.which(t)]
    if not missing:
        if os.path.exists(note):
            os.remove(note)
        return None
    why = "%s not installed" % ", ".join(missing)
    if in_ci():
        print("%s: FAIL (%s; CI=true, so every tool must be there)" % (test, why))
        return 1
    print("%s: SKIPPED (%s) *** this test did NOT run ***" % (test, why))
    os.makedirs(SKIP_DIR, exist_ok=True)
    with open(note, "w") as f:
        f.write(why + "\n")
    return 0

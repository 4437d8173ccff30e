"""Run a command and print its wall time and the CPU of every process it started.

``/usr/bin/time`` counts only the descendants that were waited for; Chromium's processes are
left to init by Playwright and escape it. This process becomes a child subreaper (Linux
``PR_SET_CHILD_SUBREAPER``), so orphans are handed to it and their CPU is counted too::

    python tests/cpu_tree.py env PYTHONPATH=$PWD .venv/bin/python -m pytest -n 2 -q
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    started, load = time.monotonic(), os.getloadavg()[0]
    code = subprocess.call(argv)
    while True:  # reap the orphans handed to this process
        try:
            os.wait()
        except ChildProcessError:
            break
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"wall {time.monotonic() - started:.1f} s, CPU user {used.ru_utime:.1f} s + system "
        f"{used.ru_stime:.1f} s = {used.ru_utime + used.ru_stime:.1f} s, "
        f"load {load:.1f} -> {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

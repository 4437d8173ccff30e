"""Write constraints.txt: the exact versions `make install` and CI's main run use.

`make lock` runs it after upgrading the development environment (`make upgrade`); the file is
the tested combination, pyproject.toml's ranges are what a newer install may pick (CI also runs
the suite on the newest versions those ranges allow: `make test-newest`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEADER = (
    "# The tested versions of every package Storefront installs (written by `make lock`).\n"
    "# `make install` installs within these; `make test-newest` ignores them and takes the\n"
    "# newest versions pyproject.toml allows.\n"
)


def main() -> None:
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    lines = sorted(
        (line for line in frozen if "==" in line and not line.startswith("storefront")),
        key=str.lower,
    )
    Path(__file__).resolve().parent.parent.joinpath("constraints.txt").write_text(
        HEADER + "\n".join(lines) + "\n", encoding="utf-8"
    )
    print(f"constraints.txt: {len(lines)} packages")


if __name__ == "__main__":
    main()

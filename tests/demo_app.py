"""The demo app of ``bench/fuzz_api.py`` (migrated, demo data seeded) for the in-suite fuzz and
schemathesis tests, a plugin of the root conftest.

``build_app`` seeds the demo catalogue from the sandbox: about 230 provider calls paced by the
client's per-second quota (10-20 s at the documented quotas; the session sandbox's are raised,
``tests.conftest.QUOTA_SCALE``). The first test of the run to ask seeds one database; every
other build starts from a copy of it, where ``build_app``'s own migrate and seed find nothing
left to do (the catalogue is fresh). Under pytest-xdist the copy is shared through the run's
temporary root, as the synced catalogue is (``tests/catalog/fixtures.py``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from bench.fuzz_api import build_app

DATABASE = "fuzz.db"  # the file build_app opens under its root


@pytest.fixture(scope="session")
def build_demo_app(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Any
) -> Callable[[Path], Flask]:
    """``build_demo_app(root)`` -> ``build_app(root, sandbox.url)`` on a copy of the seeded
    database (the caller disposes of the app)."""
    from tests.conftest import QUOTA_SCALE, dispose

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    template = shared / "demo-seeded.db"

    def build(root: Path) -> Flask:
        with open(template.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not template.exists():
                first = tmp_path_factory.mktemp("demo-seed")
                dispose(build_app(first, sandbox.url, quota_scale=QUOTA_SCALE))
                _backup(first / DATABASE, template)
        root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, root / DATABASE)
        return build_app(root, sandbox.url, quota_scale=QUOTA_SCALE)

    return build


def _backup(source: Path, target: Path) -> None:
    """One consistent file, whatever the write-ahead log still holds."""
    partial = target.with_suffix(".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    partial.rename(target)

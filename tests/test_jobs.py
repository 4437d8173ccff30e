"""Job registration: each area declares its job kinds in ``storefront/<area>/jobs.py``."""

from __future__ import annotations

import ast
import importlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from storefront.billing import worker
from storefront.billing.models import Job, JobStatus
from storefront.config import ConfigError, load_settings
from storefront.extensions import db

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _enqueued_kinds() -> Iterator[tuple[str, str]]:
    """``(where, kind)`` of every ``enqueue(kind, …)`` call in the product's source; a kind
    given as a name (``JOB_KIND``, ``mails.JOB_KIND``) is looked up in its module."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "enqueue":
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                yield where, str(arg.value)
            elif isinstance(arg, ast.Name | ast.Attribute):
                module = importlib.import_module(_module_name(path))
                if isinstance(arg, ast.Name):
                    value = getattr(module, arg.id, None)
                else:
                    owner = getattr(module, ast.unparse(arg.value), None)
                    value = getattr(owner, arg.attr, None)
                if isinstance(value, str):
                    yield where, value
                elif path.name != "worker.py":  # the worker enqueues what is registered
                    yield where, f"<cannot tell: {ast.unparse(arg)}>"
            else:
                yield where, f"<cannot tell: {ast.unparse(arg)}>"


def test_every_kind_enqueued_anywhere_has_a_registered_handler(app: Flask) -> None:
    with app.app_context():
        registered = worker.registry().kinds()
    found = list(_enqueued_kinds())
    assert {"provision", "customer_mail", "account_mail"} <= {kind for _, kind in found}
    assert [f"{where}: {kind}" for where, kind in found if kind not in registered] == []


def test_the_worker_imports_no_handler() -> None:
    tree = ast.parse((PACKAGE / "billing" / "worker.py").read_text(encoding="utf-8"))
    imported = {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
         for alias in node.names}
    assert not {m for m in imported if m.startswith("storefront.")} - {
        "storefront.areas",
        "storefront.billing.models",
        "storefront.clock",
        "storefront.extensions",
        "storefront.sql",
    }


def test_each_area_declares_its_periodic_jobs(app: Flask) -> None:
    with app.app_context():
        periodic = {t.kind: t.every for t in worker.registry().periodic()}
    assert set(periodic) == {
        "reconcile",
        "partners_reconcile",
        "bill_usage",
        "expire_topups",
        "purge_quotes",
        "purge_uploads",
        "ticket_sync",
        "close_unpaid_trades",
        "reconcile_bills",
        "purge_jobs",
    }


def test_a_kind_registered_through_the_registry_is_run_by_the_worker(app: Flask) -> None:
    seen: list[dict[str, Any]] = []

    def handler(job: Job) -> None:
        import json

        seen.append(json.loads(job.payload))

    jobs = worker.registry()
    jobs.add("test_echo", handler)
    try:
        with app.app_context():
            worker.enqueue("test_echo", "test_echo:1", payload={"hello": "world"})
            worker.enqueue("test_echo", "test_echo:1", payload={"hello": "again"})  # same key
            db.session.commit()
            assert worker.run_pending() == 1
            job = db.session.scalar(select(Job).where(Job.key == "test_echo:1"))
            assert job is not None and job.status == JobStatus.DONE.value
        assert seen == [{"hello": "world"}]
        with pytest.raises(ValueError, match="registered twice"):
            jobs.add("test_echo", lambda job: None)
    finally:
        jobs.remove("test_echo")


def test_a_kind_nobody_registered_is_left_dead_with_the_reason(app: Flask) -> None:
    with app.app_context():
        worker.enqueue("no_such_kind", "no_such_kind:1")
        db.session.commit()
        worker.run_pending()
        job = db.session.scalar(select(Job).where(Job.key == "no_such_kind:1"))
        assert job is not None and job.status == JobStatus.DEAD.value
        assert "no handler for job kind 'no_such_kind'" in (job.last_error or "")


@pytest.mark.parametrize("value", ["1", "0", "abc", "3601"])
def test_the_job_lease_setting_is_validated(value: str) -> None:
    with pytest.raises(ConfigError, match="STOREFRONT_JOB_LEASE_S"):
        load_settings({"STOREFRONT_ENV": "testing", "STOREFRONT_JOB_LEASE_S": value})
    assert load_settings({"STOREFRONT_ENV": "testing"}).job_lease_s == 60


def test_a_running_jobs_heartbeat_keeps_other_workers_off_it(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    """A job that runs for several leases stays with its worker: the heartbeat renews the
    lease, so another worker polling meanwhile never takes it over."""
    short = make_app(STOREFRONT_JOB_LEASE_S="2")
    release = threading.Event()
    runs: list[int] = []

    def slow(job: Job) -> None:
        runs.append(job.attempts)
        release.wait(10)

    jobs = worker.registry()
    jobs.add("test_slow", slow)
    try:
        with short.app_context():
            worker.enqueue("test_slow", "test_slow:1")
            db.session.commit()

        def first() -> None:
            with short.app_context():
                worker.run_one()

        thread = threading.Thread(target=first)
        thread.start()
        started = time.monotonic()
        while not runs:  # the first worker has claimed it and is running it
            assert time.monotonic() - started < 10, "the first worker never ran the job"
            time.sleep(0.05)
        deadline = time.monotonic() + 5  # two and a half leases
        while time.monotonic() < deadline:
            with short.app_context():
                assert worker.run_one() is False  # nothing for a second worker
            time.sleep(0.2)
        release.set()
        thread.join(timeout=10)
        with short.app_context():
            job = db.session.scalar(select(Job).where(Job.key == "test_slow:1"))
            assert job is not None and job.status == JobStatus.DONE.value
        assert runs == [1]
    finally:
        release.set()
        jobs.remove("test_slow")

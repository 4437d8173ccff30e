"""Operating contract: owner bootstrap, CLI seeding, mail backends, the production server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storefront.accounts.models import Staff, StaffRole
from storefront.accounts.passwords import verify_password
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import all_stores

ROOT = Path(__file__).resolve().parent.parent


def _owners(app: Any) -> list[Staff]:
    with app.app_context(), all_stores():
        return list(db.session.scalars(select(Staff).where(Staff.role == StaffRole.OWNER)))


def test_admin_settings_create_then_reset_the_owner(app: Any, make_app: Any) -> None:
    make_app(STOREFRONT_ADMIN_EMAIL="Boss@Example.com", STOREFRONT_ADMIN_PASSWORD="first-pass-123")
    owners = _owners(app)
    assert [o.email for o in owners] == ["boss@example.com"]
    assert verify_password(owners[0].password_hash, "first-pass-123")

    make_app(STOREFRONT_ADMIN_EMAIL="boss@example.com", STOREFRONT_ADMIN_PASSWORD="second-pass-456")
    owners = _owners(app)
    assert len(owners) == 1
    assert verify_password(owners[0].password_hash, "second-pass-456")
    assert not verify_password(owners[0].password_hash, "first-pass-123")


def test_seed_demo_is_idempotent(app: Any) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["storefront", "seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Store.id))) == 1
        assert db.session.scalar(select(Store.is_default)) is True


def test_file_mail_backend_writes_eml_in_the_recipients_language(
    app: Any, default_store: Any, mail_dir: Path
) -> None:
    from storefront.mail import build_message, deliver

    with app.test_request_context("/"):
        deliver(build_message(to="a@example.com", subject="Hello", text="Body", html="<p>Body</p>"))
    files = list(mail_dir.glob("*.eml"))
    assert len(files) == 1
    msg = message_from_bytes(files[0].read_bytes())
    assert msg["To"] == "a@example.com" and msg["Subject"] == "Hello"
    assert msg.is_multipart()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_the_app_in_production_mode(base_config: dict[str, Any]) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "STOREFRONT_ENV": "production",
        "STOREFRONT_SECRET_KEY": "x" * 40,
        "STOREFRONT_ENCRYPTION_KEYS": "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=",
        "STOREFRONT_DATABASE_URL": base_config["STOREFRONT_DATABASE_URL"],
        "STOREFRONT_INSTANCE_PATH": base_config["STOREFRONT_INSTANCE_PATH"],
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "storefront:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and b'"ok"' in r.read()
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "gunicorn did not answer in 20 s"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def test_production_without_secret_refuses_to_boot(base_config: dict[str, Any]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOREFRONT_")}
    env["STOREFRONT_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "from storefront import create_app; create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "STOREFRONT_SECRET_KEY is required in production" in result.stderr

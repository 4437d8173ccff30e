"""Forgot-password answer time for a known and an unknown email (issue #14 item 3).

    .venv/bin/python bench/reset_timing.py [--runs 300]

Builds an app on a throw-away SQLite database (the real migrations), adds one customer and
times ``POST /forgot-password`` in-process (Flask's test client, CSRF off), alternating the
customer's email and an unknown one, each from its own address so the per-route rates stay out
of the way; the per-account mail limit is raised so every request queues its mail. Prints the
median and p90 of each, in milliseconds. The answer should not tell the two apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("STOREFRONT_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.accounts.models import Customer, CustomerStatus
    from storefront.accounts.passwords import hash_password
    from storefront.extensions import db
    from storefront.stores.services import ensure_default_store

    root = Path(tempfile.mkdtemp(prefix="sf-reset-bench-"))
    app = create_app(
        {
            "STOREFRONT_ENV": "testing",
            "STOREFRONT_DATABASE_URL": f"sqlite:///{root / 'bench.db'}",
            "STOREFRONT_INSTANCE_PATH": str(root / "instance"),
            "STOREFRONT_MAIL_BACKEND": "file",
            "STOREFRONT_MAIL_DIR": str(root / "mail"),
            "STOREFRONT_ACCOUNT_MAIL_LIMIT": "1000000 per hour",
            "ACCOUNTS_LIMIT_RESET": "1000000 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        store = ensure_default_store()
        db.session.add(
            Customer(
                store_id=store.id,
                email="known@example.com",
                name="Known",
                password_hash=hash_password("bench-passw0rd"),
                status=CustomerStatus.ACTIVE,
            )
        )
        db.session.commit()

    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.runs * 2 + 20):
        which = "known" if n % 2 else "unknown"
        address = f"{which}@example.com"
        environ = {"REMOTE_ADDR": f"10.{n // 65000}.{n // 250 % 250}.{n % 250 + 1}"}
        started = time.perf_counter()
        answer = client.post("/forgot-password", data={"email": address}, environ_base=environ)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer.status_code == 302, answer.status_code
        if n >= 20:  # warm-up
            times[which].append(elapsed)
    for which, values in times.items():
        values.sort()
        p90 = values[int(len(values) * 0.9)]
        print(f"{which:8} median {statistics.median(values):.2f} ms  p90 {p90:.2f} ms")


if __name__ == "__main__":
    main()

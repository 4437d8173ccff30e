"""Request and upload limits: a body over ``MAX_CONTENT_LENGTH`` is a 413 before it is read;
a form takes a bounded number of files; a customer's stored files have a quota; files of
rejected or superseded submissions are deleted after the review window."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts import services as accounts
from storefront.accounts.models import Customer, RealnameStatus, RealnameSubmission, StaffRole
from storefront.billing import remittance
from storefront.billing.models import ClaimStatus, Job, JobStatus, RemittanceClaim
from storefront.extensions import db
from storefront.stores.tenancy import all_stores
from storefront.uploads import MB
from tests.billing.wallet_helpers import csrf, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
SIXTY_MB = 60 * MB


class Body(io.RawIOBase):
    """A request body that counts what the server reads of it."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"\0" * n
        self.read_bytes += n
        return n


def _huge_post(client: FlaskClient, path: str, content_type: str) -> tuple[Any, Body]:
    body = Body(SIXTY_MB)
    resp = client.post(
        path,
        headers={"Host": "localhost"},
        environ_overrides={
            "wsgi.input": body,
            "CONTENT_LENGTH": str(SIXTY_MB),
            "CONTENT_TYPE": content_type,
        },
    )
    return resp, body


def test_the_default_limit_is_the_largest_form_plus_a_little(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 5 * MB + 2 * MB


def test_a_large_page_upload_is_refused_before_it_is_read(app: Flask, default_store: Any) -> None:
    resp, body = _huge_post(
        app.test_client(), "/account/realname", "multipart/form-data; boundary=x"
    )
    assert resp.status_code == 413
    assert resp.mimetype == "text/html"
    assert "That upload is too large" in resp.get_data(as_text=True)
    assert "at most 27 MB" in resp.get_data(as_text=True)
    assert body.read_bytes == 0


def test_a_large_api_body_is_a_json_413_before_it_is_read(app: Flask, default_store: Any) -> None:
    resp, body = _huge_post(app.test_client(), "/api/v1/auth/token", "application/json")
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"
    assert body.read_bytes == 0


def test_the_limit_is_a_setting(extra_app: Callable[..., Flask]) -> None:
    small = extra_app(STOREFRONT_MAX_CONTENT_LENGTH=str(2 * MB))
    assert small.config["MAX_CONTENT_LENGTH"] == 2 * MB


def _customer_client(app: Flask, make_customer: Any) -> tuple[FlaskClient, Customer]:
    customer = make_customer()
    client = app.test_client()
    login(client, customer.email)
    return client, customer


def test_too_many_files_in_one_form(app: Flask, make_customer: Any) -> None:
    client, _customer = _customer_client(app, make_customer)
    page = client.get("/account/realname").get_data(as_text=True)
    data: dict[str, Any] = {
        "csrf_token": csrf(page),
        "type": "individual",
        "name": "张三",
        "id_number": "11010519491231002X",
        "documents": [(io.BytesIO(PNG), f"id-{i}.png") for i in range(6)],
    }
    resp = client.post("/account/realname", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "Too many files: at most 5." in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(RealnameSubmission)).all() == []
    page = client.get("/wallet/remittance").get_data(as_text=True)
    claim = _claim_form(page, "SN-TWO")
    claim["proof"] = [(io.BytesIO(PNG), "a.png"), (io.BytesIO(PNG), "b.png")]
    resp = client.post("/wallet/remittance", data=claim, content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "at most 1" in resp.get_data(as_text=True)


def _claim_form(page: str, serial: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf(page),
        "amount": "10.00",
        "paid_on": date.today().isoformat(),
        "payer_name": "Zhang San",
        "bank_serial": serial,
        "proof": (io.BytesIO(PNG), "receipt.png"),
    }


def test_a_customer_has_a_quota_of_stored_files(
    extra_app: Callable[..., Flask], app: Flask, make_customer: Any, make_staff: Any
) -> None:
    with app.app_context():  # bank transfer is offered once the store has its bank details
        remittance.update_billing_settings(
            make_staff(role=StaffRole.OWNER),
            bank_name="ICBC Shenzhen",
            bank_account="6222 0000 1111",
            bank_holder="Blue Co",
        )
        db.session.commit()
    small = extra_app(STOREFRONT_UPLOAD_QUOTA_FILES="2")
    client, customer = _customer_client(small, make_customer)
    for serial in ("SN-1", "SN-2", "SN-3"):
        page = client.get("/wallet/remittance").get_data(as_text=True)
        resp = client.post(
            "/wallet/remittance",
            data=_claim_form(page, serial),
            content_type="multipart/form-data",
        )
        if serial != "SN-3":
            assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert resp.status_code == 422
    assert "You have stored too many files" in resp.get_data(as_text=True)
    with small.app_context():
        serials = db.session.scalars(
            select(RemittanceClaim.bank_serial).where(RemittanceClaim.customer_id == customer.id)
        ).all()
        assert sorted(serials) == ["SN-1", "SN-2"]


def _proof(app: Flask, name: str) -> str:
    folder = Path(app.instance_path) / "remittance" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(PNG)
    return f"remittance/test/{name}"


@pytest.fixture
def decided(app: Flask, make_customer: Any) -> dict[str, Any]:
    """Claims and real-name submissions decided 40 and 2 days ago, with their files."""
    customer = make_customer()
    old, recent = datetime.now(UTC) - timedelta(days=40), datetime.now(UTC) - timedelta(days=2)
    made: dict[str, Any] = {}
    with app.app_context():
        for key, status, when in (
            ("old_rejected", ClaimStatus.REJECTED, old),
            ("recent_rejected", ClaimStatus.REJECTED, recent),
            ("old_approved", ClaimStatus.APPROVED, old),
        ):
            claim = RemittanceClaim(
                store_id=customer.store_id,
                customer_id=customer.id,
                reference="SF1",
                amount=10,
                currency="CNY",
                paid_on=date.today(),
                payer_name="Z",
                bank_serial=key,
                proof_path=_proof(app, f"{key}.png"),
                status=status,
                decided_at=when,
            )
            db.session.add(claim)
            made[key] = claim.proof_path
        for key, status, when in (
            ("rn_old_rejected", RealnameStatus.REJECTED, old),
            ("rn_old_superseded", RealnameStatus.VERIFIED, old),
            ("rn_latest", RealnameStatus.VERIFIED, old + timedelta(days=1)),
        ):
            name = accounts.store_document(PNG)
            db.session.add(
                RealnameSubmission(
                    store_id=customer.store_id,
                    customer_id=customer.id,
                    kind="individual",
                    subject_name="张三",
                    number_enc="x",
                    masked="1101**",
                    documents=[name],
                    status=status,
                    submitted_at=when,
                    reviewed_at=when,
                )
            )
            made[key] = accounts.document_path(name)
        db.session.commit()
    return made


def _remaining(app: Flask, made: dict[str, Any]) -> set[str]:
    with app.app_context():
        left = set()
        for key, path in made.items():
            full = Path(app.instance_path) / path if isinstance(path, str) else path
            if full.exists():
                left.add(key)
        return left


def test_purge_uploads_deletes_decided_files_after_the_window(
    app: Flask, decided: dict[str, Any]
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storefront", "purge-uploads"])
    assert result.exit_code == 0, result.output
    assert result.output == "purge-uploads: deleted 3 file(s)\n"
    assert _remaining(app, decided) == {"recent_rejected", "old_approved", "rn_latest"}
    with app.app_context():
        claims = {c.bank_serial: c.proof_path for c in db.session.scalars(select(RemittanceClaim))}
        assert claims["old_rejected"] is None and claims["recent_rejected"]
        kept = db.session.scalars(select(RealnameSubmission).order_by(RealnameSubmission.id))
        assert [bool(s.documents) for s in kept] == [False, False, True]
    result = runner.invoke(args=["storefront", "purge-uploads", "--older-than-days", "1"])
    assert result.output == "purge-uploads: deleted 1 file(s)\n"
    assert _remaining(app, decided) == {"old_approved", "rn_latest"}


def test_the_worker_purges_uploads_daily(app: Flask, decided: dict[str, Any]) -> None:
    from storefront.billing import worker

    now = datetime.now(UTC)
    with app.app_context():
        worker.schedule_periodic(now)
        worker.run_pending(now=now)
        with all_stores():
            jobs = db.session.execute(
                select(Job.key, Job.status).where(Job.kind == "purge_uploads")
            ).all()
    day = int(now.timestamp()) // 86_400
    assert jobs == [(f"purge_uploads:{day}", JobStatus.DONE.value)]
    assert _remaining(app, decided) == {"recent_rejected", "old_approved", "rn_latest"}


def test_the_quota_covers_real_name_documents(
    extra_app: Callable[..., Flask], app: Flask, default_store: Any
) -> None:
    from tests.accounts.helpers import PASSWORD, register

    small = extra_app(STOREFRONT_UPLOAD_QUOTA_FILES="2")
    client = small.test_client()
    email = register(client).get_json()["email"]
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(page)})
    page = client.get("/account/realname").get_data(as_text=True)
    assert "At most 5 files of 5 MB each." in page
    # a passport is verified on its three images (a resident ID goes the bank-card way, with
    # no files): three files do not fit in a quota of two
    data: dict[str, Any] = {
        "csrf_token": csrf(page),
        "type": "individual",
        "name": "张三",
        "document_type": "passport",
        "id_number": "E12345678",
        "documents": [(io.BytesIO(PNG), f"{n}.png") for n in ("data", "entry", "holding")],
    }
    resp = client.post("/account/realname", data=data, content_type="multipart/form-data")
    assert "You have stored too many files" in resp.get_data(as_text=True)
    with small.app_context():
        assert db.session.scalars(select(RealnameSubmission)).all() == []

"""Upload limits across areas: request size, files per form, a per-customer quota, the purge.

- ``STOREFRONT_MAX_CONTENT_LENGTH`` (Flask's ``MAX_CONTENT_LENGTH``): a request body over it is
  refused with ``413`` before any of it is read (werkzeug checks the ``Content-Length``; a body
  without one is cut off at the limit). Default: the largest file a form takes (5 MB) times
  the most files a form takes, plus 2 MB for the other fields.
- ``STOREFRONT_UPLOAD_MAX_FILES`` (default 5): the most files one form takes (real-name
  certificates); every other form takes one file. More is a ``413`` with a clear message.
- ``STOREFRONT_UPLOAD_QUOTA_FILES`` / ``STOREFRONT_UPLOAD_QUOTA_BYTES`` (default 30 files,
  50 MB): what one customer may keep stored (real-name documents and remittance proofs).
- ``STOREFRONT_UPLOAD_RETENTION_DAYS`` (default 30): files of rejected or superseded real-name
  submissions and of rejected remittance claims are deleted this long after the decision by
  ``flask storefront purge-uploads`` and the worker's daily job; the records stay.

Real-name (accounts), remittance (billing) and ticket attachments (tickets) store customers'
files; the quota (all three) and the purge (the first two) live here, above the areas, like
:mod:`storefront.housekeeping`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from storefront.accounts.documents import document_path
from storefront.accounts.models import RealnameStatus, RealnameSubmission
from storefront.billing.models import ClaimStatus, RemittanceClaim
from storefront.clock import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store
from storefront.tickets.models import TicketAttachment

log = logging.getLogger(__name__)
MB = 1024 * 1024
LARGEST_FILE = 5 * MB  # real-name documents and remittance proofs
MULTI_FILE_ENDPOINTS = frozenset({"accounts.realname", "tickets.new_ticket", "tickets.reply"})


@dataclass(frozen=True)
class UploadSettings:
    max_content_length: int = 5 * LARGEST_FILE + 2 * MB
    max_files: int = 5
    quota_files: int = 30
    quota_bytes: int = 50 * MB
    retention_days: int = 30

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> tuple[UploadSettings, list[str]]:
        problems: list[str] = []

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = (env.get(f"STOREFRONT_{name}") or "").strip()
            if not raw:
                return default
            try:
                value = int(raw)
                if not low <= value <= high:
                    raise ValueError
            except ValueError:
                problems.append(f"STOREFRONT_{name} must be a whole number in {low}..{high}")
                return default
            return value

        max_files = number("UPLOAD_MAX_FILES", cls.max_files, 1, 50)
        settings = cls(
            max_content_length=number(
                "MAX_CONTENT_LENGTH", max_files * LARGEST_FILE + 2 * MB, MB, 1024 * MB
            ),
            max_files=max_files,
            quota_files=number("UPLOAD_QUOTA_FILES", cls.quota_files, 1, 100_000),
            quota_bytes=number("UPLOAD_QUOTA_BYTES", cls.quota_bytes, MB, 100 * 1024 * MB),
            retention_days=number("UPLOAD_RETENTION_DAYS", cls.retention_days, 1, 3650),
        )
        return settings, problems


def upload_settings(app: Flask | None = None) -> UploadSettings:
    settings = (app or current_app).config["SETTINGS"]
    return getattr(settings, "uploads", None) or UploadSettings()


# --- files per form -------------------------------------------------------------------------


def _files_per_form() -> None:
    """Before each request: a multipart form with more files than its form takes is a 413."""
    if request.mimetype != "multipart/form-data":
        return
    allowed = upload_settings().max_files if request.endpoint in MULTI_FILE_ENDPOINTS else 1
    count = sum(1 for _name, upload in request.files.items(multi=True) if upload.filename)
    if count > allowed:
        abort(413, description=str(_l("Too many files: at most %(count)s.", count=allowed)))


def register(app: Flask) -> None:
    app.before_request(_files_per_form)


# --- the per-customer quota -----------------------------------------------------------------


class UploadQuotaExceeded(DomainError):
    """The customer's stored files would exceed the quota (the message is for the log: the
    areas that store files answer with their own words)."""

    code: ClassVar[str] = "upload_quota_exceeded"
    status: ClassVar[int] = 422


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _realname_files(customer_id: int) -> list[Path]:
    rows = db.session.scalars(
        select(RealnameSubmission.documents).where(RealnameSubmission.customer_id == customer_id)
    )
    return [document_path(name) for names in rows for name in (names or [])]


def _proof_files(customer_id: int) -> list[Path]:
    rows = db.session.scalars(
        select(RemittanceClaim.proof_path).where(
            RemittanceClaim.customer_id == customer_id, RemittanceClaim.proof_path.is_not(None)
        )
    )
    return [Path(current_app.instance_path) / str(p) for p in rows]


def _ticket_files(customer_id: int) -> tuple[int, int]:
    count, size = db.session.execute(
        select(
            func.count(TicketAttachment.id), func.coalesce(func.sum(TicketAttachment.size), 0)
        ).where(TicketAttachment.customer_id == customer_id)
    ).one()
    return int(count), int(size)


def stored(customer_id: int) -> tuple[int, int]:
    """(files, bytes) the customer has stored now (ticket attachments included)."""
    paths = [p for p in [*_realname_files(customer_id), *_proof_files(customer_id)] if p.exists()]
    tickets, ticket_bytes = _ticket_files(customer_id)
    return len(paths) + tickets, sum(_size(p) for p in paths) + ticket_bytes


def check_quota(customer_id: int, new_files: Iterable[bytes]) -> None:
    """Raise :class:`UploadQuotaExceeded` unless ``new_files`` fit in the customer's quota."""
    new = list(new_files)
    if not new:
        return
    settings = upload_settings()
    files, size = stored(customer_id)
    if files + len(new) > settings.quota_files or size + sum(map(len, new)) > settings.quota_bytes:
        raise UploadQuotaExceeded(
            f"customer {customer_id} stores {files} files, {size} bytes; quota "
            f"{settings.quota_files} files, {settings.quota_bytes} bytes"
        )


# --- the purge ------------------------------------------------------------------------------


def _delete(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _purge_realname(cutoff: datetime, store_id: int) -> int:
    newest = select(func.max(RealnameSubmission.id)).group_by(RealnameSubmission.customer_id)
    latest = set(db.session.scalars(in_store(newest, store_id)))
    deleted = 0
    decided = select(RealnameSubmission).where(
        RealnameSubmission.status != RealnameStatus.PENDING,
        func.coalesce(RealnameSubmission.reviewed_at, RealnameSubmission.submitted_at) < cutoff,
    )
    rows = db.session.scalars(in_store(decided, store_id)).all()
    for row in rows:
        rejected = row.status == RealnameStatus.REJECTED
        if not row.documents or not (rejected or row.id not in latest):
            continue
        deleted += sum(_delete(document_path(name)) for name in row.documents)
        row.documents = []
    return deleted


def _purge_proofs(cutoff: datetime, store_id: int) -> int:
    rejected = select(RemittanceClaim).where(
        RemittanceClaim.status == ClaimStatus.REJECTED,
        RemittanceClaim.decided_at < cutoff,
        RemittanceClaim.proof_path.is_not(None),
    )
    rows = db.session.scalars(in_store(rejected, store_id)).all()
    deleted = 0
    for claim in rows:
        deleted += _delete(Path(current_app.instance_path) / str(claim.proof_path))
        claim.proof_path = None
    return deleted


def purge_uploads(retention: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete the files of rejected or superseded real-name submissions and of rejected
    remittance claims decided more than ``retention`` ago, in every store; returns how many
    files were deleted. The caller commits (the command; the job runner for the job)."""
    if retention is None:
        retention = timedelta(days=upload_settings().retention_days)
    cutoff = (now or utcnow()) - retention
    deleted = 0
    for store_id in db.session.scalars(select(Store.id).order_by(Store.id)).all():
        deleted += _purge_realname(cutoff, store_id) + _purge_proofs(cutoff, store_id)
    db.session.flush()
    if deleted:
        log.info("purge-uploads: deleted %d file(s) decided before %s", deleted, cutoff)
    return deleted


def purge_uploads_job(job: Any) -> None:
    """The worker's daily job (registered by :mod:`storefront.housekeeping.jobs`)."""
    purge_uploads()

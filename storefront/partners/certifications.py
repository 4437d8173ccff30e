"""Staff certifications (with proof files), the expert-service incentive they qualify for,
and the development path they count towards."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from storefront.accounts.models import Staff
from storefront.accounts.permissions import require_permission
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.inputs import parse_date
from storefront.partners.models import Certification, PartnerProfile
from storefront.partners.paths import SOURCE_READ_ON, SOURCE_URL, load_paths
from storefront.partners.profile import ensure_profile
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store

# --------------------------------------------------------------------------- certifications

CERT_KINDS = ("HCIA", "HCIP", "HCIE", "HCCDA", "HCCDP", "HCCDE", "HCSA", "HCSP", "PMP")
PROOF_TYPES = {b"%PDF-": ("application/pdf", "pdf"), b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
JPEG = b"\xff\xd8\xff"
MAX_PROOF_BYTES = 5 * 1024 * 1024


def sniff(head: bytes) -> tuple[str, str] | None:
    """(mime type, extension) from the file's first bytes; None when not PDF/PNG/JPEG."""
    for magic, kind in PROOF_TYPES.items():
        if head.startswith(magic):
            return kind
    if head.startswith(JPEG):
        return ("image/jpeg", "jpg")
    return None


def proof_dir() -> Path:
    settings = current_app.config["SETTINGS"]
    return Path(settings.instance_path) / "partners" / "certificates"


def certifications(staff: Any) -> list[Certification]:
    require_permission(staff, "workspace.view")
    return list(
        db.session.scalars(
            select(Certification).order_by(Certification.staff_id, Certification.kind)
        )
    )


def add_certification(
    staff: Any,
    *,
    staff_id: int,
    kind: str,
    number: str,
    issued_on: Any,
    expires_on: Any = None,
    track: str = "",
    proof: bytes | None = None,
) -> Certification:
    require_permission(staff, "workspace.manage")
    holder = db.session.get(Staff, staff_id)
    if holder is None or holder.store_id != staff.store_id:
        raise PartnersError(_l("Choose a staff member of this store."), "staff_id")
    if kind not in CERT_KINDS:
        raise PartnersError(_l("Choose a certification."), "kind")
    if not number.strip():
        raise PartnersError(_l("Enter the certificate number."), "number")
    issued = parse_date(issued_on, "issued_on")
    expires = parse_date(expires_on, "expires_on") if expires_on else None
    if expires is not None and expires <= issued:
        raise PartnersError(_l("The expiry date must be after the issue date."), "expires_on")
    proof_file = proof_type = None
    if proof:
        if len(proof) > MAX_PROOF_BYTES:
            raise PartnersError(
                lazy_pgettext("certification", "The proof file is larger than 5 MB."), "proof"
            )
        found = sniff(proof[:16])
        if found is None:
            raise PartnersError(_l("Upload the proof as PDF, PNG or JPEG."), "proof")
        proof_type, ext = found
        folder = proof_dir() / str(staff.store_id)
        folder.mkdir(parents=True, exist_ok=True)
        proof_file = f"{uuid.uuid4().hex}.{ext}"
        (folder / proof_file).write_bytes(proof)
    row = Certification(
        store_id=staff.store_id,
        staff_id=holder.id,
        kind=kind,
        track=track.strip()[:80] or None,
        number=number.strip()[:64],
        issued_on=issued,
        expires_on=expires,
        proof_file=proof_file,
        proof_type=proof_type,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def proof_path(staff: Any, certification_id: int) -> tuple[Path, str]:
    require_permission(staff, "workspace.view")
    row = db.session.get(Certification, certification_id)
    if row is None or row.store_id != staff.store_id or not row.proof_file:
        raise PartnerNotFound(_l("No such file."))
    return proof_dir() / str(row.store_id) / row.proof_file, row.proof_type or ""


def valid_kinds(certs: Iterable[Certification], on: date | None = None) -> set[str]:
    day = on or date.today()
    return {
        c.kind
        for c in certs
        if c.issued_on <= day and (c.expires_on is None or c.expires_on >= day)
    }


def expert_eligible(kinds: set[str]) -> bool:
    """Expert-service incentive: HCIE or HCCDE; or HCCDP together with PMP."""
    return bool({"HCIE", "HCCDE"} & kinds) or {"HCCDP", "PMP"} <= kinds


@dataclass
class PersonStatus:
    staff: Staff
    kinds: set[str]
    eligible: bool


def people(staff: Any) -> list[PersonStatus]:
    require_permission(staff, "workspace.view")
    certs = certifications(staff)
    members = db.session.scalars(select(Staff).order_by(Staff.name))
    return [
        PersonStatus(
            m, kinds := valid_kinds(c for c in certs if c.staff_id == m.id), expert_eligible(kinds)
        )
        for m in members
    ]


def due_reminders(days: int, today: date | None = None) -> list[Certification]:
    """Certifications expiring within ``days`` that have not been reminded about (all stores)."""
    day = today or date.today()
    due = (
        select(Certification)
        .where(
            Certification.expires_on.is_not(None),
            Certification.expires_on >= day,
            Certification.expires_on <= day + timedelta(days=days),
            Certification.reminded_at.is_(None),
        )
        .order_by(Certification.id)
    )
    found: list[Certification] = []
    for store_id in db.session.scalars(select(Store.id).order_by(Store.id)):
        found.extend(db.session.scalars(in_store(due, store_id)))
    return found


# --------------------------------------------------------------------------- development path


def paths() -> dict[str, dict[str, Any]]:
    """The development paths (the provider's published figures, or the operator's own file)."""
    return load_paths(current_app.config["SETTINGS"].instance_path)[0]


def path_source() -> dict[str, Any]:
    own = load_paths(current_app.config["SETTINGS"].instance_path)[1]
    return {"own": own, "url": SOURCE_URL, "read_on": SOURCE_READ_ON}


# A higher certificate counts towards a lower requirement of the same family.
HIGHER = {
    "HCIA": ("HCIA", "HCIP", "HCIE"),
    "HCIP": ("HCIP", "HCIE"),
    "HCIE": ("HCIE",),
    "HCCDA": ("HCCDA", "HCCDP", "HCCDE"),
    "HCCDP": ("HCCDP", "HCCDE"),
    "HCCDE": ("HCCDE",),
    "HCSA": ("HCSA", "HCSP"),
    "HCSP": ("HCSP",),
    "PMP": ("PMP",),
}


@dataclass
class Requirement:
    text: Any  # what is required (lazy), for "other" requirements
    certs: tuple[str, ...]  # for people requirements
    needed: int | None  # people needed; None: the figure is not published (see paths.py)
    have: int | None  # people who hold one of ``certs`` (or higher); None for "other"


def path_progress(path: str, persons: list[PersonStatus]) -> list[tuple[Any, list[Requirement]]]:
    """Per stage of ``path``: its requirements and the store's progress from certified staff."""
    stages = []
    for stage in paths()[path]["stages"]:
        rows = []
        for req in stage.get("requirements", []):
            if req.get("kind") == "people":
                certs = tuple(str(c) for c in req.get("certs", []))
                wanted = {k for c in certs for k in HIGHER.get(c, (c,))}
                have = sum(1 for p in persons if wanted & p.kinds)
                count = req.get("count")
                rows.append(Requirement("", certs, int(count) if count else None, have))
            else:
                rows.append(Requirement(req.get("text", ""), (), None, None))
        stages.append((stage.get("label", ""), rows))
    return stages


def choose_path(staff: Any, path: str) -> PartnerProfile:
    require_permission(staff, "workspace.manage")
    profile = ensure_profile(staff.store_id)
    if profile.programme_member_since is None:
        raise PartnersError(_l("Record your partner-programme membership first."))
    if profile.development_path is not None:
        raise PartnersError(_l("The development path is already chosen."))
    if path not in paths():
        raise PartnersError(_l("Choose a development path."), "path")
    profile.development_path = path
    db.session.flush()
    return profile

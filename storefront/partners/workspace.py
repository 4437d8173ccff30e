"""The partner workspace of any store (owner and finance staff): provider account and top-up
routes, offline remittances to the provider, incentives, certifications and the expert-service
incentive, the development path, and opportunities shared with the provider."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Staff
from storefront.accounts.permissions import require_permission
from storefront.catalog.models import Quote
from storefront.extensions import db
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.models import (
    Certification,
    Incentive,
    Opportunity,
    OpportunityStatus,
    PartnerProfile,
    ProviderRemittance,
    RemittanceState,
)
from storefront.partners.paths import SOURCE_READ_ON, SOURCE_URL, load_paths
from storefront.partners.services import now, parse_amount

# --------------------------------------------------------------------------- profile, top-up

ENTITIES: dict[str, Any] = {
    "huawei_software": _l("Huawei Software Technologies Co., Ltd."),
    "huawei_cloud": _l("Huawei Cloud Computing Technologies Co., Ltd."),
    "other": _l("Another contracting entity"),
}
PROVIDER_ENTITIES = frozenset({"huawei_software", "huawei_cloud"})


def ensure_profile(store_id: int) -> PartnerProfile:
    profile = db.session.scalar(
        select(PartnerProfile)
        .where(PartnerProfile.store_id == store_id)
        .execution_options(all_stores=True)
    )
    if profile is None:
        profile = PartnerProfile(store_id=store_id, contracting_entity="other")
        db.session.add(profile)
        db.session.flush()
    return profile


def topup_routes(profile: PartnerProfile) -> tuple[str, ...]:
    """Online payment and offline remittance for the provider's own Chinese entities; else none
    (the partner goes through its ecosystem manager)."""
    if profile.contracting_entity in PROVIDER_ENTITIES:
        return ("online", "offline")
    return ()


def update_profile(staff: Any, **changes: Any) -> PartnerProfile:
    require_permission(staff, "workspace.manage")
    profile = ensure_profile(staff.store_id)
    entity = changes.get("contracting_entity")
    if entity is not None:
        if entity not in ENTITIES:
            raise PartnersError(_l("Choose a contracting entity."), "contracting_entity")
        profile.contracting_entity = entity
    if "provider_account_name" in changes:
        profile.provider_account_name = (changes["provider_account_name"] or "").strip()[
            :64
        ] or None
    if changes.get("programme_member_since"):
        profile.programme_member_since = _date(changes["programme_member_since"], "member_since")
        profile.programme_member_id = (changes.get("programme_member_id") or "").strip()[
            :64
        ] or None
    db.session.commit()
    return profile


def _date(raw: Any, field: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise PartnersError(_l("Enter a date as YYYY-MM-DD."), field) from None


# --------------------------------------------------------------------------- remittances


def remittances(staff: Any) -> list[ProviderRemittance]:
    require_permission(staff, "workspace.view")
    return list(
        db.session.scalars(select(ProviderRemittance).order_by(ProviderRemittance.id.desc()))
    )


def record_remittance(
    staff: Any, *, amount: Any, remitted_on: Any, payer_account: str, serial_number: str
) -> ProviderRemittance:
    require_permission(staff, "workspace.manage")
    profile = ensure_profile(staff.store_id)
    if "offline" not in topup_routes(profile):
        raise PartnersError(
            _l(
                "Offline remittance is offered only to partners contracted with Huawei's own "
                "entities. Contact your ecosystem manager."
            )
        )
    value = parse_amount(amount)
    day = _date(remitted_on, "remitted_on")
    if day > date.today():
        raise PartnersError(_l("The remittance date cannot be in the future."), "remitted_on")
    payer, serial = payer_account.strip(), serial_number.strip()
    if not payer:
        raise PartnersError(_l("Enter the paying bank account."), "payer_account")
    if not serial:
        raise PartnersError(_l("Enter the bank serial number."), "serial_number")
    if db.session.scalar(
        select(ProviderRemittance.id).where(ProviderRemittance.serial_number == serial)
    ):
        raise PartnersError(_l("This serial number is already recorded."), "serial_number")
    row = ProviderRemittance(
        store_id=staff.store_id,
        amount=value,
        remitted_on=day,
        payer_account=payer[:64],
        serial_number=serial[:64],
        state=RemittanceState.RECORDED,
        created_at=now(),
    )
    db.session.add(row)
    db.session.commit()
    return row


REMITTANCE_MOVES = {
    RemittanceState.RECORDED: {RemittanceState.CLAIMED},
    RemittanceState.CLAIMED: {RemittanceState.CONFIRMED, RemittanceState.REJECTED},
    RemittanceState.CONFIRMED: set(),
    RemittanceState.REJECTED: set(),
}


def move_remittance(staff: Any, remittance_id: int, state: str) -> ProviderRemittance:
    require_permission(staff, "workspace.manage")
    row = db.session.get(ProviderRemittance, remittance_id)
    if row is None or row.store_id != staff.store_id:
        raise PartnerNotFound(_l("No such remittance."))
    try:
        target = RemittanceState(state)
    except ValueError:
        raise PartnersError(_l("Unknown state.")) from None
    if target not in REMITTANCE_MOVES[RemittanceState(row.state)]:
        raise PartnersError(_l("That change is not possible from the current state."))
    row.state = target
    if target == RemittanceState.CLAIMED:
        row.claimed_at = now()
    else:
        row.settled_at = now()
    db.session.commit()
    return row


# --------------------------------------------------------------------------- incentives

PAYOUT_METHODS: dict[str, Any] = {
    "cloud_account": _l("To the Huawei Cloud account (as cash balance)"),
    "bank": _l("Bank transfer"),
}


def incentives(staff: Any) -> list[Incentive]:
    require_permission(staff, "workspace.view")
    return list(db.session.scalars(select(Incentive).order_by(Incentive.id.desc())))


def add_incentive(staff: Any, *, period: str, kind: str, amount: Any) -> Incentive:
    require_permission(staff, "workspace.manage")
    if not period.strip() or not kind.strip():
        raise PartnersError(_l("Enter the period and the kind of incentive."), "period")
    row = Incentive(
        store_id=staff.store_id,
        period=period.strip()[:16],
        kind=kind.strip()[:120],
        amount=parse_amount(amount),
        status="pending",
        created_at=now(),
    )
    db.session.add(row)
    db.session.commit()
    return row


def set_payout_method(staff: Any, method: str) -> PartnerProfile:
    require_permission(staff, "workspace.manage")
    if method not in PAYOUT_METHODS:
        raise PartnersError(_l("Choose a payout method."), "payout_method")
    profile = ensure_profile(staff.store_id)
    profile.payout_method = method
    db.session.commit()
    return profile


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
    issued = _date(issued_on, "issued_on")
    expires = _date(expires_on, "expires_on") if expires_on else None
    if expires is not None and expires <= issued:
        raise PartnersError(_l("The expiry date must be after the issue date."), "expires_on")
    proof_file = proof_type = None
    if proof:
        if len(proof) > MAX_PROOF_BYTES:
            raise PartnersError(_l("The proof file is larger than 5 MB."), "proof")
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
        created_at=now(),
    )
    db.session.add(row)
    db.session.commit()
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
    return list(
        db.session.scalars(
            select(Certification)
            .where(
                Certification.expires_on.is_not(None),
                Certification.expires_on >= day,
                Certification.expires_on <= day + timedelta(days=days),
                Certification.reminded_at.is_(None),
            )
            .execution_options(all_stores=True)
        )
    )


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
    db.session.commit()
    return profile


# --------------------------------------------------------------------------- opportunities

STAGES: dict[str, Any] = {
    "lead": _l("Lead"),
    "qualified": _l("Qualified"),
    "proposal": _l("Proposal"),
    "negotiation": _l("Negotiation"),
}
OPPORTUNITY_MOVES = {
    OpportunityStatus.REVIEW: {OpportunityStatus.ACCEPTED, OpportunityStatus.REJECTED},
    OpportunityStatus.ACCEPTED: {OpportunityStatus.FOLLOW_UP},
    OpportunityStatus.REJECTED: set(),
    OpportunityStatus.FOLLOW_UP: set(),
}
LARGE_QUOTE = Decimal("5000.00")


def opportunities(staff: Any) -> list[Opportunity]:
    require_permission(staff, "workspace.view")
    return list(db.session.scalars(select(Opportunity).order_by(Opportunity.id.desc())))


def add_opportunity(
    staff: Any,
    *,
    customer_name: str,
    products: str,
    estimated_amount: Any,
    stage: str,
    expected_close: Any,
    customer_id: int | None = None,
    quote_id: str | None = None,
) -> Opportunity:
    require_permission(staff, "workspace.manage")
    if not customer_name.strip():
        raise PartnersError(_l("Enter the customer."), "customer_name")
    if not products.strip():
        raise PartnersError(_l("Enter the products."), "products")
    if stage not in STAGES:
        raise PartnersError(_l("Choose a stage."), "stage")
    at = now()
    row = Opportunity(
        store_id=staff.store_id,
        customer_name=customer_name.strip()[:200],
        customer_id=customer_id,
        products=products.strip()[:500],
        estimated_amount=parse_amount(estimated_amount),
        stage=stage,
        expected_close=_date(expected_close, "expected_close"),
        status=OpportunityStatus.REVIEW,
        quote_id=quote_id,
        created_by_id=staff.id,
        created_at=at,
        updated_at=at,
    )
    db.session.add(row)
    db.session.commit()
    return row


def move_opportunity(staff: Any, opportunity_id: int, status: str) -> Opportunity:
    require_permission(staff, "workspace.manage")
    row = db.session.get(Opportunity, opportunity_id)
    if row is None or row.store_id != staff.store_id:
        raise PartnerNotFound(_l("No such opportunity."))
    try:
        target = OpportunityStatus(status)
    except ValueError:
        raise PartnersError(_l("Unknown status.")) from None
    if target not in OPPORTUNITY_MOVES[OpportunityStatus(row.status)]:
        raise PartnersError(_l("That change is not possible from the current status."))
    row.status = target
    row.updated_at = now()
    db.session.commit()
    return row


def opportunities_csv(staff: Any) -> str:
    rows = opportunities(staff)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "customer",
            "products",
            "estimated_amount",
            "stage",
            "expected_close",
            "status",
            "quote_id",
            "created_at",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.customer_name,
                r.products,
                f"{r.estimated_amount:.2f}",
                r.stage,
                r.expected_close.isoformat(),
                str(r.status),
                r.quote_id or "",
                r.created_at.isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()


def large_quotes(staff: Any, limit: int = 50) -> list[tuple[Quote, Any, Opportunity | None]]:
    """This store's quotes of at least :data:`LARGE_QUOTE` (monthly estimate or total)."""
    require_permission(staff, "workspace.view")
    from storefront.accounts.models import Customer

    quotes = db.session.scalars(select(Quote).order_by(Quote.created_at.desc()).limit(500))
    found = []
    for q in quotes:
        if max(q.total, q.monthly_estimate or Decimal(0)) < LARGE_QUOTE:
            continue
        customer = db.session.get(Customer, q.customer_id) if q.customer_id else None
        existing = db.session.scalar(select(Opportunity).where(Opportunity.quote_id == q.id))
        found.append((q, customer, existing))
        if len(found) >= limit:
            break
    return found


def opportunity_from_quote(staff: Any, quote_id: str) -> Opportunity:
    require_permission(staff, "workspace.manage")
    from storefront.accounts.models import Customer

    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.store_id != staff.store_id:
        raise PartnerNotFound(_l("No such quote."))
    existing = db.session.scalar(select(Opportunity).where(Opportunity.quote_id == quote.id))
    if existing is not None:
        return existing
    customer = db.session.get(Customer, quote.customer_id) if quote.customer_id else None
    products = ", ".join(sorted({f"{line.product_code} {line.spec_code}" for line in quote.lines}))
    amount = (
        quote.total
        if quote.billing_mode != "on_demand"
        else (quote.monthly_estimate or quote.total)
    )
    return add_opportunity(
        staff,
        customer_name=customer.name if customer else "—",
        customer_id=customer.id if customer else None,
        products=products or "—",
        estimated_amount=amount,
        stage="qualified",
        expected_close=(datetime.now() + timedelta(days=30)).date(),
        quote_id=quote.id,
    )

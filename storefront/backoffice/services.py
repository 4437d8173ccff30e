"""Back-office rules: staff, customer search and detail, notes, freeze, real-name review,
view-as grants and the dashboard. Every function that acts for staff checks the permission
here (views and the API only parse and render).
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, literal, or_, select, tuple_, union_all
from sqlalchemy.exc import IntegrityError

from storefront import mail
from storefront.accounts import services as accounts
from storefront.accounts.models import (
    Customer,
    CustomerStatus,
    RealnameStatus,
    RealnameSubmission,
    Staff,
    StaffRole,
)
from storefront.accounts.passwords import hash_password
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit, money
from storefront.backoffice.models import CustomerFreeze, StaffNote, ViewAsGrant
from storefront.cloud.interface import FreezeMode, UpstreamRejected, UpstreamUnavailable
from storefront.extensions import cloud_provider, db
from storefront.stores.tenancy import current_store

log = logging.getLogger(__name__)

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
VIEW_AS_TTL = timedelta(minutes=15)
MAX_REASON = 256


class BackofficeError(Exception):
    """A refused back-office operation; ``code`` is the API's error code."""

    def __init__(
        self, status: int, code: str, message: Any, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(str(message))
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}


def now() -> datetime:
    return datetime.now(UTC)


def _reason(reason: str | None, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise BackofficeError(
            422, "reason_required", _l("A reason is required."), {field: _l("Give a reason.")}
        )
    if len(text) > MAX_REASON:
        raise BackofficeError(
            422,
            "invalid_input",
            _l("The reason is too long."),
            {field: _l("Use at most 256 characters.")},
        )
    return text


# --------------------------------------------------------------------------- staff


def list_staff(actor: Staff) -> Sequence[Staff]:
    require_permission(actor, "staff.manage")
    return db.session.scalars(select(Staff).order_by(Staff.created_at, Staff.id)).all()


def get_staff(actor: Staff, staff_id: int) -> Staff:
    require_permission(actor, "staff.manage")
    staff = db.session.scalar(select(Staff).where(Staff.id == staff_id))
    if staff is None:
        raise BackofficeError(404, "not_found", _l("No such staff member."))
    return staff


def create_staff(
    actor: Staff, *, email: str, name: str, role: str, password: str, ip: str | None = None
) -> Staff:
    require_permission(actor, "staff.manage")
    email = accounts.normalise_email(email)
    fields: dict[str, Any] = {}
    if not email or "@" not in email.strip("@"):
        fields["email"] = _l("Enter a valid email address.")
    if not (name or "").strip():
        fields["name"] = _l("Enter a name.")
    if role not in {r.value for r in StaffRole}:
        fields["role"] = _l("Choose a role.")
    problem = accounts.validators.password_problem(password or "", email=email, name=name)
    if problem:
        fields["password"] = accounts.PASSWORD_MESSAGES[problem]
    if fields:
        raise BackofficeError(422, "invalid_input", _l("Please correct the marked fields."), fields)
    if db.session.scalar(select(Staff.id).where(Staff.email == email)) is not None:
        raise BackofficeError(
            409,
            "email_taken",
            _l("A staff member with this email exists."),
            {"email": _l("Taken.")},
        )
    staff = Staff(
        store_id=actor.store_id,
        email=email,
        name=name.strip(),
        role=StaffRole(role),
        password_hash=hash_password(password),
    )
    db.session.add(staff)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise BackofficeError(
            409, "email_taken", _l("A staff member with this email exists.")
        ) from None
    audit.record(actor, "staff.create", staff, {"email": email, "role": role}, ip)
    db.session.commit()
    return staff


def _owners_left(excluding: Staff) -> int:
    return (
        db.session.scalar(
            select(func.count(Staff.id)).where(
                Staff.role == StaffRole.OWNER, Staff.is_active.is_(True), Staff.id != excluding.id
            )
        )
        or 0
    )


def change_role(actor: Staff, staff: Staff, role: str, ip: str | None = None) -> None:
    require_permission(actor, "staff.manage")
    if role not in {r.value for r in StaffRole}:
        raise BackofficeError(422, "invalid_input", _l("Choose a role."), {"role": _l("Choose.")})
    if staff.role == StaffRole.OWNER and role != StaffRole.OWNER and _owners_left(staff) == 0:
        raise BackofficeError(409, "last_owner", _l("The store must keep an active owner."))
    old = str(staff.role)
    staff.role = StaffRole(role)
    audit.record(actor, "staff.role", staff, {"from": old, "to": role}, ip)
    db.session.commit()


def set_staff_active(actor: Staff, staff: Staff, active: bool, ip: str | None = None) -> None:
    require_permission(actor, "staff.manage")
    if not active and staff.id == actor.id:
        raise BackofficeError(409, "self_deactivate", _l("You cannot deactivate yourself."))
    if not active and staff.role == StaffRole.OWNER and _owners_left(staff) == 0:
        raise BackofficeError(409, "last_owner", _l("The store must keep an active owner."))
    staff.is_active = active
    if not active:
        accounts.log_out_everywhere(staff)  # sessions and API tokens end now
    audit.record(actor, "staff.activate" if active else "staff.deactivate", staff, {}, ip)
    db.session.commit()


def set_staff_2fa(actor: Staff, required: bool, ip: str | None = None) -> None:
    require_permission(actor, "staff.manage")
    audit.record(actor, "security.staff_2fa", f"store:{actor.store_id}", {"required": required}, ip)
    accounts.set_staff_2fa_required(actor.store_id, required)


# --------------------------------------------------------------------------- customer search


@dataclass
class CustomerQuery:
    q: str = ""
    realname: str | None = None
    frozen: bool | None = None
    has_balance: bool | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _encode_cursor(customer: Customer) -> str:
    raw = f"{customer.created_at.isoformat()}|{customer.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, ident = raw.partition("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed, int(ident)
    except (ValueError, UnicodeDecodeError):
        raise BackofficeError(
            400, "invalid_cursor", _l("The cursor is invalid."), {"cursor": _l("Invalid.")}
        ) from None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# A complete address (``local@domain.tld``) is looked up exactly, through the unique
# (store_id, email) index, before any substring search.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Huawei Cloud account ids (domain ids) are 32 hexadecimal characters.
PROVIDER_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
PHONE_RE = re.compile(r"^\+?[0-9]+$")
# Newest rows a substring search first examines through an ordered index (see search_customers).
PROBE_ROWS = 2000


def _match(q: str, dialect: str, c: Any = Customer) -> Any:
    """Email, name or phone containing ``q`` (PostgreSQL, trigram-indexed) or starting with it
    (SQLite, btree-indexed); or exactly the provider account id. ``c``: Customer or an alias."""
    needle = q.strip().lower()
    if dialect == "postgresql" and len(needle) >= 3:
        pattern = f"%{_like_escape(needle)}%"
        arms = [
            func.lower(c.email).like(pattern, escape="\\"),
            func.lower(c.name).like(pattern, escape="\\"),
        ]
        if PHONE_RE.match(q.strip()):  # phones are stored as E.164: nothing else can match
            arms.append(c.phone.like(f"%{_like_escape(q.strip())}%", escape="\\"))
        return or_(*arms, c.provider_customer_id == q.strip())
    prefix = f"{_like_escape(needle)}%"
    return or_(
        func.lower(c.email).like(prefix, escape="\\"),
        func.lower(c.name).like(prefix, escape="\\"),
        c.phone.like(f"{_like_escape(q.strip())}%", escape="\\"),
        c.phone.like(f"+86{_like_escape(q.strip())}%", escape="\\"),
        c.provider_customer_id == q.strip(),
    )


def _filters(params: CustomerQuery) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters (not the text search), validated."""
    conds: list[ColumnElement[bool]] = []
    if params.realname:
        if params.realname not in {s.value for s in RealnameStatus}:
            raise BackofficeError(
                422, "invalid_input", _l("Unknown real-name status."), {"realname": _l("Unknown.")}
            )
        conds.append(Customer.realname_status == RealnameStatus(params.realname))
    if params.frozen is not None:
        frozen = Customer.status == CustomerStatus.FROZEN
        conds.append(frozen if params.frozen else ~frozen)
    if params.has_balance is not None:
        conds.append(money.has_balance(params.has_balance))
    if params.registered_from is not None:
        conds.append(Customer.created_at >= _day_start(params.registered_from))
    if params.registered_to is not None:  # inclusive: the whole day
        conds.append(Customer.created_at < _day_start(params.registered_to) + timedelta(days=1))
    return conds


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


NEWEST = (Customer.created_at.desc(), Customer.id.desc())


def _after(cursor: str | None) -> list[ColumnElement[bool]]:
    """Keyset condition: rows strictly after ``cursor`` in newest-first order. A row-value
    comparison, so PostgreSQL uses it as an index bound, not a filter."""
    if not cursor:
        return []
    when, ident = _decode_cursor(cursor)
    bound = tuple_(literal(when, Customer.created_at.type), literal(ident, Customer.id.type))
    return [tuple_(Customer.created_at, Customer.id) < bound]


def _rows(query: Select[tuple[Customer]]) -> list[Customer]:
    return list(db.session.scalars(query))


def _pg_text_search(
    store_id: int, q: str, conds: list[ColumnElement[bool]], limit: int
) -> list[Customer]:
    """PostgreSQL text search, newest first, ``limit`` rows: plans that stay fast whatever the
    planner believes about how common ``q`` is.

    1. A complete email address or a provider account id: exact lookups on their btree
       indexes; a hit is the answer.
    2. Probe: match ``q`` against the newest ``PROBE_ROWS`` rows that pass the filters (one
       ordered index range scan). When that yields ``limit`` rows they are the newest matches
       overall: every newer row was examined. Common terms end here.
    3. Otherwise the term is rare among recent rows: collect every match through the trigram
       GIN indexes and sort the few hits.

    Steps 2 and 3 are one statement (one round trip); step 3 runs only when 2 came up short.
    """
    text = q.strip()
    scoped = [Customer.store_id == store_id, *conds]
    if EMAIL_RE.match(text):
        rows = _rows(select(Customer).where(Customer.email == text.lower(), *scoped).limit(limit))
        if rows:
            return rows
    if PROVIDER_ID_RE.match(text):
        rows = _rows(
            select(Customer)
            .where(Customer.provider_customer_id == text, *scoped)
            .order_by(*NEWEST)
            .limit(limit)
        )
        if rows:
            return rows
    match = _match(text, "postgresql")
    # The LIMIT keeps the planner from pushing ``match`` into the subquery: it reads exactly the
    # newest PROBE_ROWS rows from the ordered index and tests only those (only the columns the
    # match reads; the page's rows are fetched by id afterwards).
    recent = (
        select(
            Customer.id,
            Customer.created_at,
            Customer.email,
            Customer.name,
            Customer.phone,
            Customer.provider_customer_id,
        )
        .where(*scoped)
        .order_by(*NEWEST)
        .limit(PROBE_ROWS)
        .subquery("recent")
    )
    found = (
        select(recent.c.id, recent.c.created_at)
        .where(_match(text, "postgresql", recent.c))
        .order_by(recent.c.created_at.desc(), recent.c.id.desc())
        .limit(limit)
        .cte("found")
        .prefix_with("MATERIALIZED")
    )
    enough = select(func.count()).select_from(found).scalar_subquery()
    # Only when the probe came up short: the uncorrelated condition becomes a one-time filter,
    # so PostgreSQL does not run this scan at all otherwise. MATERIALIZED: the planner cannot
    # turn it into a backward scan of the whole table hoping for an early match.
    hits = (
        select(Customer.id, Customer.created_at)
        .where(match, *scoped, enough < limit)
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    top = union_all(
        select(found.c.id, found.c.created_at).where(enough >= limit),
        select(hits.c.id, hits.c.created_at)
        .order_by(hits.c.created_at.desc(), hits.c.id.desc())
        .limit(limit),
    ).subquery("top")
    return _rows(
        select(Customer)
        .join(top, top.c.id == Customer.id)
        .order_by(top.c.created_at.desc(), top.c.id.desc())
    )


def search_customers(actor: Staff, params: CustomerQuery) -> tuple[list[Customer], str | None]:
    """Newest first, keyset-paginated: ``(items, next_cursor)``."""
    require_permission(actor, "customers.view")
    limit = max(1, min(int(params.limit or DEFAULT_LIMIT), MAX_LIMIT))
    conds = [*_filters(params), *_after(params.cursor)]
    if params.q.strip() and db.engine.dialect.name == "postgresql":
        rows = _pg_text_search(actor.store_id, params.q, conds, limit + 1)
    else:
        query = select(Customer).where(*conds)
        if params.q.strip():
            query = query.where(_match(params.q, db.engine.dialect.name))
        rows = _rows(query.order_by(*NEWEST).limit(limit + 1))
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def get_customer(actor: Staff, customer_id: int) -> Customer:
    require_permission(actor, "customers.view")
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:  # another store's customer is "not found" too
        raise BackofficeError(404, "not_found", _l("No such customer."))
    return customer


@dataclass
class CustomerSummary:
    customer: Customer
    balance: Any
    orders_count: int
    freeze: CustomerFreeze | None


def summary(actor: Staff, customer: Customer) -> CustomerSummary:
    require_permission(actor, "customers.view")
    return CustomerSummary(
        customer=customer,
        balance=money.balance(customer),
        orders_count=money.orders_count(customer),
        freeze=active_freeze(customer),
    )


# --------------------------------------------------------------------------- notes


def notes(actor: Staff, customer: Customer) -> Sequence[StaffNote]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        select(StaffNote)
        .where(StaffNote.customer_id == customer.id)
        .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())
    ).all()


def add_note(actor: Staff, customer: Customer, body: str, ip: str | None = None) -> StaffNote:
    require_permission(actor, "customers.notes")
    text = (body or "").strip()
    if not text or len(text) > 4000:
        raise BackofficeError(
            422,
            "invalid_input",
            _l("Write a note (up to 4000 characters)."),
            {"body": _l("Empty.")},
        )
    note = StaffNote(
        store_id=customer.store_id,
        customer_id=customer.id,
        staff_id=actor.id,
        staff_label=f"{actor.name} <{actor.email}>",
        body=text,
        created_at=now(),
    )
    db.session.add(note)
    audit.record(actor, "customer.note", customer, {"length": len(text)}, ip)
    db.session.commit()
    return note


# --------------------------------------------------------------------------- freeze


def is_frozen(customer: Customer) -> bool:
    """The rule billing and the console bridge check (``can_buy`` already refuses it)."""
    return customer.status == CustomerStatus.FROZEN


def active_freeze(customer: Customer) -> CustomerFreeze | None:
    if not is_frozen(customer):
        return None
    return db.session.scalar(
        select(CustomerFreeze)
        .where(CustomerFreeze.customer_id == customer.id, CustomerFreeze.lifted_at.is_(None))
        .order_by(CustomerFreeze.id.desc())
        .limit(1)
    )


def freeze_reason(customer: Customer) -> str | None:
    freeze = active_freeze(customer)
    return freeze.reason if freeze else None


def _provider_call(customer: Customer, freeze: bool, reason: str, mode: FreezeMode) -> str | None:
    """Mirror to the provider; None when done, else the error (the local freeze stands)."""
    if not customer.provider_customer_id:
        return "not linked to the provider"
    provider = cloud_provider()
    call = provider.freeze_customer if freeze else provider.unfreeze_customer
    try:
        call(customer_id=customer.provider_customer_id, reason=reason, mode=mode)
    except (UpstreamUnavailable, UpstreamRejected) as exc:
        log.warning("provider %s of customer %s failed: %s", freeze, customer.id, exc)
        return str(exc)[:255]
    return None


def freeze_customer(
    actor: Staff,
    customer: Customer,
    reason: str | None,
    mode: str = FreezeMode.ACCOUNT,
    ip: str | None = None,
) -> CustomerFreeze:
    """Freeze at once locally (no ordering, no console), then mirror to the provider."""
    require_permission(actor, "customers.freeze")
    return _freeze(actor, f"{actor.name} <{actor.email}>", customer, reason, mode, ip)


def freeze_for_system(customer: Customer, reason: str, who: str) -> CustomerFreeze:
    """A freeze the product itself decides (e.g. unpaid usage after the grace period)."""
    return _freeze(who, who, customer, reason, FreezeMode.ACCOUNT, None)


def _freeze(
    actor: Staff | str,
    frozen_by: str,
    customer: Customer,
    reason: str | None,
    mode: str,
    ip: str | None,
) -> CustomerFreeze:
    text = _reason(reason)
    if mode not in {m.value for m in FreezeMode}:
        raise BackofficeError(
            422, "invalid_input", _l("Unknown freeze mode."), {"mode": _l("Unknown.")}
        )
    if customer.status == CustomerStatus.FROZEN:
        raise BackofficeError(409, "already_frozen", _l("This customer is already frozen."))
    if customer.status == CustomerStatus.CLOSED:
        raise BackofficeError(409, "account_closed", _l("This account is closed."))
    freeze = CustomerFreeze(
        store_id=customer.store_id,
        customer_id=customer.id,
        reason=text,
        mode=str(mode),
        frozen_by=frozen_by,
        frozen_at=now(),
    )
    customer.status = CustomerStatus.FROZEN
    db.session.add(freeze)
    db.session.flush()
    mail.queue_customer_mail("account_frozen", freeze.id, customer.id, customer.store_id)
    db.session.commit()
    error = _provider_call(customer, True, text, FreezeMode(mode))
    freeze.provider_state = "synced" if error is None else "failed"
    freeze.provider_error = error
    audit.record(
        actor,
        "customer.freeze",
        customer,
        {"reason": text, "mode": str(mode), "provider": freeze.provider_state},
        ip,
        store_id=customer.store_id,
    )
    db.session.commit()
    return freeze


def unfreeze_customer(
    actor: Staff, customer: Customer, reason: str | None, ip: str | None = None
) -> CustomerFreeze | None:
    require_permission(actor, "customers.freeze")
    text = _reason(reason)
    if customer.status != CustomerStatus.FROZEN:
        raise BackofficeError(409, "not_frozen", _l("This customer is not frozen."))
    freeze = active_freeze(customer)
    mode = FreezeMode(freeze.mode) if freeze else FreezeMode.ACCOUNT
    error = None
    if freeze is None or freeze.provider_state == "synced":
        error = _provider_call(customer, False, text, mode)
    if error is not None and customer.provider_customer_id:
        raise BackofficeError(
            503,
            "upstream_unavailable",
            _l("The cloud provider did not unfreeze the account; nothing changed. Try again."),
        )
    customer.status = (
        CustomerStatus.ACTIVE if customer.email_verified_at else CustomerStatus.PENDING_EMAIL
    )
    if freeze is not None:
        freeze.lifted_at, freeze.lift_reason = now(), text
        freeze.lifted_by = f"{actor.name} <{actor.email}>"
    audit.record(actor, "customer.unfreeze", customer, {"reason": text}, ip)
    lifted = freeze.id if freeze is not None else f"c{customer.id}-{now():%Y%m%d%H%M%S}"
    mail.queue_customer_mail("account_unfrozen", lifted, customer.id, customer.store_id)
    db.session.commit()
    return freeze


def freezes(actor: Staff, customer: Customer) -> Sequence[CustomerFreeze]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        select(CustomerFreeze)
        .where(CustomerFreeze.customer_id == customer.id)
        .order_by(CustomerFreeze.id.desc())
    ).all()


# --------------------------------------------------------------------------- real-name


def review_realname(
    actor: Staff, customer: Customer, approve: bool, opinion: str = "", ip: str | None = None
) -> RealnameSubmission:
    """Manual decision, only when the store reviews real-name cases itself."""
    require_permission(actor, "realname.review")
    if not current_store().realname_review_local:
        raise BackofficeError(
            409, "review_not_local", _l("This store leaves real-name review to the provider.")
        )
    latest = db.session.scalar(
        select(RealnameSubmission)
        .where(RealnameSubmission.customer_id == customer.id)
        .order_by(RealnameSubmission.id.desc())
        .limit(1)
    )
    if latest is None or latest.status != RealnameStatus.PENDING:
        raise BackofficeError(409, "nothing_pending", _l("No real-name case is pending."))
    if not approve and not (opinion or "").strip():
        raise BackofficeError(
            422, "reason_required", _l("Say why it is rejected."), {"opinion": _l("Give a reason.")}
        )
    status = RealnameStatus.VERIFIED if approve else RealnameStatus.REJECTED
    latest.status, latest.opinion, latest.reviewed_at = status, opinion.strip() or None, now()
    customer.realname_status = status
    customer.realname_opinion = latest.opinion
    customer.realname_checked_at = now()
    audit.record(
        actor,
        "realname.approve" if approve else "realname.reject",
        customer,
        {"opinion": latest.opinion, "submission": latest.id},
        ip,
    )
    db.session.commit()
    return latest


def pending_realname(actor: Staff, limit: int = 50) -> Sequence[Customer]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        select(Customer)
        .where(Customer.realname_status == RealnameStatus.PENDING)
        .order_by(Customer.created_at.desc(), Customer.id.desc())
        .limit(limit)
    ).all()


# --------------------------------------------------------------------------- view as customer


def start_view_as(
    actor: Staff, customer: Customer, reason: str | None, ip: str | None = None
) -> ViewAsGrant:
    require_permission(actor, "customers.view_as")
    text = _reason(reason)
    grant = ViewAsGrant(
        store_id=customer.store_id,
        token=secrets.token_urlsafe(24),
        staff_id=actor.id,
        customer_id=customer.id,
        reason=text,
        created_at=now(),
        expires_at=now() + VIEW_AS_TTL,
    )
    db.session.add(grant)
    audit.record(
        actor,
        "customer.view_as",
        customer,
        {"reason": text, "minutes": int(VIEW_AS_TTL.total_seconds() // 60), "staff": actor.name},
        ip,
    )
    db.session.commit()
    return grant


def view_as_grant(actor: Staff, token: str) -> tuple[ViewAsGrant, Customer]:
    """The live grant ``actor`` holds under ``token`` and its customer; else 404/410."""
    require_permission(actor, "customers.view_as")
    grant = db.session.scalar(select(ViewAsGrant).where(ViewAsGrant.token == token))
    if grant is None or grant.staff_id != actor.id:
        raise BackofficeError(404, "not_found", _l("No such view."))
    if grant.expires_at <= now():
        raise BackofficeError(410, "expired", _l("This view has expired. Start a new one."))
    customer = get_customer(actor, grant.customer_id)
    return grant, customer


# --------------------------------------------------------------------------- dashboard


def dashboard(actor: Staff, days: int = 30) -> dict[str, Any]:
    require_permission(actor, "dashboard.view")
    since = now() - timedelta(days=7)
    new_customers = (
        db.session.scalar(select(func.count(Customer.id)).where(Customer.created_at >= since)) or 0
    )
    pending = (
        db.session.scalar(
            select(func.count(Customer.id)).where(
                Customer.realname_status == RealnameStatus.PENDING
            )
        )
        or 0
    )
    frozen = (
        db.session.scalar(
            select(func.count(Customer.id)).where(Customer.status == CustomerStatus.FROZEN)
        )
        or 0
    )
    from storefront.accounts.permissions import has_permission

    sales = money.sales_series(days) if has_permission(actor, "reports.view") else None
    return {
        "new_customers": new_customers,
        "realname_pending": pending,
        "frozen": frozen,
        "claims_pending": money.claims_pending(),
        "low_balances": money.low_balances(),
        "sales": sales,
        "reports_allowed": has_permission(actor, "reports.view"),
    }

"""The notification service: queue an event, list and read a customer's notifications, their
preferences, and the low-balance watch.

``queue`` runs in the caller's transaction: it records the notification (once per store,
event and key) and enqueues its ``customer_mail`` job, keyed the same way. Nothing shows and
nothing is mailed unless that transaction commits; the job (:mod:`.delivery`) mails it once.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, func, select

from storefront.accounts.models import Customer
from storefront.accounts.permissions import PermissionDenied, require_permission
from storefront.backoffice import audit
from storefront.billing import events as billing_events
from storefront.billing import worker
from storefront.billing.models import Wallet
from storefront.clock import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.labels import money
from storefront.notifications.events import event, optional_events
from storefront.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationStoreSettings,
)
from storefront.sql import insert_ignore_row
from storefront.stores.tenancy import in_store

MAX_PAGE = 100
UNREAD_CAP = 100  # the navigation shows "99+" beyond
MAX_THRESHOLD = Decimal("100000000.00")
MAIL_JOB = "customer_mail"


class InvalidCursor(DomainError):
    status = 422
    code = "invalid_input"


class InvalidPreference(DomainError):
    status = 422
    code = "invalid_input"


def job_key(name: str, store_id: int, key: str) -> str:
    return f"mail:{name}:{store_id}:{key}"[:128]


def queue(name: str, key: str | int, customer_id: int, store_id: int, **params: Any) -> None:
    """Tell ``customer_id`` about ``name`` once the caller's transaction commits: an in-app
    entry and a mail (once per ``name`` and ``key``). ``amount``/``threshold`` with
    ``currency`` are formatted in the reader's language when shown."""
    if event(name) is None:
        raise ValueError(f"unknown customer mail event {name!r}")
    key = str(key)[:128]
    values = {k: str(v) for k, v in params.items()}
    insert_ignore_row(
        Notification.__table__,
        {
            "store_id": store_id,
            "customer_id": customer_id,
            "event": name,
            "key": key,
            "params": values,
            "created_at": utcnow(),
            "mail_skipped": False,
        },
    )
    worker.enqueue(
        MAIL_JOB,
        job_key(name, store_id, key),
        store_id=store_id,
        payload={"event": name, "key": key, "customer_id": customer_id, "params": values},
        max_attempts=5,
    )


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def texts(name: str, params: dict[str, Any]) -> tuple[str, str]:
    """The event's subject and body in the current language ("" for an unknown event)."""
    found = event(name)
    if found is None:
        return name, ""
    shown = _Params({k: str(v) for k, v in (params or {}).items()})
    currency = shown.pop("currency", None)
    for field in ("amount", "threshold"):
        if field in shown:
            shown[field] = money(shown[field], currency)
    return str(found.subject) % shown, str(found.body) % shown


# --------------------------------------------------------------------------- the in-app list


def _mine(customer: Customer) -> Any:
    return in_store(
        select(Notification).where(Notification.customer_id == customer.id), customer.store_id
    )


def page(
    customer: Customer, cursor: str | None = None, limit: int = 20, *, unread_only: bool = False
) -> tuple[list[Notification], str | None]:
    """Newest first, keyset-paginated by id."""
    limit = max(1, min(int(limit), MAX_PAGE))
    query = _mine(customer).order_by(Notification.id.desc()).limit(limit + 1)
    if cursor:
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            raise InvalidCursor(_("Bad cursor."), fields={"cursor": "invalid"})
        query = query.where(Notification.id < int(cursor))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = list(db.session.scalars(query))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def find(customer: Customer, notification_id: int) -> Notification | None:
    """One of the customer's notifications (``None``: not theirs, or none)."""
    found: Notification | None = db.session.scalar(
        _mine(customer).where(Notification.id == notification_id)
    )
    return found


def unread_count(customer: Customer) -> int:
    """Unread notifications, counted up to :data:`UNREAD_CAP`."""
    capped = (
        _mine(customer)
        .with_only_columns(Notification.id)
        .where(Notification.read_at.is_(None))
        .limit(UNREAD_CAP)
        .subquery()
    )
    return int(db.session.scalar(select(func.count()).select_from(capped)) or 0)


def mark_read(customer: Customer, ids: list[int] | None = None) -> int:
    """Mark the customer's notifications read (``ids``: only those; ``None``: all). Returns how
    many changed; another customer's ids change nothing."""
    table = cast(Table, Notification.__table__)
    stmt = (
        table.update()
        .where(
            table.c.customer_id == customer.id,
            table.c.store_id == customer.store_id,
            table.c.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    if ids is not None:
        stmt = stmt.where(table.c.id.in_(ids))
    return int(getattr(db.session.execute(stmt), "rowcount", 0) or 0)


def notification_json(n: Notification) -> dict[str, Any]:
    subject, body = texts(n.event, n.params)
    return {
        "id": n.id,
        "event": n.event,
        "title": subject,
        "body": body,
        "created_at": n.created_at.isoformat(),
        "read": n.read_at is not None,
    }


# --------------------------------------------------------------------------- preferences


def preference(customer: Customer) -> NotificationPreference | None:
    found: NotificationPreference | None = db.session.scalar(
        in_store(
            select(NotificationPreference).where(NotificationPreference.customer_id == customer.id),
            customer.store_id,
        )
    )
    return found


def parse_threshold(value: Any) -> Decimal | None:
    """A threshold from input: empty/None for none, else a decimal string 0..100,000,000."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float):
        raise InvalidPreference(_("Bad threshold."), fields={"low_balance_threshold": "decimal"})
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or not Decimal("0") <= amount <= MAX_THRESHOLD:
        raise InvalidPreference(
            _("Bad threshold."), fields={"low_balance_threshold": "0 to 100000000"}
        )
    return amount.quantize(Decimal("0.01"))


def set_preferences(
    customer: Customer,
    *,
    muted: list[str] | None = None,
    threshold: Any = ...,
) -> NotificationPreference:
    """Change what the customer wants mailed. Only non-essential events may be muted."""
    optional = {name for name, _ in optional_events()}
    pref = preference(customer)
    if pref is None:
        pref = NotificationPreference(customer_id=customer.id, store_id=customer.store_id, muted=[])
        db.session.add(pref)
    if muted is not None:
        unknown = [m for m in muted if m not in optional]
        if unknown:
            raise InvalidPreference(
                _("These notifications cannot be turned off."), fields={"muted": ", ".join(unknown)}
            )
        pref.muted = sorted(set(muted))
    if threshold is not ...:
        pref.low_balance_threshold = parse_threshold(threshold)
    db.session.flush()
    return pref


def mails_wanted(customer: Customer, name: str) -> bool:
    found = event(name)
    if found is None or found.essential:
        return True
    pref = preference(customer)
    return pref is None or name not in (pref.muted or [])


def preferences_json(customer: Customer) -> dict[str, Any]:
    pref = preference(customer)
    muted = set(pref.muted or []) if pref else set()
    return {
        "events": [
            {"event": name, "label": str(e.label or name), "mail": name not in muted}
            for name, e in optional_events()
        ],
        "low_balance_threshold": (
            str(pref.low_balance_threshold)
            if pref is not None and pref.low_balance_threshold is not None
            else None
        ),
        "store_low_balance_threshold": _str(store_threshold(customer.store_id)),
    }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- low balance


def store_threshold(store_id: int) -> Decimal | None:
    value: Decimal | None = db.session.scalar(
        select(NotificationStoreSettings.low_balance_threshold).where(
            NotificationStoreSettings.store_id == store_id
        )
    )
    return value


def set_store_threshold(store_id: int, value: Any, actor: Any = None) -> Decimal | None:
    """The store's low-balance threshold (``actor``: staff holding ``billing.settings``,
    recorded in the audit trail)."""
    amount = parse_threshold(value)
    if actor is not None:
        require_permission(actor, "billing.settings")
        if actor.store_id != store_id:
            raise PermissionDenied(_("Not this store's staff."))
        audit.record(
            actor, "notifications.low_balance_threshold", None, {"threshold": _str(amount)}
        )
    row = db.session.get(NotificationStoreSettings, store_id)
    if row is None:
        row = NotificationStoreSettings(store_id=store_id)
        db.session.add(row)
    row.low_balance_threshold = amount
    db.session.flush()
    return amount


# Built once (the customer and the store bound per call): a wallet debit reads it each time.
_THRESHOLD = in_store(
    select(
        func.coalesce(
            select(NotificationPreference.low_balance_threshold)
            .where(
                NotificationPreference.customer_id == bindparam("of_customer"),
                NotificationPreference.store_id == bindparam("of_store"),
            )
            .scalar_subquery(),
            select(NotificationStoreSettings.low_balance_threshold)
            .where(NotificationStoreSettings.store_id == bindparam("of_store"))
            .scalar_subquery(),
        )
    ),
    bindparam("of_store"),
)


def threshold_for(store_id: int, customer_id: int) -> Decimal | None:
    """The customer's own threshold, else the store's (one statement)."""
    params = {"of_customer": customer_id, "of_store": store_id}
    value: Decimal | None = db.session.scalar(_THRESHOLD, params)
    return value


def balance_moved(wallet: Wallet, *, store_id: int, before: Decimal, txn_id: int, **_: Any) -> None:
    """On billing's ``balance_moved`` signal (a posting changed a wallet's balance): a fall
    below the customer's threshold (from at or above it) queues one ``low_balance``
    notification, keyed by the journal transaction that crossed it, so each crossing tells
    once."""
    after, customer_id = wallet.balance, wallet.customer_id
    if after >= before:
        return
    threshold = threshold_for(store_id, customer_id)
    if threshold is None or not after < threshold <= before:
        return
    queue(
        "low_balance", f"txn:{txn_id}", customer_id, store_id,
        amount=after, threshold=threshold, currency=wallet.currency,
    )  # fmt: skip


def subscribe_to_billing() -> None:
    """Watch wallet balances for low-balance warnings (called when the area registers; calling
    it again changes nothing)."""
    billing_events.balance_moved.connect(balance_moved)

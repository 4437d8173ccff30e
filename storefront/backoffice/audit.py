"""The append-only audit trail of staff actions and sensitive customer actions."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from storefront.accounts.models import Customer, Staff
from storefront.backoffice.models import AuditEntry
from storefront.clock import utcnow
from storefront.extensions import db

# Actions a customer sees on their own account page.
CUSTOMER_VISIBLE = frozenset(
    {
        "customer.freeze",
        "customer.unfreeze",
        "customer.view_as",
        "customer.association_switch",
        "realname.approve",
        "realname.reject",
        "customer.login",
    }
)


def actor_key(actor: Any) -> tuple[str, str]:
    if isinstance(actor, Staff):
        return actor.get_id(), f"{actor.name} <{actor.email}> ({actor.role})"
    if isinstance(actor, Customer):
        return actor.get_id(), f"{actor.name} <{actor.email}>"
    return "system", str(actor or "system")


def record(
    actor: Any,
    action: str,
    target: Any = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
    *,
    store_id: int | None = None,
) -> AuditEntry:
    """Add one entry to the session (the caller's transaction commits it with the change)."""
    key, label = actor_key(actor)
    customer_id = None
    target_text = None
    if isinstance(target, Customer):
        customer_id, target_text = target.id, f"customer:{target.id}"
    elif isinstance(target, Staff):
        target_text = f"staff:{target.id}"
    elif target is not None:
        target_text = str(target)[:64]
    if customer_id is None and isinstance(actor, Customer):
        customer_id = actor.id
    entry = AuditEntry(
        created_at=utcnow(),
        actor=key,
        actor_label=label[:255],
        action=action,
        target=target_text,
        customer_id=customer_id,
        visible_to_customer=action in CUSTOMER_VISIBLE,
        details=details or {},
        ip=(ip or None) and ip[:45],
    )
    if store_id is not None:
        entry.store_id = store_id
    elif isinstance(actor, Staff | Customer):
        entry.store_id = actor.store_id
    db.session.add(entry)
    return entry


@dataclass
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    customer_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _query(f: AuditFilter) -> Select[AuditEntry]:
    query = select(AuditEntry)
    if f.action:
        query = query.where(AuditEntry.action.startswith(f.action, autoescape=True))
    if f.actor:
        query = query.where(AuditEntry.actor == f.actor)
    if f.customer_id is not None:
        query = query.where(AuditEntry.customer_id == f.customer_id)
    if f.since:
        query = query.where(AuditEntry.created_at >= f.since)
    if f.until:
        query = query.where(AuditEntry.created_at < f.until)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def search(f: AuditFilter, limit: int = 100, before_id: int | None = None) -> Sequence[AuditEntry]:
    query = _query(f)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return db.session.scalars(query.limit(limit)).all()


def for_customer(customer: Customer, limit: int = 50) -> Sequence[AuditEntry]:
    """What the customer may see about their own account."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.customer_id == customer.id, AuditEntry.visible_to_customer.is_(True))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()


CSV_COLUMNS = ("id", "time", "actor", "actor_label", "action", "target", "customer_id", "ip")


def _csv_safe(value: str) -> str:
    """No spreadsheet formula injection: a leading = + - @ is quoted with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(f: AuditFilter, batch: int = 1000) -> Iterator[str]:
    """Stream the filtered log as CSV, a batch of rows at a time (keyset on id)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*CSV_COLUMNS, "details"])
    yield buffer.getvalue()
    last: int | None = None
    while True:
        rows = search(f, limit=batch, before_id=last)
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        for e in rows:
            writer.writerow(
                [
                    e.id,
                    e.created_at.isoformat(),
                    e.actor,
                    _csv_safe(e.actor_label),
                    e.action,
                    e.target or "",
                    e.customer_id or "",
                    e.ip or "",
                    _csv_safe(json.dumps(e.details, ensure_ascii=False, sort_keys=True)),
                ]
            )
        yield buffer.getvalue()
        last = rows[-1].id

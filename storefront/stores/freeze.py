"""Store-level freeze: the platform operator (``flask storefront store-freeze``) or, in
distributor mode, the distributor's staff (the reseller page) freeze a whole store.

While a store is frozen its customers still sign in and see their data, but ordering and the
console jump are refused (``403 store_frozen``). :func:`check_open` is the one guard billing and
the console bridge call (next to the customer's own ``account_frozen`` check); it reads the
store row fresh, never the per-process store cache, so a freeze applies at once everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Staff
from storefront.backoffice import audit
from storefront.clock import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.stores.models import Store, StoreDomain
from storefront.stores.services import normalise_host

MAX_REASON = 500


class StoreFrozen(DomainError):
    """The customer's store is frozen: ordering and the console are refused (403). ``reason``
    is the operator's, for the audit."""

    code: ClassVar[str] = "store_frozen"
    status: ClassVar[int] = 403

    def __init__(self, reason: str | None) -> None:
        super().__init__("This store is frozen: ordering and the cloud console are paused.")
        self.reason = reason


class StoreFreezeError(DomainError, ValueError):
    """A freeze or unfreeze request the rules refuse (``code``; ``field`` for a form): 409 when
    the store is already in the asked state, else 422."""

    code: ClassVar[str] = "invalid_input"
    status: ClassVar[int] = 422

    def __init__(self, code: str, message: Any, field: str | None = None) -> None:
        # ``message`` is lazy: rendered in the locale of whoever shows it (page, API, command)
        status = 409 if code in ("already_frozen", "not_frozen") else 422
        fields = {field: message} if field else None
        super().__init__(message, code=code, status=status, fields=fields)
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class FreezeState:
    frozen_at: datetime
    reason: str | None
    frozen_by: str | None


def freeze_state(store_id: int) -> FreezeState | None:
    """The store's current freeze, read from the database (not the store cache)."""
    row = db.session.execute(
        select(Store.frozen_at, Store.frozen_reason, Store.frozen_by).where(Store.id == store_id)
    ).first()
    if row is None or row.frozen_at is None:
        return None
    return FreezeState(frozen_at=row.frozen_at, reason=row.frozen_reason, frozen_by=row.frozen_by)


def check_open(store_id: int) -> None:
    """The shared guard: raise :class:`StoreFrozen` when the store is frozen."""
    state = freeze_state(store_id)
    if state is not None:
        raise StoreFrozen(state.reason)


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = " ".join((reason or "").split())
    if not text:
        if required:
            raise StoreFreezeError("reason_required", _l("A reason is required."), "reason")
        return None
    if len(text) > MAX_REASON:
        raise StoreFreezeError(
            "invalid_input", _l("Use at most %(n)s characters.", n=MAX_REASON), "reason"
        )
    return text


def _audit(store: Store, actor: Any, action: str, details: dict[str, Any], ip: str | None) -> None:
    target = f"store:{store.id}"
    audit.record(actor, action, target, details, ip, store_id=store.id)
    if isinstance(actor, Staff) and actor.store_id != store.id:  # the distributor's own trail
        audit.record(actor, action, target, {**details, "store": store.slug}, ip)


def freeze_store(store: Store, reason: str | None, actor: Any, ip: str | None = None) -> Store:
    """Freeze ``store`` (a reason is mandatory), audited; the caller commits."""
    text = _reason(reason, required=True)
    current = db.session.get(Store, store.id, with_for_update=True, populate_existing=True)
    assert current is not None
    if current.frozen_at is not None:
        raise StoreFreezeError("already_frozen", _l("This store is already frozen."))
    current.frozen_at = utcnow()
    current.frozen_reason = text
    current.frozen_by = audit.actor_key(actor)[1][:255]
    _audit(current, actor, "store.freeze", {"reason": text}, ip)
    db.session.flush()
    return current


def unfreeze_store(
    store: Store, actor: Any, reason: str | None = None, ip: str | None = None
) -> Store:
    """Lift the store's freeze (optional note), audited; the caller commits."""
    text = _reason(reason, required=False)
    current = db.session.get(Store, store.id, with_for_update=True, populate_existing=True)
    assert current is not None
    if current.frozen_at is None:
        raise StoreFreezeError("not_frozen", _l("This store is not frozen."))
    details: dict[str, Any] = {"was": current.frozen_reason}
    if text:
        details["reason"] = text
    current.frozen_at = None
    current.frozen_reason = None
    current.frozen_by = None
    _audit(current, actor, "store.unfreeze", details, ip)
    db.session.flush()
    return current


def find_store(ref: str) -> Store | None:
    """A store by slug, id or one of its domains (for the operator's command)."""
    ref = ref.strip()
    store = db.session.scalar(select(Store).where(Store.slug == ref))
    if store is None and ref.isdigit():
        store = db.session.get(Store, int(ref))
    if store is None:
        store = db.session.scalar(
            select(Store).join(StoreDomain).where(StoreDomain.host == normalise_host(ref))
        )
    return store

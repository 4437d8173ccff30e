"""Store rules: resolve the store for a host, create stores, the default store."""

from __future__ import annotations

import itertools
import re
import time

from sqlalchemy import event, select
from sqlalchemy.orm import Session, lazyload

from storefront.extensions import db
from storefront.stores.models import Store, StoreDomain

DEFAULT_SLUG = "default"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class StoreError(ValueError):
    """Invalid store data; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_host(host: str) -> str:
    """``Shop.Example.com:8443`` -> ``shop.example.com``."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def default_store() -> Store | None:
    return db.session.scalar(select(Store).where(Store.is_default.is_(True)))


def _lookup(host: str) -> Store | None:
    # ``domains`` left unloaded: the cached copy is merged back per request as one object
    # (no cascade), and the few pages that list domains load them then.
    unloaded = lazyload(Store.domains)
    store = db.session.scalar(
        select(Store).join(StoreDomain).where(StoreDomain.host == host).options(unloaded)
    )
    return store or db.session.scalar(
        select(Store).where(Store.is_default.is_(True)).options(unloaded)
    )


def resolve_store(host: str) -> Store | None:
    """The store that owns ``host``, else the default store.

    Every request asks this, so answers are kept per process for ``STORE_CACHE_SECONDS`` (and
    dropped at once when this process changes a store). The answer is that cached copy, not
    attached to any session: read its columns freely; :func:`~storefront.stores.tenancy.
    current_store` attaches it to the request's session (without a query) when a caller needs
    its relationships or changes it.
    """
    key = normalise_host(host)
    cached = _host_cache.get(key)
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    store = _lookup(key)
    if store is not None:
        db.session.expunge(store)
        _host_cache[key] = (time.monotonic() + _ttl(), store)
    return store


_host_cache: dict[str, tuple[float, Store]] = {}  # host -> (fresh until, store)


def _ttl() -> float:
    from flask import current_app

    return float(current_app.config.get("STORE_CACHE_SECONDS", 30))


def forget_cached_stores(*_args: object) -> None:
    _host_cache.clear()


def _after_flush(session: Session, flush_context: object) -> None:
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Store | StoreDomain):
            forget_cached_stores()
            return


def install_cache_invalidation() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def create_store(
    *,
    slug: str,
    name: str,
    domains: list[str] | None = None,
    is_default: bool = False,
    primary_color: str = "#c7000b",
    secondary_color: str = "#1f2937",
    default_locale: str = "en",
    currency: str = "CNY",
    contact_email: str | None = None,
) -> Store:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug):
        raise StoreError("slug", "Use 2-63 lowercase letters, digits and hyphens.")
    for field, colour in (("primary_color", primary_color), ("secondary_color", secondary_color)):
        if not HEX_COLOUR.match(colour):
            raise StoreError(field, "Use a colour like #1a2b3c.")
    store = Store(
        slug=slug,
        name=name,
        is_default=is_default,
        primary_color=primary_color,
        secondary_color=secondary_color,
        default_locale=default_locale,
        currency=currency,
        contact_email=contact_email,
    )
    store.domains = [StoreDomain(host=normalise_host(h)) for h in domains or []]
    db.session.add(store)
    db.session.flush()
    return store


def ensure_default_store(name: str = "Storefront Demo") -> Store:
    """The default store, created on first use (idempotent)."""
    store = default_store()
    if store is None:
        store = create_store(
            slug=DEFAULT_SLUG,
            name=name,
            domains=["127.0.0.1", "localhost"],
            is_default=True,
            contact_email="support@storefront.local",
        )
    return store

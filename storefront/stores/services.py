"""Store rules: resolve the store for a host, create stores, the default store."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import OrderedDict
from typing import ClassVar

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, lazyload

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.stores.hosts import is_trusted, normalise_host
from storefront.stores.models import Store, StoreDomain

DEFAULT_SLUG = "default"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class StoreError(DomainError, ValueError):
    """Invalid store data; ``field`` names the offending input."""

    code: ClassVar[str] = "invalid_input"
    status: ClassVar[int] = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, fields={field: message})
        self.field = field


def default_store() -> Store | None:
    return db.session.scalar(select(Store).where(Store.is_default.is_(True)))


def _lookup(host: str) -> Store | None:
    """The store ``host`` names: one of its domains, else (a trusted host) the default store."""
    # ``domains`` left unloaded: the cached copy is merged back per request as one object
    # (no cascade), and the few pages that list domains load them then.
    unloaded = lazyload(Store.domains)
    store = db.session.scalar(
        select(Store).join(StoreDomain).where(StoreDomain.host == host).options(unloaded)
    )
    if store is not None or not is_trusted(host, current_app.config["SETTINGS"]):
        return store
    return db.session.scalar(select(Store).where(Store.is_default.is_(True)).options(unloaded))


def resolve_store(host: str) -> Store | None:
    """The store that owns ``host`` (a trusted host: the default store), else ``None``.

    Every request asks this, so answers are kept per process for ``STORE_CACHE_SECONDS`` (and
    dropped at once when this process changes a store). The answer is that cached copy, not
    attached to any session: read its columns freely; :func:`~storefront.stores.tenancy.
    current_store` attaches it to the request's session (without a query) when a caller needs
    its relationships or changes it. Only hosts that found a store are kept, at most
    ``STOREFRONT_STORE_CACHE_SIZE`` of them (least recently used dropped first): unknown Hosts
    never grow the cache.
    """
    key = normalise_host(host)
    cached = _host_cache.get(key)
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    store = _lookup(key)
    if store is not None:
        db.session.expunge(store)
        _host_cache.put(key, (time.monotonic() + _ttl(), store))
    return store


class _LRU:
    """A small thread-safe least-recently-used map (``get`` refreshes, ``put`` evicts)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, Store]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[float, Store] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, value: tuple[float, Store]) -> None:
        limit = int(current_app.config["SETTINGS"].store_cache_size)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > limit:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_host_cache = _LRU()  # host -> (fresh until, store)


def _ttl() -> float:
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
    # A store's first domain is its canonical one (links in its mails); the default store's
    # links use STOREFRONT_PUBLIC_URL until a domain is marked (see ``set_primary_domain``).
    store.domains = [
        StoreDomain(host=normalise_host(h), is_primary=(i == 0 and not is_default))
        for i, h in enumerate(domains or [])
    ]
    db.session.add(store)
    db.session.flush()
    return store


def set_primary_domain(store: Store, host: str | None) -> None:
    """Make ``host`` (one of ``store``'s domains) its canonical domain; ``None``: none (the
    default store then uses STOREFRONT_PUBLIC_URL, another store its oldest domain)."""
    key = normalise_host(host) if host else None
    if key is not None:
        found = db.session.scalar(
            select(StoreDomain.id).where(StoreDomain.store_id == store.id, StoreDomain.host == key)
        )
        if found is None:
            raise StoreError("host", "This host is not one of the store's domains.")
    db.session.execute(
        update(StoreDomain)
        .where(StoreDomain.store_id == store.id, StoreDomain.is_primary.is_(True))
        .values(is_primary=False)
    )
    if key is not None:
        db.session.execute(
            update(StoreDomain).where(StoreDomain.host == key).values(is_primary=True)
        )
    forget_cached_stores()
    db.session.flush()


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

"""Store rules: resolve the store for a host, create stores, the default store."""

from __future__ import annotations

import re
from typing import ClassVar

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from storefront import caching
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

    Every request asks this, so answers are kept per process (:data:`HOSTS`) for
    ``STORE_CACHE_SECONDS``, and dropped once this process commits a change to a store or a
    domain. The answer is that cached copy, not attached to any session: read its columns
    freely; :func:`~storefront.stores.tenancy.current_store` attaches it to the request's
    session (without a query) when a caller needs its relationships or changes it. Only hosts
    that found a store are kept, at most ``STOREFRONT_STORE_CACHE_SIZE`` of them (least
    recently used dropped first): unknown Hosts never grow the cache.
    """
    key = normalise_host(host)
    return HOSTS.get(key, lambda: _detached(key))


def _detached(host: str) -> Store | None:
    store = _lookup(host)
    if store is not None:
        db.session.expunge(store)
    return store


def _no_scope(obj: object) -> None:
    return None  # a store's host is known once it is found: any change drops every host


HOSTS: caching.Cache[Store | None] = caching.Cache(
    "stores.hosts",
    tables=(Store.__tablename__, StoreDomain.__tablename__),
    limit=lambda settings: settings.store_cache_size,
    scope_of=_no_scope,
    keep=lambda store: store is not None,
)


def forget_cached_stores(*_args: object) -> None:
    """Drop this app's kept hosts (after writes behind the ORM's back, e.g. raw SQL)."""
    if has_app_context():
        HOSTS.drop()


def install_cache_invalidation() -> None:
    caching.install()


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

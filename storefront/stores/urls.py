"""Absolute links, built from configuration, never from the request's Host.

Every absolute URL the product hands out (a mail's link, a payment gateway's return and notify
URLs, a console link, the SAML IdP's entity id and SSO URL) goes through :func:`external_url`:

- a store with a primary domain (``StoreDomain.is_primary``; a new store's first domain) links
  to ``{scheme}://{primary domain}{:port}{prefix}``, where the scheme, port and path prefix are
  ``STOREFRONT_PUBLIC_URL``'s (``https://shop.example`` -> ``https://acme.example/...``);
- the default store without one, and work done outside any store, link to
  ``STOREFRONT_PUBLIC_URL``;
- another store without one links to its oldest domain.

It needs an app context, not a request: worker jobs mailing inside ``store_context`` get the
same links a request would.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app, g
from sqlalchemy import select

from storefront.extensions import db
from storefront.stores.models import Store, StoreDomain


def canonical_host(store: Store) -> str | None:
    """``store``'s primary domain (else, but for the default store, its oldest); ``None``: use
    ``STOREFRONT_PUBLIC_URL``."""
    query = select(StoreDomain.host).where(StoreDomain.store_id == store.id)
    if store.is_default:
        query = query.where(StoreDomain.is_primary.is_(True))
    query = query.order_by(StoreDomain.is_primary.desc(), StoreDomain.id).limit(1)
    host: str | None = db.session.scalar(query)  # StoreDomain is no StoreScoped: any store
    return host


def base_url(store: Store | None = None) -> str:
    """The absolute base (no trailing slash) of ``store``'s links; ``None``: the current store
    (a request's or a ``store_context``'s), else ``STOREFRONT_PUBLIC_URL``."""
    public = current_app.config["SETTINGS"].public_url
    store = store if store is not None else g.get("store")
    host = canonical_host(store) if store is not None else None
    if host is None:
        return str(public)
    parts = urlsplit(public)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def external_url(endpoint: str, store: Store | None = None, **values: Any) -> str:
    """``url_for(endpoint, **values, _external=True)`` on ``store``'s canonical base."""
    parts = urlsplit(base_url(store))
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="%!#$&'()*+,/:;=?@")
    return url

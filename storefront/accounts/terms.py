"""The provider's documents a customer agrees to at registration (store-configurable later).

A store may override them with the Flask config key ``ACCOUNTS_TERMS``
(``{key: {"version": ..., "url": ...}}``); these are the defaults.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l

from storefront.backoffice.texts import safe_url

DEFAULT_TERMS: dict[str, dict[str, str]] = {
    "user_agreement": {
        "version": "2024-01",
        "url": "https://www.huaweicloud.com/declaration/sa_cua.html",
    },
    "privacy_statement": {
        "version": "2024-01",
        "url": "https://www.huaweicloud.com/declaration/sa_prp.html",
    },
    "customer_association_notice": {
        "version": "2024-01",
        "url": "https://www.huaweicloud.com/declaration/sa_cooperative.html",
    },
    "partner_association_terms": {
        "version": "2024-01",
        "url": "https://www.huaweicloud.com/declaration/sa_partner.html",
    },
}

LABELS = {
    "user_agreement": _l("user agreement"),
    "privacy_statement": _l("privacy statement"),
    "customer_association_notice": _l("customer-association notice"),
    "partner_association_terms": _l("partner association terms"),
}


def current_terms() -> dict[str, dict[str, Any]]:
    """``ACCOUNTS_TERMS`` (or the defaults), with the current store's own links on top.

    A store's ``terms`` column (set on the back office's branding page) overrides documents
    one by one: ``{key: {"version": ..., "url": ...}}``; one whose link is not an https://
    address (e.g. written to the database directly) is ignored.
    """
    terms: dict[str, dict[str, Any]] = current_app.config.get("ACCOUNTS_TERMS") or DEFAULT_TERMS
    store = g.get("store")
    override = getattr(store, "terms", None) if store is not None else None
    if override:
        terms = {
            **terms,
            **{
                k: v
                for k, v in override.items()
                if k in terms and isinstance(v, dict) and safe_url(str(v.get("url") or ""))
            },
        }
    return terms

"""Demo catalogue: regions, products and specs, and prices from the provider (idempotent).

If the provider is down, ``make run`` still starts: the failure is logged and the catalogue
fills on the next ``flask storefront sync-catalog`` / ``sync-prices``.
"""

from __future__ import annotations

import logging

from storefront.catalog import sync
from storefront.catalog.services import utcnow
from storefront.cloud.interface import CloudError
from storefront.extensions import cloud_provider, db

log = logging.getLogger(__name__)


def seed_demo() -> None:
    sync.ensure_base(db.session)
    now = utcnow()
    try:
        sync.sync_catalog(db.session, cloud_provider(), now=now)
        sync.sync_prices(db.session, cloud_provider(), now=now)
    except CloudError as exc:
        db.session.rollback()
        log.warning("catalogue sync skipped, the provider is unavailable: %s", exc)

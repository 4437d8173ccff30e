"""Demo catalogue: regions, products and specs, and prices from the provider (idempotent).

Units the provider fails are tried again in later passes (``catalog/passes.py``), so under
faults and throttling the seed still ends with a complete price book. If the provider is down,
``make run`` still starts: the failure is logged, what was fetched is kept, and the catalogue
fills on the next ``flask storefront sync-catalog`` / ``sync-prices``.
"""

from __future__ import annotations

import logging

from storefront.catalog import sync
from storefront.clock import utcnow
from storefront.cloud.interface import CloudError
from storefront.extensions import cloud_provider, db

log = logging.getLogger(__name__)


def seed_demo() -> None:
    sync.ensure_base(db.session)
    now = utcnow()
    for job in (sync.sync_catalog, sync.sync_prices):  # prices: whatever the catalogue holds
        try:
            job(db.session, cloud_provider(), now=now)
        except CloudError as exc:
            db.session.rollback()
            log.warning("%s incomplete, the provider is unavailable: %s", job.__name__, exc)

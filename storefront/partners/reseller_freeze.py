"""Freeze or unfreeze a reseller's store from the distributor's reseller page.

Permission ``resellers.freeze`` (the distributor's owners only, see
:mod:`storefront.accounts.permissions`); the rule itself is the store-level freeze in
:mod:`storefront.stores.freeze`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from storefront.accounts.permissions import require_permission
from storefront.extensions import db
from storefront.partners.errors import PartnerNotFound
from storefront.partners.services import get_reseller
from storefront.stores import freeze
from storefront.stores.models import Store

PERMISSION = "resellers.freeze"


def set_reseller_store_frozen(
    staff: Any, reseller_id: int, *, frozen: bool, reason: str | None, ip: str | None = None
) -> Store:
    """Freeze (reason mandatory) or unfreeze the reseller's store; audited in both stores."""
    actor = require_permission(staff, PERMISSION)
    reseller = get_reseller(actor, reseller_id)
    store = db.session.get(Store, reseller.store_id)
    if store is None:
        raise PartnerNotFound(_l("No such reseller."))
    if frozen:
        return freeze.freeze_store(store, reason, actor, ip)
    return freeze.unfreeze_store(store, actor, reason, ip)

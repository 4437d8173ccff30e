"""Who may use the partner pages.

Distributor permissions (``resellers.*``) hold only for owner/finance staff of the platform's
default store (the distributor's own store) and only in distributor mode; a reseller's staff
(staff of any other store) never hold them. Workspace permissions hold for the owner and finance
staff of every store. Services check these before any provider call; views only mirror them.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from storefront.accounts.models import Staff, StaffRole
from storefront.accounts.permissions import PermissionDenied
from storefront.extensions import db
from storefront.partners.settings import PartnerSettings
from storefront.stores.models import Store

PARTNER_PERMISSIONS = {
    "resellers.view": "See resellers, their sales, customers and balances",
    "resellers.invite": "Invite, resend and revoke reseller invitations",
    "resellers.funds": "Allocate funds to and reclaim funds from resellers",
    "workspace.view": "See the partner workspace",
    "workspace.manage": "Change the partner workspace",
}
PARTNER_ROLES = frozenset({StaffRole.OWNER, StaffRole.FINANCE})
DISTRIBUTOR_ONLY = frozenset({"resellers.view", "resellers.invite", "resellers.funds"})


def partner_settings() -> PartnerSettings:
    settings = current_app.config["SETTINGS"].partners
    return settings if settings is not None else PartnerSettings()


def is_distributor_staff(principal: Any) -> bool:
    """Owner/finance staff of the distributor's own (default) store, in distributor mode."""
    if not partner_settings().is_distributor or not isinstance(principal, Staff):
        return False
    store = db.session.get(Store, principal.store_id)
    return bool(store is not None and store.is_default)


def has_partner_permission(principal: Any, permission: str) -> bool:
    if permission not in PARTNER_PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if not isinstance(principal, Staff) or not principal.is_active:
        return False
    if StaffRole(principal.role) not in PARTNER_ROLES:
        return False
    if permission in DISTRIBUTOR_ONLY:
        return is_distributor_staff(principal)
    return True


def require_partner_permission(principal: Any, permission: str) -> Staff:
    if not has_partner_permission(principal, permission):
        raise PermissionDenied(permission)
    assert isinstance(principal, Staff)
    return principal

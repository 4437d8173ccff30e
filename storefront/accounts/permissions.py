"""Staff roles and what each may do: the one permission map for every area.

Services call :func:`require_permission`; views only mirror it (``accounts.guards.staff_page``
for pages, ``api.admin.staff_api`` for the admin API). The back office, billing (funds, claims,
vouchers, payment settings), catalogue pricing and the partner pages all check this map.

A permission may also carry a *scope*: the distributor permissions (:data:`DISTRIBUTOR_SCOPE`,
``resellers.*``) hold only for staff of the distributor's own store, i.e. the platform's default
store when ``STOREFRONT_PLATFORM_MODE=distributor``. A reseller's staff (any other store) never
hold them, whatever their role, and nobody holds them in solution-provider mode.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.accounts.models import Staff, StaffRole
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.stores.models import Store

PERMISSIONS: dict[str, str] = {
    "dashboard.view": "See the dashboard",
    "customers.view": "Find and view customers",
    "customers.notes": "Write staff notes on customers",
    "customers.freeze": "Freeze and unfreeze customers",
    "customers.view_as": "View a customer's pages (read-only, time-limited)",
    "customers.association": "Switch a customer away from the partner (close and settle)",
    "realname.review": "Approve or reject real-name cases reviewed by the store",
    "claims.view": "See remittance claims",
    "claims.approve": "Approve or reject remittance claims",
    "money.view": "See balances, orders and ledgers (read-only)",
    "funds.manage": "Fund customers or take funds back",
    "funds.limits": "Set the staff funding limits (owner only)",
    "refunds.manage": "Refund orders",
    "vouchers.manage": "Issue and revoke vouchers",
    "billing.settings": "Change payment methods, bank details and approval thresholds",
    "pricing.manage": "Set price rules and hide products, regions or specs",
    "reports.view": "See sales and margin reports",
    "audit.view": "Read the audit trail",
    "audit.export": "Export the audit trail",
    "staff.manage": "Invite staff, change roles, deactivate staff, enforce 2FA",
    "branding.manage": "Change the store's branding, texts and domains",
    "workspace.view": "See the partner workspace (provider account, incentives, certifications)",
    "workspace.manage": "Change the partner workspace",
    "resellers.view": "See resellers, their sales, customers and balances (distributor)",
    "resellers.invite": "Invite, resend and revoke reseller invitations (distributor)",
    "resellers.funds": "Allocate funds to and reclaim funds from resellers (distributor)",
    "resellers.freeze": "Freeze and unfreeze a reseller's store (distributor)",
    "tickets.view": "See support tickets (without tickets.answer: billing tickets only)",
    "tickets.answer": "Answer, assign and escalate support tickets, keep saved replies",
    "tickets.settings": "Set the ticket reopen period and due times (owner only)",
}
# Permissions that also require the staff member's store to be the distributor's store.
DISTRIBUTOR_SCOPE: frozenset[str] = frozenset(
    {"resellers.view", "resellers.invite", "resellers.funds", "resellers.freeze"}
)

ROLE_PERMISSIONS: dict[StaffRole, frozenset[str]] = {
    StaffRole.OWNER: frozenset(PERMISSIONS),
    StaffRole.SUPPORT: frozenset(
        {
            "dashboard.view",
            "customers.view",
            "customers.notes",
            "customers.freeze",
            "customers.view_as",
            "realname.review",
            "claims.view",
            "money.view",
            "audit.view",
            "tickets.view",
            "tickets.answer",
        }
    ),
    StaffRole.FINANCE: frozenset(
        {
            "dashboard.view",
            "customers.view",
            "customers.notes",
            "claims.view",
            "claims.approve",
            "money.view",
            "funds.manage",
            "refunds.manage",
            "vouchers.manage",
            "billing.settings",
            "pricing.manage",
            "reports.view",
            "audit.view",
            "audit.export",
            "workspace.view",
            "workspace.manage",
            "resellers.view",
            "resellers.invite",
            "resellers.funds",
            "tickets.view",
        }
    ),
}


class PermissionDenied(DomainError):
    """The principal may not do this (a 403); ``permission`` names what was missing."""

    code: ClassVar[str] = "forbidden"
    status: ClassVar[int] = 403

    def __init__(self, permission: str) -> None:
        super().__init__(_l("Your role does not allow this."))
        self.permission = permission

    def __str__(self) -> str:
        return f"permission {self.permission!r} required"


def has_permission(principal: Any, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if not isinstance(principal, Staff) or not principal.is_active:
        return False
    if permission not in ROLE_PERMISSIONS.get(StaffRole(principal.role), frozenset()):
        return False
    if permission in DISTRIBUTOR_SCOPE:
        return is_distributor_store(principal.store_id)
    return True


def is_distributor_store(store_id: int) -> bool:
    """The distributor's own store: the default store, in distributor mode."""
    partners = current_app.config["SETTINGS"].partners
    if partners is None or not partners.is_distributor:
        return False
    store = db.session.get(Store, store_id)
    return bool(store is not None and store.is_default)


def require_permission(principal: Any, permission: str) -> Staff:
    """``principal`` as Staff when it holds ``permission``; else :class:`PermissionDenied`."""
    if not has_permission(principal, permission):
        raise PermissionDenied(permission)
    assert isinstance(principal, Staff)
    return principal

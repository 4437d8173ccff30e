"""Who may do what with money: a small local role map until the back office's permission map
lands (then these names map onto it). Services call :func:`require`; views only mirror it."""

from __future__ import annotations

from storefront.accounts.models import Staff, StaffRole
from storefront.billing.errors import BillingError

MONEY_WRITE = "money.write"  # fund / take back, decide claims, issue and revoke vouchers
MONEY_READ = "money.read"  # see claims, vouchers, balances
SETTINGS_WRITE = "billing.settings"  # payment methods, bank details, thresholds

ROLE_MAP: dict[str, frozenset[StaffRole]] = {
    MONEY_WRITE: frozenset({StaffRole.OWNER, StaffRole.FINANCE}),
    MONEY_READ: frozenset({StaffRole.OWNER, StaffRole.FINANCE, StaffRole.SUPPORT}),
    SETTINGS_WRITE: frozenset({StaffRole.OWNER, StaffRole.FINANCE}),
}


class NotAllowed(BillingError):
    code = "forbidden"


def allowed(staff: object, permission: str) -> bool:
    return (
        isinstance(staff, Staff)
        and staff.is_active
        and staff.role in ROLE_MAP.get(permission, frozenset())
    )


def require(staff: Staff, permission: str) -> None:
    if not allowed(staff, permission):
        raise NotAllowed("Your role does not allow this.")

"""Distributor rules: invitations, resellers, allocations and the distributor's views.

Every function that acts for staff checks the partner permission first, so a reseller's staff
are refused here, before any provider call. Allocations use the distributor's own credentials
(:func:`distributor_provider`), never the platform's partner client.

The rules live in one module per concern; this module gathers their public names for the
views, commands and tests that use them as ``services.<name>``.
"""

from __future__ import annotations

from storefront.clock import utcnow as now
from storefront.partners.allocations import (
    MoveResult,
    PendingMove,
    ProviderAnswer,
    ask_provider,
    open_move,
    settle_move,
)
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.inputs import CENT, MAX_ALLOCATION, parse_amount
from storefront.partners.invitations import (
    Acceptance,
    accept,
    invitation_state,
    invitation_token,
    invite,
    link_provider,
    list_invitations,
    open_invitation,
    relink,
    resend,
    revoke,
    send_invitation,
)
from storefront.partners.provider import (
    NO_RECORD,
    distributor_provider,
    provider_balance,
    refusal_message,
)
from storefront.partners.reconcile import (
    CLOCK_SKEW,
    GIVE_UP_AFTER,
    RECONCILE_AFTER,
    AllocationReconcileReport,
    reconcile_allocations,
)
from storefront.partners.resellers import (
    ResellerRow,
    allocations,
    get_reseller,
    pending_requests,
    recent_requests,
    reseller_detail,
    reseller_for_store,
    reseller_rows,
    store_stats,
)

__all__ = [
    "CENT",
    "CLOCK_SKEW",
    "GIVE_UP_AFTER",
    "MAX_ALLOCATION",
    "NO_RECORD",
    "RECONCILE_AFTER",
    "Acceptance",
    "AllocationReconcileReport",
    "MoveResult",
    "PartnerNotFound",
    "PartnersError",
    "PendingMove",
    "ProviderAnswer",
    "ResellerRow",
    "accept",
    "allocations",
    "ask_provider",
    "distributor_provider",
    "get_reseller",
    "invitation_state",
    "invitation_token",
    "invite",
    "link_provider",
    "list_invitations",
    "now",
    "open_invitation",
    "open_move",
    "parse_amount",
    "pending_requests",
    "provider_balance",
    "recent_requests",
    "reconcile_allocations",
    "refusal_message",
    "relink",
    "reseller_detail",
    "reseller_for_store",
    "reseller_rows",
    "resend",
    "revoke",
    "send_invitation",
    "settle_move",
    "store_stats",
]

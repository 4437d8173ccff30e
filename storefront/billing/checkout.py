"""What stands between a customer and buying: one list, for the checkout page and for
``orders.place_order``'s refusals (:func:`storefront.billing.orders.check_can_buy`).

Each :class:`Blocker` names its reason by code; the page words it and links its fix (resend
the confirmation mail, real-name verification, contact the store, top up by the amount short).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus
from storefront.billing.remittance import billing_settings
from storefront.catalog.models import Quote
from storefront.clock import utcnow
from storefront.stores import freeze as store_freeze

# In the order they are checked (the first one is what placing an order answers).
STORE_FROZEN = "store_frozen"
ACCOUNT_FROZEN = "account_frozen"
ACCOUNT_INACTIVE = "account_inactive"  # closed
EMAIL_UNCONFIRMED = "email_unconfirmed"
REALNAME_REQUIRED = "realname_required"  # not submitted, or rejected
REALNAME_PENDING = "realname_pending"  # submitted, under review
QUOTE_EXPIRED = "quote_expired"
BALANCE_SHORT = "balance_short"


@dataclass(frozen=True, slots=True)
class Blocker:
    code: str
    short_by: Decimal | None = None  # BALANCE_SHORT: how much to top up
    currency: str | None = None


def account_blockers(customer: Customer, store_frozen: bool | None = None) -> list[Blocker]:
    """Reasons this customer cannot buy anything now, whatever the basket. ``store_frozen``:
    whether the store is frozen, when the caller has just read it (else it is read here)."""
    found: list[Blocker] = []
    if store_frozen is None:
        store_frozen = store_freeze.freeze_state(customer.store_id) is not None
    if store_frozen:
        found.append(Blocker(STORE_FROZEN))
    if customer.status == CustomerStatus.FROZEN:
        found.append(Blocker(ACCOUNT_FROZEN))
    elif customer.status == CustomerStatus.PENDING_EMAIL:
        found.append(Blocker(EMAIL_UNCONFIRMED))
    elif customer.status != CustomerStatus.ACTIVE:
        found.append(Blocker(ACCOUNT_INACTIVE))
    if customer.realname_status == RealnameStatus.PENDING:
        found.append(Blocker(REALNAME_PENDING))
    elif customer.realname_status != RealnameStatus.VERIFIED:
        found.append(Blocker(REALNAME_REQUIRED))
    return found


def required_balance(customer: Customer, quote: Quote) -> Decimal:
    """What the wallet must hold to buy ``quote``: a prepaid quote's total, or the store's
    minimum balance for on-demand resources (see ``orders.place_order``)."""
    if quote.billing_mode in ("monthly", "yearly"):
        return quote.total
    return max(billing_settings(customer.store_id).min_balance_on_demand, Decimal("0.00"))


def checkout_blockers(
    customer: Customer, quote: Quote, balance: Decimal, *, now: datetime | None = None
) -> list[Blocker]:
    """Everything that stops this customer buying this quote now (empty: Pay may go)."""
    found = account_blockers(customer)
    if (now or utcnow()) >= quote.expires_at:
        found.append(Blocker(QUOTE_EXPIRED))
    needed = required_balance(customer, quote)
    if balance < needed:
        found.append(Blocker(BALANCE_SHORT, needed - balance, quote.currency))
    return found

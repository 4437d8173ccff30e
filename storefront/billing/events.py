"""What billing tells other areas: signals (blinker) they subscribe to when they register.

Billing says what happened and does not know who listens, so it imports no area above it:
``webhooks`` sends the order and top-up events to a store's endpoints, ``notifications`` warns a
customer whose balance fell below their threshold. An area subscribes in its ``register(app)``::

    from storefront.billing import events as billing_events

    billing_events.order_paid.connect(on_order_paid)

Receivers run at once, inside the transaction that made the change, so what they add (a job, a
notification) commits or rolls back with it; an exception in a receiver reaches the caller.
Connecting the same receiver again is harmless (blinker keeps one).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_paid = _signals.signal("billing.order-paid", doc="sender: the paid Order")
order_active = _signals.signal(
    "billing.order-active", doc="sender: the Order whose resources are ready"
)
order_failed = _signals.signal(
    "billing.order-failed", doc="sender: the Order that failed (and was refunded)"
)
topup_credited = _signals.signal(
    "billing.topup-credited", doc="sender: the Topup credited to the customer's wallet"
)
balance_moved = _signals.signal(
    "billing.balance-moved",
    doc="sender: the Wallet whose balance a posting changed (already updated); keywords "
    "store_id, before (the balance before) and txn_id (the journal transaction)",
)

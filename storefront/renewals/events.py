"""The one place where a resource's renewal events happen: its reminder before expiry
(``resource.expiring``), its renewal (``resource.renewed``), auto-renew needing money and its
unsubscription. Each mails the customer (once per event and key, after commit, in the
customer's language, with an in-app notification); the first two also go to the store's
webhooks.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from storefront import mail
from storefront.billing.models import Order, Resource
from storefront.webhooks import emit, payloads

EXPIRING = (
    _l("%(resource)s expires in %(days)s days"),
    _l(
        "Your resource %(resource)s expires on %(date)s (UTC). Renew it from its page in "
        "the store, or turn on auto-renew there. After expiry it stays usable for a "
        "short grace period, is then frozen, and is finally released with its data."
    ),
)
mail.register_customer_events(
    {"resource_expiring": EXPIRING},
    essential=False,  # a customer may turn the early reminders off (the money events stay)
    labels={
        "resource_expiring": _l(
            "Early reminders before a resource expires (the last one is always sent)"
        )
    },
)
# the store's last reminder (1 day before by default) goes even to those who turned them off
mail.register_customer_events({"resource_expiring_last": EXPIRING})
mail.register_customer_events(
    {
        "resource_renewed": (
            _l("%(resource)s was renewed"),
            _l(
                "Your resource %(resource)s was renewed for %(amount)s. It now expires on %(date)s."
            ),
        ),
        "auto_renew_topup": (
            _l("Top up to renew %(resource)s"),
            _l(
                "Auto-renew could not renew %(resource)s: it costs %(amount)s and your wallet "
                "holds %(balance)s. Please top up your wallet; we try again every day until "
                "it expires on %(date)s."
            ),
        ),
        "auto_renew_failed": (
            _l("Auto-renew of %(resource)s failed"),
            _l(
                "Auto-renew could not renew %(resource)s: %(reason)s We try again every day until "
                "it expires on %(date)s; you can also renew it from its page."
            ),
        ),
        "resource_unsubscribed": (
            _l("%(resource)s was unsubscribed"),
            _l(
                "Your resource %(resource)s was unsubscribed and released. %(amount)s was "
                "refunded to your wallet."
            ),
        ),
    }
)


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


def _name(resource: Resource) -> str:
    return resource.name or resource.provider_resource_id


def resource_expiring(
    resource: Resource, days: int, expires_at: datetime, *, last: bool = False
) -> None:
    """``resource.expiring``: the reminder ``days`` before ``expires_at`` (once each); the
    ``last`` one of the store's reminders is essential (it cannot be turned off)."""
    key = f"{resource.id}:{expires_at:%Y%m%d%H%M}:{days}"
    mail.queue_customer_mail(
        "resource_expiring_last" if last else "resource_expiring", key,
        resource.customer_id, resource.store_id,
        resource=_name(resource), days=days, date=_day(expires_at),
    )  # fmt: skip
    emit("resource.expiring", resource.store_id, payloads.resource(resource, days=days), key)


def resource_renewed(resource: Resource, order: Order) -> None:
    """``resource.renewed``: a renewal order became active; the resource's new expiry."""
    mail.queue_customer_mail(
        "resource_renewed", order.id, resource.customer_id, resource.store_id,
        resource=_name(resource), amount=order.total, currency=order.currency,
        date=_day(resource.expires_at),
    )  # fmt: skip
    data = payloads.resource(resource, order_id=order.id, amount=f"{order.total:.2f}")
    emit("resource.renewed", resource.store_id, data, key=f"order:{order.id}")


def auto_renew_short(
    resource: Resource, price: Decimal, balance: Decimal, currency: str, day: str
) -> None:
    """Auto-renew found too little in the wallet (mailed once a day)."""
    mail.queue_customer_mail(
        "auto_renew_topup", f"{resource.id}:{day}", resource.customer_id, resource.store_id,
        resource=_name(resource), amount=price, currency=currency,
        balance=f"{balance:.2f} {currency}", date=_day(resource.expires_at),
    )  # fmt: skip


def auto_renew_failed(resource: Resource, reason: str, day: str) -> None:
    mail.queue_customer_mail(
        "auto_renew_failed", f"{resource.id}:{day}", resource.customer_id, resource.store_id,
        resource=_name(resource), reason=reason, date=_day(resource.expires_at),
    )  # fmt: skip


def resource_unsubscribed(
    resource: Resource, unsubscription_id: int, refund: Decimal, currency: str
) -> None:
    mail.queue_customer_mail(
        "resource_unsubscribed", unsubscription_id, resource.customer_id, resource.store_id,
        resource=_name(resource), amount=refund, currency=currency,
    )  # fmt: skip

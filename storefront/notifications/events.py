"""The customer events: what each one says (subject and body, lazy strings with ``%(name)s``
placeholders) and whether it is essential (always mailed) or one a customer may turn off.

Areas register their own at import time of the module that queues them
(:func:`register_customer_events`, re-exported by :mod:`storefront.mail`), so the worker knows
them too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l


class Event(NamedTuple):
    texts: tuple[Any, Any]  # (subject, body)
    essential: bool = True
    label: Any = None  # what the preferences page calls a non-essential event

    @property
    def subject(self) -> Any:
        return self.texts[0]

    @property
    def body(self) -> Any:
        return self.texts[1]


_EVENTS: dict[str, Event] = {}


def register_customer_events(
    events: dict[str, tuple[Any, Any]],
    *,
    essential: bool = True,
    labels: dict[str, Any] | None = None,
) -> None:
    """Add an area's customer events: ``{name: (subject, body)}``, lazy strings with
    ``%(name)s`` placeholders; a name is registered once (the same texts again are fine).

    ``essential=False``: customers may turn the mail off (on their notification settings,
    where ``labels[name]`` names it); security and money events stay essential."""
    for name, texts in events.items():
        found = _EVENTS.get(name)
        if found is not None and found.texts is not texts:
            raise ValueError(f"customer mail event {name!r} is already registered")
        if len(name) > 48:
            raise ValueError(f"customer mail event {name!r} is longer than 48 characters")
        _EVENTS[name] = Event(texts, essential, (labels or {}).get(name))


def customer_events() -> frozenset[str]:
    """The names of every registered customer event."""
    return frozenset(_EVENTS)


def event(name: str) -> Event | None:
    return _EVENTS.get(name)


def optional_events() -> list[tuple[str, Event]]:
    """The events a customer may turn off, by name."""
    return sorted((n, e) for n, e in _EVENTS.items() if not e.essential)


register_customer_events(
    {
        "order_placed": (
            _l("Order #%(order)s received"),
            _l(
                "Thank you: we received your order #%(order)s of %(amount)s. We are setting up "
                "your resources and will write again when they are ready."
            ),
        ),
        "order_active": (
            _l("Order #%(order)s is ready"),
            _l("Your order #%(order)s is active: your resources are ready to use."),
        ),
        "order_refunded": (
            _l("Order #%(order)s could not be completed"),
            _l(
                "We could not set up your order #%(order)s. %(amount)s was refunded to your "
                "wallet (what a voucher paid goes back to the voucher's issuer)."
            ),
        ),
        "order_failed": (
            _l("Order #%(order)s could not be completed"),
            _l(
                "We could not set up your order #%(order)s. Nothing was taken from your wallet "
                "for it."
            ),
        ),
        "topup_credited": (
            _l("Your top-up of %(amount)s arrived"),
            _l("Your online payment of %(amount)s was added to your wallet."),
        ),
        "claim_approved": (
            _l("Your bank transfer of %(amount)s was credited"),
            _l("We confirmed your bank transfer of %(amount)s and added it to your wallet."),
        ),
        "claim_rejected": (
            _l("Your bank transfer claim was not accepted"),
            _l(
                "We could not confirm your bank transfer claim of %(amount)s. The reason given: "
                "%(reason)s"
            ),
        ),
        "account_frozen": (
            _l("Your account is frozen"),
            _l(
                "Your account is frozen: you cannot buy or change resources until it is "
                "unfrozen. Reply to this mail or contact the store to learn more."
            ),
        ),
        "account_unfrozen": (
            _l("Your account is active again"),
            _l("Your account is no longer frozen: you can buy and manage resources again."),
        ),
        "realname_approved": (
            _l("Your real-name verification passed"),
            _l("Your real-name verification was approved: you can now buy resources."),
        ),
        "realname_rejected": (
            _l("Your real-name verification was not approved"),
            _l(
                "Your real-name verification was not approved. The reason given: %(reason)s "
                "You can correct it and submit again on your account page."
            ),
        ),
    }
)
register_customer_events(
    {
        "low_balance": (
            _l("Your balance is low: %(amount)s"),
            _l(
                "Your wallet balance is %(amount)s, below %(threshold)s. Top up so that "
                "renewals and usage charges can be paid."
            ),
        ),
    },
    essential=False,
    labels={"low_balance": _l("Low balance warnings")},
)

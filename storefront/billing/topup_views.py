"""An online top-up's page after the gateway: it updates itself (htmx, asking less often each
time) until the payment is final, and the customer may give up a payment left waiting."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from storefront.accounts.guards import current_customer, customer_required
from storefront.billing import services, topup
from storefront.billing.blueprint import bp
from storefront.billing.errors import BillingError, WrongStore
from storefront.billing.models import Topup, TopupStatus
from storefront.billing.order_views import _poll_attempt, poll_delay
from storefront.extensions import db


def _find(reference: str) -> Topup:
    try:
        found = topup.topup_for(current_customer(), reference)
    except WrongStore:
        abort(404)
    if topup.expire_if_stale(found):
        db.session.commit()
        db.session.refresh(found)
    return found


def _page(template: str, found: Topup, attempt: int, update: bool = False) -> ResponseReturnValue:
    return render_template(
        template,
        update=update,  # the page's own request for news (htmx), not the whole page
        topup=found,
        summary=services.wallet_summary(current_customer()),
        final=found.status is not TopupStatus.PENDING,
        expires_at=topup.expiry_of(found),
        attempt=attempt,
        delay=poll_delay(attempt),
    )


@bp.get("/wallet/topup/<reference>")
@customer_required
def topup_return(reference: str) -> ResponseReturnValue:
    """Where the gateway sends the browser back: shows the status, never credits."""
    return _page("billing/topup_status.html", _find(reference), 0)


@bp.get("/wallet/topup/<reference>/status")
@customer_required
def topup_progress(reference: str) -> ResponseReturnValue:
    return _page("billing/_topup_progress.html", _find(reference), _poll_attempt(), update=True)


@bp.post("/wallet/topup/<reference>/cancel")
@customer_required
def topup_cancel(reference: str) -> ResponseReturnValue:
    try:
        topup.cancel_topup(current_customer(), reference)
    except WrongStore:
        abort(404)
    except BillingError:
        db.session.rollback()
        flash(_l("This top-up is no longer waiting for payment."), "error")
    else:
        db.session.commit()
        flash(_l("Top-up cancelled. Nothing was charged to your wallet."))
    return redirect(url_for("billing.topup_return", reference=reference))

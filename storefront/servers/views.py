"""The resource page ``/resources/<id>``: what a bought resource is now at the provider, with a
fragment (``/resources/<id>/live``) the page asks again for at the cache's pace, so a server
stopped in the console shows "stopped" without a reload. Customers only."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from storefront.accounts.models import Customer
from storefront.extensions import db
from storefront.servers import live

bp = Blueprint("servers", __name__)


def _customer() -> Customer | None:
    user = current_user
    if isinstance(user, Customer) and user.is_authenticated:
        return user
    return None


def poll_seconds() -> int:
    """How often the page asks again: the cache's age, at least 5 s."""
    return max(5, int(float(current_app.config.get("SERVER_STATE_CACHE_SECONDS", 30))))


def _view(resource_id: int, template: str) -> ResponseReturnValue:
    customer = _customer()
    if customer is None:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    row = live.customer_resource(customer, resource_id)
    view = live.refresh(customer, [row])[row.id]
    db.session.commit()
    return render_template(template, r=row, view=view, poll=poll_seconds())


@bp.get("/resources/<id:resource_id>")
def resource(resource_id: int) -> ResponseReturnValue:
    return _view(resource_id, "servers/resource.html")


@bp.get("/resources/<id:resource_id>/live")
def resource_live(resource_id: int) -> ResponseReturnValue:
    return _view(resource_id, "servers/_resource_live.html")


def register(app: Flask) -> None:
    app.register_blueprint(bp)

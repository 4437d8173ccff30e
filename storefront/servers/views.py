"""Customers' pages: ``/resources/<id>`` (what a bought resource is now at the provider, with a
fragment ``/resources/<id>/live`` the page asks again for at the cache's pace, so a server
stopped in the console shows "stopped" without a reload), ``/key-pairs`` (import or generate an
SSH key pair; a generated private key is shown once), and the checkout's server login fields
(``server_checkout_login``, used by ``templates/servers/_checkout_login.html``)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.accounts.guards import (
    current_customer,
    customer_required,
    signed_in_customer,
    staff_page,
)
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.catalog import services as catalog
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.servers import defaults, live, pickers, services
from storefront.servers.errors import ServersError

bp = Blueprint("servers", __name__)


def poll_seconds() -> float:
    """How often the page asks again: the cache's age, at least ``SERVER_PAGE_POLL_SECONDS``."""
    config = current_app.config
    return max(
        float(config.get("SERVER_PAGE_POLL_SECONDS", 5)),
        float(config.get("SERVER_STATE_CACHE_SECONDS", 30)),
    )


def _view(resource_id: int, template: str) -> ResponseReturnValue:
    customer = current_customer()
    row = live.customer_resource(customer, resource_id)
    view = live.refresh(customer, [row])[row.id]
    # drawn before the commit, which would expire the row (and load it again for the page)
    page = render_template(template, r=row, view=view, poll=poll_seconds())
    db.session.commit()
    return page


@bp.get("/resources/<id:resource_id>")
@customer_required
def resource(resource_id: int) -> ResponseReturnValue:
    return _view(resource_id, "servers/resource.html")


@bp.get("/resources/<id:resource_id>/live")
@customer_required
def resource_live(resource_id: int) -> ResponseReturnValue:
    return _view(resource_id, "servers/_resource_live.html")


@bp.route("/key-pairs", methods=["GET", "POST"])
@customer_required
def key_pairs() -> ResponseReturnValue:
    """The customer's SSH key pairs of a region: import a public key or generate a pair whose
    private key is shown in this answer only."""
    customer = current_customer()
    region = services.region_code(request.values.get("region"))
    made, error, status = None, None, 200
    if request.method == "POST":
        try:
            made = services.create_key_pair(
                customer,
                region,
                request.form.get("name", ""),
                request.form.get("public_key") or None,
            )
        except ServersError as exc:
            error, status = " ".join([exc.message, *exc.fields.values()]), exc.status
    try:
        pairs = services.key_pairs(customer, region)
    except ServersError as exc:
        pairs, error = [], error or exc.message
    page = render_template(
        "servers/key_pairs.html", region=region, pairs=pairs, made=made, error=error
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/key-pairs/<name>/delete")
@customer_required
def delete_key_pair(name: str) -> ResponseReturnValue:
    customer = current_customer()
    region = services.region_code(request.form.get("region"))
    services.delete_key_pair(customer, region, name)
    flash(_("Key pair %(name)s deleted.", name=name), "success")
    return redirect(url_for("servers.key_pairs", region=region))


@bp.route("/staff/server-images", methods=["GET", "POST"])
@staff_page(defaults.PERMISSION)
def staff_images() -> ResponseReturnValue:
    """The owner's image settings: a default image per region and OS, the hidden images."""
    staff = current_user
    regions = [r.code for r in catalog.regions()]
    error, status = None, 200
    if request.method == "POST":
        chosen = {
            (region, os_type): request.form.get(f"default-{region}-{os_type}", "")[:64]
            for region in regions
            for os_type in defaults.OS_TYPES
        }
        hidden = request.form.get("hidden", "")[:20_000].split()
        try:
            defaults.save(staff, chosen, hidden)
        except ServersError as exc:
            db.session.rollback()
            error, status = " ".join([exc.message, *exc.fields.values()]), 422
        else:
            db.session.commit()
            flash(_("Image settings saved."), "success")
            return redirect(url_for("servers.staff_images"))
    page = render_template(
        "servers/staff_images.html",
        regions=regions,
        os_types=defaults.OS_TYPES,
        chosen=defaults.defaults(staff.store_id),
        hidden=defaults.hidden_images(staff.store_id),
        error=error,
    )
    return page, status


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


def checkout_login(quote: Any) -> dict[str, Any] | None:
    """For the checkout page: does the quote buy servers, and the customer's key pairs and
    subnets in its region (none listed when the provider cannot be asked)."""
    customer = signed_in_customer()
    if customer is None or not any(line.product_code == "ecs" for line in quote.lines):
        return None
    try:
        names = [k.name for k in services.key_pairs(customer, quote.region_code)]
        subnets = services.subnets(customer, quote.region_code)
    except ServersError:
        names, subnets = [], []
    return {"key_pairs": names, "subnets": subnets}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(checkout_login, "server_checkout_login")
    app.add_template_global(pickers.quote_parts, "server_quote_parts")
    add_nav(
        app,
        NavItem(
            "servers.staff_images",
            _l("Server images"),
            section="staff",
            order=32,
            visible=lambda user: has_permission(user, defaults.PERMISSION),
            menu="settings",
        ),
    )
    add_nav(
        app,
        NavItem(
            "servers.key_pairs", _l("Key pairs"), section="account", order=42, visible=_is_customer
        ),
    )

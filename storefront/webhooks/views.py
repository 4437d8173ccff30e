"""The owner's webhook pages: endpoints (list, add, edit, rotate the secret, delete after a
confirmation, send a test) and each endpoint's delivery log with replay."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.permissions import has_permission
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.routing import parse_id
from storefront.webhooks import services
from storefront.webhooks.events import EVENTS, subscribe_to_billing
from storefront.webhooks.forms import EndpointForm
from storefront.webhooks.models import WebhookEndpoint
from storefront.webhooks.signing import HEADER

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
PERMISSION = services.PERMISSION


def _staff() -> Any:
    return current_staff()


@bp.get("/")
@staff_page(PERMISSION)
def index() -> ResponseReturnValue:
    return render_template(
        "webhooks/index.html", endpoints=services.endpoints(_staff()), events=EVENTS
    )


def _secret_page(row: WebhookEndpoint, secret: str, rotated: bool) -> ResponseReturnValue:
    response = render_template(
        "webhooks/secret.html", endpoint=row, secret=secret, rotated=rotated, header=HEADER
    )
    return response, 200, {"Cache-Control": "no-store"}


def _save(form: EndpointForm, row: WebhookEndpoint | None) -> ResponseReturnValue | None:
    """Create or update from a valid form; None (with the form's errors) when refused."""
    try:
        if row is None:
            row, secret = services.create_endpoint(
                _staff(), form.url.data or "", form.events.data or [], form.description.data or ""
            )
            db.session.commit()
            return _secret_page(row, secret, rotated=False)
        services.update_endpoint(
            _staff(),
            row,
            form.url.data or "",
            form.events.data or [],
            form.description.data or "",
            bool(form.enabled.data),
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        field = next(iter(exc.fields), "url")
        getattr(form, field, form.url).errors = [exc.message]
        return None
    flash(_("Webhook endpoint saved."), "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/new", methods=["GET", "POST"])
@staff_page(PERMISSION)
def new() -> ResponseReturnValue:
    form = EndpointForm()
    if form.validate_on_submit() and (done := _save(form, None)) is not None:
        return done
    return render_template("webhooks/form.html", form=form, endpoint=None)


@bp.route("/<id:endpoint_id>", methods=["GET", "POST"])
@staff_page(PERMISSION)
def edit(endpoint_id: int) -> ResponseReturnValue:
    row = services.endpoint(_staff(), endpoint_id)
    form = EndpointForm(obj=row)
    if form.validate_on_submit() and (done := _save(form, row)) is not None:
        return done
    return render_template("webhooks/form.html", form=form, endpoint=row)


@bp.post("/<id:endpoint_id>/rotate")
@staff_page(PERMISSION)
def rotate(endpoint_id: int) -> ResponseReturnValue:
    row = services.endpoint(_staff(), endpoint_id)
    secret = services.rotate_secret(_staff(), row)
    db.session.commit()
    return _secret_page(row, secret, rotated=True)


@bp.route("/<id:endpoint_id>/delete", methods=["GET", "POST"])
@staff_page(PERMISSION)
def delete(endpoint_id: int) -> ResponseReturnValue:
    row = services.endpoint(_staff(), endpoint_id)
    if request.method == "POST" and request.form.get("confirmed") == "1":
        services.delete_endpoint(_staff(), row)
        db.session.commit()
        flash(_("Webhook endpoint deleted."), "success")
        return redirect(url_for("webhooks.index"))
    return render_template("webhooks/delete.html", endpoint=row)


@bp.post("/<id:endpoint_id>/test")
@staff_page(PERMISSION)
def test_send(endpoint_id: int) -> ResponseReturnValue:
    row = services.endpoint(_staff(), endpoint_id)
    services.send_test(_staff(), row)
    db.session.commit()
    flash(_("A test event is on its way."), "success")
    return redirect(url_for("webhooks.deliveries", endpoint_id=row.id))


@bp.get("/<id:endpoint_id>/deliveries")
@staff_page(PERMISSION)
def deliveries(endpoint_id: int) -> ResponseReturnValue:
    row = services.endpoint(_staff(), endpoint_id)
    rows, next_before = services.deliveries(_staff(), row, parse_id(request.args.get("before")))
    return render_template(
        "webhooks/deliveries.html", endpoint=row, deliveries=rows, next_before=next_before
    )


@bp.post("/deliveries/<id:delivery_id>/replay")
@staff_page(PERMISSION)
def replay(delivery_id: int) -> ResponseReturnValue:
    copy = services.replay(_staff(), delivery_id)
    db.session.commit()
    flash(_("The delivery will be sent again."), "success")
    return redirect(url_for("webhooks.deliveries", endpoint_id=copy.endpoint_id))


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    subscribe_to_billing()
    add_nav(
        app,
        NavItem(
            "webhooks.index",
            _l("Webhooks"),
            section="staff",
            order=90,
            visible=lambda user: has_permission(user, PERMISSION),
            menu="settings",
        ),
    )

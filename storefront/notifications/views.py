"""The customer's notifications page (``/notifications``), marking them read, their settings
(``/notifications/settings``) and the unread count in the navigation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from storefront.accounts.guards import (
    current_customer,
    customer_required,
    signed_in_customer,
    staff_page,
)
from storefront.accounts.models import Staff
from storefront.accounts.permissions import has_permission
from storefront.accounts.principals import current_principal
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.notifications import services
from storefront.notifications.events import optional_events
from storefront.notifications.forms import ActionForm, SettingsForm, StoreSettingsForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
staff_bp = Blueprint("notifications_staff", __name__)


@bp.get("")
@customer_required
def index() -> ResponseReturnValue:
    customer = current_customer()
    try:
        rows, next_cursor = services.page(customer, request.args.get("cursor"), 20)
    except services.InvalidCursor:
        abort(404)
    items = [(n, *services.texts(n.event, n.params)) for n in rows]
    next_url = url_for("notifications.index", cursor=next_cursor) if next_cursor else None
    return render_template(
        "notifications/index.html",
        items=items,
        next_url=next_url,
        unread=services.unread_count(customer),
        form=ActionForm(),
    )


@bp.post("/<id:notification_id>/read")
@customer_required
def read_one(notification_id: int) -> ResponseReturnValue:
    customer = current_customer()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if services.find(customer, notification_id) is None:
        abort(404)
    services.mark_read(customer, [notification_id])
    db.session.commit()
    return redirect(url_for("notifications.index", cursor=request.args.get("cursor") or None))


@bp.post("/read-all")
@customer_required
def read_all() -> ResponseReturnValue:
    customer = current_customer()
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_read(customer)
    db.session.commit()
    flash(_l("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@customer_required
def settings() -> ResponseReturnValue:
    customer = current_customer()
    optional = optional_events()
    form = SettingsForm()
    form.mail.choices = [(name, str(e.label or name)) for name, e in optional]
    pref = services.preference(customer)
    muted = set(pref.muted or []) if pref else set()
    if request.method == "GET":
        form.mail.data = [name for name, _ in optional if name not in muted]
        if pref is not None and pref.low_balance_threshold is not None:
            form.low_balance_threshold.data = str(pref.low_balance_threshold)
    elif form.validate_on_submit():
        wanted = set(form.mail.data or [])
        saved = _save_threshold(
            form,
            lambda: services.set_preferences(
                customer,
                muted=[name for name, _ in optional if name not in wanted],
                threshold=form.low_balance_threshold.data,
            ),
            done=_l("Your notification settings are saved."),
            to=url_for("notifications.settings"),
        )
        if saved is not None:
            return saved
    return render_template(
        "notifications/settings.html",
        form=form,
        store_threshold=services.store_threshold(customer.store_id),
    )


@staff_bp.route("/staff/notifications", methods=["GET", "POST"])
@staff_page("billing.settings")
def staff_settings() -> ResponseReturnValue:
    """The store's low-balance threshold for its customers."""
    staff = current_principal()
    assert isinstance(staff, Staff)
    form = StoreSettingsForm()
    if request.method == "GET":
        value = services.store_threshold(staff.store_id)
        form.low_balance_threshold.data = "" if value is None else str(value)
    elif form.validate_on_submit():
        saved = _save_threshold(
            form,
            lambda: services.set_store_threshold(
                staff.store_id, form.low_balance_threshold.data, actor=staff
            ),
            done=_l("Notification settings saved."),
            to=url_for("notifications_staff.staff_settings"),
        )
        if saved is not None:
            return saved
    return render_template("notifications/staff_settings.html", form=form)


def _save_threshold(
    form: SettingsForm | StoreSettingsForm, save: Callable[[], object], *, done: str, to: str
) -> ResponseReturnValue | None:
    """Run ``save``, the edge of its transaction: committed, ``done`` flashed and the browser
    sent to ``to``; or, when the low-balance threshold is refused, rolled back with the error
    under that field and ``None`` (the caller shows the form again)."""
    try:
        save()
    except services.InvalidPreference:
        db.session.rollback()
        form.low_balance_threshold.errors = [
            str(_l("Enter an amount such as 100.00 (at most 100,000,000), or leave it empty."))
        ]
        return None
    db.session.commit()
    flash(done, "success")
    return redirect(to)


def _may_set(user: Any) -> bool:
    return isinstance(user, Staff) and has_permission(user, "billing.settings")


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    services.subscribe_to_billing()
    app.register_blueprint(staff_bp)
    add_nav(
        app,
        NavItem(
            "notifications_staff.staff_settings",
            _l("Notifications"),
            section="staff",
            order=62,
            visible=_may_set,
            menu="settings",
        ),
    )

    @app.context_processor
    def inject_unread() -> dict[str, object]:
        def unread() -> int | None:
            """The customer's unread count (``None`` for anyone else)."""
            customer = signed_in_customer()
            return services.unread_count(customer) if customer is not None else None

        return {"notifications_unread": unread}

"""Partner pages under ``/admin/partners`` (staff) and the public invitation page ``/join``.

Each staff view declares its partner permission with ``@partner_page("…")``; the service it
calls checks the same permission again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.accounts.permissions import DISTRIBUTOR_SCOPE, has_permission
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.partners import distributor_views, forms, services, workspace_views
from storefront.partners.errors import PartnersError
from storefront.partners.pages import bp, field_error, public
from storefront.partners.settings import partner_settings
from storefront.stores.models import Store

ROUTES = (workspace_views, distributor_views)  # their routes join ``bp`` when imported


# --------------------------------------------------------------------------- public: join


@public.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> ResponseReturnValue:
    try:
        invitation = services.open_invitation(token)
    except PartnersError as exc:
        return render_template("partners/join_closed.html", message=str(exc)), 410
    if request.method == "GET":
        form = forms.JoinForm(
            formdata=None,
            data={"company_name": invitation.company_name, "owner_email": invitation.email},
        )
        return render_template("partners/join.html", invitation=invitation, form=form, error=None)
    form = forms.JoinForm()
    error = None
    if form.validate():
        try:
            reseller = services.accept(
                token,
                services.Acceptance(
                    company_name=form.company_name.data or "",
                    store_name=form.store_name.data or "",
                    slug=form.slug.data or "",
                    domain=form.domain.data or "",
                    owner_email=form.owner_email.data or "",
                    password=form.password.data or "",
                ),
            )
        except PartnersError as exc:
            db.session.rollback()
            if not field_error(form, exc):
                error = str(exc)
        else:
            db.session.commit()
            with suppress(PartnersError):  # else "not linked" on the distributor's page
                services.link_provider(reseller)
                db.session.commit()
            store = db.session.get(Store, reseller.store_id)
            assert store is not None
            return render_template("partners/join_done.html", store=store)
    return render_template("partners/join.html", invitation=invitation, form=form, error=error), 422


def _visible(permission: str) -> Callable[[Any], bool]:
    def check(user: Any) -> bool:
        if permission in DISTRIBUTOR_SCOPE and not partner_settings().is_distributor:
            return False
        return has_permission(user, permission)

    return check


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public)
    add_nav(app, NavItem("partners.home", _l("Partner"), "staff", 110, _visible("workspace.view")))
    add_nav(
        app,
        NavItem("partners.resellers", _l("Resellers"), "staff", 120, _visible("resellers.view")),
    )
    app.jinja_env.globals.update(partner_can=_partner_can)


def _partner_can(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    permission = getattr(view, "permission", None)
    if not isinstance(permission, str):
        return False
    return _visible(permission)(current_user)

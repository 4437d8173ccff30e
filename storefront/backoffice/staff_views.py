"""Back-office pages for the store's staff: members, roles, deactivation, the two-factor
requirement (permission ``staff.manage``)."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from storefront.accounts import services as accounts
from storefront.accounts.guards import staff_page
from storefront.accounts.models import Staff
from storefront.backoffice import forms, staff_members
from storefront.backoffice.blueprint import (
    acting_staff,
    bp,
    client_ip,
)
from storefront.backoffice.errors import NotFound
from storefront.backoffice.form_views import button_post, form_post
from storefront.extensions import db


def _staff_page(form: forms.StaffForm | None = None) -> str:
    staff = acting_staff()
    return render_template(
        "backoffice/staff.html",
        members=staff_members.list_staff(staff),
        form=form or forms.StaffForm(prefix="new"),
        role_form=forms.RoleForm(),
        role_labels=forms.ROLE_LABELS,
        empty=forms.EmptyForm(),
        security_form=forms.SecurityForm(
            staff_2fa_required=accounts.staff_2fa_required(staff.store_id)
        ),
        me=staff,
    )


@bp.get("/staff")
@staff_page("staff.manage")
def staff_list() -> ResponseReturnValue:
    return _staff_page()


@bp.post("/staff")
@staff_page("staff.manage")
def staff_create() -> ResponseReturnValue:
    form = forms.StaffForm(prefix="new")
    return form_post(
        form,
        lambda: _staff_page(form),
        lambda: staff_members.create_staff(
            acting_staff(),
            email=form.email.data or "",
            name=form.name.data or "",
            role=form.role.data or "",
            password=form.password.data or "",
            ip=client_ip(),
        ),
        done=_l("Staff member added. Give them their initial password in person."),
        to=url_for("backoffice.staff_list"),
    )


def _member(staff_id: int) -> Staff:
    try:
        return staff_members.get_staff(acting_staff(), staff_id)
    except NotFound:
        abort(404)


@bp.post("/staff/<id:staff_id>/role")
@staff_page("staff.manage")
def staff_role(staff_id: int) -> ResponseReturnValue:
    member = _member(staff_id)
    form = forms.RoleForm()
    return button_post(
        form.validate_on_submit(),
        lambda: staff_members.change_role(
            acting_staff(), member, form.role.data or "", client_ip()
        ),
        done=_l("Role changed."),
        to=url_for("backoffice.staff_list"),
    )


@bp.post("/staff/<id:staff_id>/active")
@staff_page("staff.manage")
def staff_active(staff_id: int) -> ResponseReturnValue:
    member = _member(staff_id)
    return button_post(
        forms.EmptyForm().validate_on_submit(),
        lambda: staff_members.set_staff_active(
            acting_staff(), member, request.form.get("active") == "1", client_ip()
        ),
        done=_l("Staff member updated."),
        to=url_for("backoffice.staff_list"),
    )


@bp.post("/security")
@staff_page("staff.manage")
def security() -> ResponseReturnValue:
    form = forms.SecurityForm()
    if form.validate_on_submit():
        staff_members.set_staff_2fa(acting_staff(), bool(form.staff_2fa_required.data), client_ip())
        db.session.commit()
        flash(_l("Security settings saved."))
    return redirect(url_for("backoffice.staff_list"))

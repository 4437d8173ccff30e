"""Staff pages for customer groups: create, rename, members, delete."""

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
from flask_babel import gettext as _
from flask_babel import ngettext

from storefront.accounts.guards import current_staff, staff_page
from storefront.catalog import groups, services
from storefront.catalog.forms import (
    ConfirmForm,
    GroupForm,
    MemberForm,
)
from storefront.catalog.models import CustomerGroup
from storefront.catalog.pages import bp
from storefront.extensions import db
from storefront.routing import parse_id

# --------------------------------------------------------------------------- customer groups


def _page_after() -> int | None:
    return request.args.get("after", type=int)


@bp.route("/staff/customer-groups", methods=["GET", "POST"])
@staff_page("pricing.manage")
def staff_groups() -> ResponseReturnValue:
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = groups.create_group(current_staff(), form.name.data or "")
            db.session.commit()
            flash(_("Group %(name)s created.", name=group.name), "success")
            return redirect(url_for("catalog.staff_group", group_id=group.id))
        except services.CatalogError as exc:
            db.session.rollback()
            form.name.errors = [exc.fields.get("name", exc.message)]
    rows, next_after = groups.list_groups(after=_page_after())
    return render_template(
        "catalog/staff_groups.html",
        form=form,
        rows=rows,
        first_page=_page_after() is None,
        next_url=url_for("catalog.staff_groups", after=next_after) if next_after else None,
    )


def _group_or_404(group_id: int) -> CustomerGroup:
    group = groups.get_group(group_id)
    if group is None:
        abort(404)
    return group


def _group_page(group: CustomerGroup, rename: GroupForm | None = None) -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    members, next_after = groups.members(group.id, after=_page_after())
    return render_template(
        "catalog/staff_group.html",
        group=group,
        rename=rename or GroupForm(name=group.name),
        members=members,
        first_page=_page_after() is None,
        next_url=(
            url_for("catalog.staff_group", group_id=group.id, after=next_after)
            if next_after
            else None
        ),
        q=q,
        results=groups.search_customers(group.id, q) if q else None,
        rules=groups.group_rules(group.id),
        member_form=MemberForm(),
    )


@bp.get("/staff/customer-groups/<id:group_id>")
@staff_page("pricing.manage")
def staff_group(group_id: int) -> ResponseReturnValue:
    return _group_page(_group_or_404(group_id))


@bp.post("/staff/customer-groups/<id:group_id>/rename")
@staff_page("pricing.manage")
def staff_group_rename(group_id: int) -> ResponseReturnValue:
    group = _group_or_404(group_id)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            groups.rename_group(current_staff(), group, form.name.data or "")
            db.session.commit()
            flash(_("Group renamed."), "success")
            return redirect(url_for("catalog.staff_group", group_id=group.id))
        except services.CatalogError as exc:
            db.session.rollback()
            group = _group_or_404(group_id)
            form.name.errors = [exc.fields.get("name", exc.message)]
    return _group_page(group, rename=form)


@bp.post("/staff/customer-groups/<id:group_id>/members")
@staff_page("pricing.manage")
def staff_group_add(group_id: int) -> ResponseReturnValue:
    group = _group_or_404(group_id)
    form = MemberForm()
    customer_id = parse_id(form.customer_id.data)
    if not form.validate_on_submit() or customer_id is None:
        flash(_("Choose a customer from the search results."), "error")
    else:
        try:
            added = groups.add_member(current_staff(), group, customer_id)
            db.session.commit()
            flash(
                _("Customer added to the group.") if added else _("Already in the group."),
                "success",
            )
        except services.CatalogError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("catalog.staff_group", group_id=group_id, q=request.args.get("q")))


@bp.post("/staff/customer-groups/<id:group_id>/members/remove")
@staff_page("pricing.manage")
def staff_group_remove(group_id: int) -> ResponseReturnValue:
    group = _group_or_404(group_id)
    form = MemberForm()
    customer_id = parse_id(form.customer_id.data)
    if form.validate_on_submit() and customer_id is not None:
        if groups.remove_member(current_staff(), group, customer_id):
            db.session.commit()
            flash(_("Customer removed from the group."), "success")
    else:
        flash(_("Choose a customer to remove."), "error")
    return redirect(url_for("catalog.staff_group", group_id=group_id))


@bp.route("/staff/customer-groups/<id:group_id>/delete", methods=["GET", "POST"])
@staff_page("pricing.manage")
def staff_group_delete(group_id: int) -> ResponseReturnValue:
    group = _group_or_404(group_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = group.name
        removed = groups.delete_group(current_staff(), group)
        db.session.commit()
        flash(
            ngettext(
                "Group %(name)s deleted, with the %(num)d price rule that targeted it.",
                "Group %(name)s deleted, with the %(num)d price rules that targeted it.",
                removed,
                name=name,
            )
            if removed
            else _("Group %(name)s deleted.", name=name),
            "success",
        )
        return redirect(url_for("catalog.staff_groups"))
    members, _more = groups.members(group.id, limit=1)
    return render_template(
        "catalog/staff_group_delete.html",
        group=group,
        form=form,
        rules=groups.group_rules(group.id),
        has_members=bool(members),
    )

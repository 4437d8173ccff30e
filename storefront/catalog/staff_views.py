"""Staff pages for prices: rules and their preview, visibility, and product descriptions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
from flask_login import current_user
from sqlalchemy import select

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.permissions import has_permission
from storefront.catalog import descriptions, rule_preview, services
from storefront.catalog.forms import (
    DescriptionForm,
    PriceRuleForm,
    VisibilityForm,
    options,
)
from storefront.catalog.models import PriceRule, ProductText
from storefront.catalog.pages import bp, chosen_region, page_locale
from storefront.catalog.pricing import BillingMode
from storefront.extensions import db
from storefront.stores.tenancy import current_store

# --------------------------------------------------------------------------- staff


def _rule_fields(form: PriceRuleForm) -> dict[str, Any]:
    return {
        "kind": form.kind.data or "markup",
        "adjustment": form.adjustment.data or "percent",
        "value": Decimal(form.value.data or 0),
        "product_code": form.product_code.data or None,
        "spec_code": (form.spec_code.data or "").strip() or None,
        "group_id": int(form.group_id.data) if form.group_id.data else None,
        "allow_below_cost": bool(form.allow_below_cost.data),
    }


def _preview_mode() -> BillingMode:
    wanted = request.args.get("mode", "monthly")
    return BillingMode(wanted) if wanted in {m.value for m in BillingMode} else BillingMode.MONTHLY


def _submitted_rule(
    form: PriceRuleForm, region: str | None
) -> tuple[ResponseReturnValue | None, rule_preview.RulePreview | None]:
    """Preview the rule (button "Preview rule", or "Add rule" for a rule that warns and whose
    preview was not shown yet), or save it and answer with the redirect."""
    fields = _rule_fields(form)
    found = None
    if region is not None:
        candidate = rule_preview.candidate_rule(**fields, rules=services.store_rules())
        found = rule_preview.preview_rule(candidate, region, _preview_mode())
    seen = "|".join(str(v) for v in fields.values())  # the rule whose warnings were shown
    if form.preview.data or (found is not None and found.warns and form.acknowledged.data != seen):
        form.acknowledged.data = seen
        return None, found
    try:
        services.add_rule(current_staff(), **fields)
        db.session.commit()
    except services.CatalogError as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            getattr(form, name).errors = [message]
        return None, None
    flash(_("Price rule added."), "success")
    args: dict[str, Any] = {
        k: request.args[k] for k in ("region", "mode", "group") if request.args.get(k)
    }
    return redirect(url_for("catalog.staff_pricing", **args)), None


@bp.route("/staff/pricing", methods=["GET", "POST"])
@staff_page("pricing.manage")
def staff_pricing() -> ResponseReturnValue:
    hid = services.hidden()
    groups = services.customer_groups()
    form = PriceRuleForm()
    form.product_code.choices = options(
        [("", _("All products")), *((p.code, p.code.upper()) for p in services.products(hid))]
    )
    form.group_id.choices = options([("", _("Everyone")), *((str(g.id), g.name) for g in groups)])
    regions, region = chosen_region(hid)
    mode = _preview_mode()
    candidate = None
    if form.validate_on_submit():
        done, candidate = _submitted_rule(form, region)
        if done is not None:
            return done
    group = request.args.get("group", type=int)
    if group is not None and group not in {g.id for g in groups}:
        group = None
    rows = services.preview(region, mode, group=group) if region else []
    rules = db.session.scalars(select(PriceRule).order_by(PriceRule.id)).all()
    if group is not None:  # filtered to a group: its rules and those for everyone
        rules = [r for r in rules if r.group_id in (None, group)]
    return render_template(
        "catalog/staff_pricing.html",
        form=form,
        candidate=candidate,
        rules=rules,
        rows=rows,
        regions=regions,
        region=region,
        mode=mode,
        modes=list(BillingMode),
        groups=groups,
        group=group,
        group_names={g.id: g.name for g in groups},
        can_edit_descriptions=has_permission(current_user, descriptions.PERMISSION),
        stale_rows=services.stale_count(),
        hidden=hid,
        visibility_items=[
            *(
                ("product", p.code, services.localized(p, "name", page_locale()))
                for p in services.products(services.Hidden())
            ),
            *(
                ("region", r.code, services.localized(r, "name", page_locale()))
                for r in services.regions(services.Hidden())
            ),
        ],
        visibility_form=VisibilityForm(),
    )


@bp.post("/staff/pricing/rules/<id:rule_id>/delete")
@staff_page("pricing.manage")
def staff_delete_rule(rule_id: int) -> ResponseReturnValue:
    form = VisibilityForm(kind="rule", code=str(rule_id))
    if not form.validate_on_submit():
        abort(400)
    if not services.delete_rule(current_staff(), rule_id):
        abort(404)
    db.session.commit()
    flash(_("Price rule removed."), "success")
    return redirect(url_for("catalog.staff_pricing"))


@bp.post("/staff/catalog/visibility")
@staff_page("pricing.manage")
def staff_visibility() -> ResponseReturnValue:
    form = VisibilityForm()
    if not form.validate_on_submit() or form.kind.data not in ("product", "region", "spec"):
        abort(400)
    services.set_hidden(
        current_staff(), form.kind.data, form.code.data or "", form.hide.data == "1"
    )
    db.session.commit()
    return redirect(url_for("catalog.staff_pricing", region=request.args.get("region")))


# --------------------------------------------------------------------------- descriptions


@bp.get("/staff/catalog/descriptions")
@staff_page(descriptions.PERMISSION)
def staff_descriptions() -> ResponseReturnValue:
    rows = descriptions.store_texts()
    return render_template(
        "catalog/staff_descriptions.html",
        products=services.products(services.Hidden()),
        rows=rows,
        localized=services.localized,
        locale=page_locale(),
    )


@bp.route("/staff/catalog/products/<code>/description", methods=["GET", "POST"])
@staff_page(descriptions.PERMISSION)
def staff_description(code: str) -> ResponseReturnValue:
    product = services.product(code, services.Hidden())
    if product is None:
        abort(404)
    row = descriptions.store_text(code)
    form = DescriptionForm(
        description=row.description if row else "",
        description_zh=row.description_zh if row else "",
    )
    store = current_store()
    preview = None
    if form.validate_on_submit():
        en, zh = form.description.data or "", form.description_zh.data or ""
        if form.save.data:
            try:
                descriptions.save(current_staff(), product, en, zh)
                db.session.commit()
                flash(_("Description saved."), "success")
                return redirect(url_for("catalog.staff_description", code=code))
            except services.CatalogError as exc:
                db.session.rollback()
                for name, message in exc.fields.items():
                    getattr(form, name).errors = [message]
        else:
            for name, message in descriptions.check(en, zh).items():
                getattr(form, name).errors = [message]
        if not form.errors:
            draft = ProductText(description=en.strip(), description_zh=zh.strip())
            preview = {
                lang: descriptions.render(descriptions.source_for(product, lang, draft), store)
                for lang in ("en", "zh_Hans_CN")
            }
    return render_template(
        "catalog/staff_description.html",
        product=product,
        form=form,
        preview=preview,
        defaults={
            "en": descriptions.render(product.description, store),
            "zh": descriptions.render(product.description_zh, store),
        },
        localized=services.localized,
        locale=page_locale(),
    )

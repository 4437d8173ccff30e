"""Product pages, the price calculator, quotes, and staff pricing pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in
from markupsafe import Markup
from sqlalchemy import select

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.catalog import descriptions, groups, rule_preview, services, snapshot
from storefront.catalog.calculator_input import basket_items
from storefront.catalog.forms import (
    ConfirmForm,
    DescriptionForm,
    GroupForm,
    MemberForm,
    PriceRuleForm,
    VisibilityForm,
    options,
)
from storefront.catalog.models import CustomerGroup, PriceRule, ProductText
from storefront.catalog.owner import owner_key, transfer_to
from storefront.catalog.pricing import BillingMode
from storefront.catalog.starting_prices import price_text, starting_prices
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.routing import parse_id
from storefront.stores.tenancy import current_store, request_store

bp = Blueprint("catalog", __name__)


def _customer_id() -> int | None:
    user = current_user
    return int(user.id) if isinstance(user, Customer) and user.is_authenticated else None


def _locale() -> str:
    return str(get_locale() or "en")


# --------------------------------------------------------------------------- products


def _region(hid: services.Hidden) -> tuple[list[Any], str | None]:
    regions = services.regions(hid)
    codes = [r.code for r in regions]
    wanted = request.values.get("region")
    return regions, wanted if wanted in codes else (codes[0] if codes else None)


@bp.get("/products")
def product_list() -> ResponseReturnValue:
    hid = services.hidden()
    products = services.products(hid)
    store = request_store()
    return render_template(
        "catalog/products.html",
        products=products,
        descriptions={p.code: descriptions.for_visitor(p, _locale(), store) for p in products},
        localized=services.localized,
        locale=_locale(),
    )


FRAGMENTS = "catalog.fragments"
MAX_FRAGMENTS = 512


def _cached_fragment(key: tuple[Any, ...], render: Callable[[], str]) -> Markup:
    """A rendered piece of page kept per process under ``key``; keys carry the snapshot version,
    so a reload of the catalogue or of the store's rules retires every older fragment."""
    cache: dict[tuple[Any, ...], Markup] = current_app.extensions.setdefault(FRAGMENTS, {})
    found = cache.get(key)
    if found is None:
        found = Markup(render())  # noqa: S704 (autoescaped template output)
        if len(cache) >= MAX_FRAGMENTS:
            cache.clear()
        cache[key] = found
    return found


@bp.get("/products/<code>")
def product_page(code: str) -> ResponseReturnValue:
    hid = services.hidden()
    product = services.product(code, hid)
    if product is None:
        abort(404)
    regions, region = _region(hid)
    locale = _locale()
    customer_id = _customer_id()
    store = request_store()
    groups = services.groups_of(customer_id)
    key = (
        "product",
        snapshot.version(store.id),
        store.id,
        store.currency,
        code,
        region,
        locale,
        groups,
        request.script_root,
    )

    def render_body() -> str:
        specs = services.specs(code, region, hid) if region else []
        ctx = services.Context(hid, services.store_rules(), groups)
        prices = services.list_prices(region, specs, ctx) if region else {}
        return render_template(
            "catalog/_product_body.html",
            product=product,
            specs=specs,
            prices=prices,
            regions=regions,
            region=region,
            localized=services.localized,
            locale=locale,
        )

    return render_template(
        "catalog/product.html",
        product=product,
        description=descriptions.for_visitor(product, locale, store),
        can_edit_description=has_permission(current_user, descriptions.PERMISSION),
        body=_cached_fragment(key, render_body),
        localized=services.localized,
        locale=locale,
    )


# --------------------------------------------------------------------------- calculator


def _int_arg(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(values.get(name, default))
    except (TypeError, ValueError):
        value = default
    return min(max(value, low), high)


def _calculator_state(values: Mapping[str, str]) -> dict[str, Any]:
    hid = services.hidden()
    regions, region = _region(hid)
    specs = services.specs(region=region, hid=hid) if region else []
    by_product: dict[str, list[Any]] = {}
    for spec in specs:
        by_product.setdefault(spec.product_code, []).append(spec)
    return {
        "regions": regions,
        "region": region,
        "by_product": by_product,
        "months": _int_arg(values, "months", 1, 1, 9),
        "years": _int_arg(values, "years", 1, 1, 3),
    }


def _comparison(
    state: dict[str, Any], values: Mapping[str, str]
) -> tuple[services.Comparison | None, dict[str, str]]:
    invalid: dict[str, str] = {}
    items = basket_items(values, invalid)
    if invalid:
        return None, invalid
    if not state["region"] or not items:
        return None, {}
    try:
        comparison = services.compare_modes(
            state["region"],
            items,
            services.load_context(_customer_id()),
            months=state["months"],
            years=state["years"],
        )
    except services.CatalogError as exc:
        return None, exc.fields or {"": exc.message}
    return comparison, {}


@bp.get("/calculator")
def calculator() -> ResponseReturnValue:
    values: dict[str, str] = dict(request.args.items())
    state = _calculator_state(values)
    if "ecs_spec" not in values:
        ecs = state["by_product"].get("ecs") or []
        values.update(ecs_spec=ecs[0].code if ecs else "", evs_spec="", eip_spec="")
    comparison, errors = _comparison(state, values)
    return render_template(
        "catalog/calculator.html", values=values, comparison=comparison, errors=errors, **state
    )


@bp.post("/calculator/price")
def calculator_price() -> ResponseReturnValue:
    values = request.form.to_dict()
    state = _calculator_state(values)
    comparison, errors = _comparison(state, values)
    return render_template(
        "catalog/_comparison.html", comparison=comparison, errors=errors, **state
    )


@bp.post("/calculator/quote")
def calculator_quote() -> ResponseReturnValue:
    values = request.form.to_dict()
    state = _calculator_state(values)
    mode = request.form.get("billing_mode", "")
    if mode not in {m.value for m in BillingMode} or not state["region"]:
        abort(400)
    period = None if mode == "on_demand" else state["months" if mode == "monthly" else "years"]
    invalid: dict[str, str] = {}
    req = services.QuoteRequest(
        state["region"], BillingMode(mode), period, tuple(basket_items(values, invalid))
    )
    customer_id = _customer_id()
    try:
        if invalid:
            raise services.CatalogError(_("Check these values:"), fields=invalid)
        quote = services.create_quote(
            req,
            customer_id=customer_id,
            session_key=None if customer_id is not None else owner_key(create=True),
        )
    except services.CatalogError as exc:
        flash(exc.message + " " + " ".join(exc.fields.values()), "error")
        keep = {k: v for k, v in values.items() if k not in ("csrf_token", "billing_mode")}
        return redirect(url_for("catalog.calculator") + "?" + urlencode(keep))
    db.session.commit()
    return redirect(url_for("catalog.quote_page", quote_id=quote.id))


@bp.get("/quotes/<quote_id>")
def quote_page(quote_id: str) -> ResponseReturnValue:
    quote = services.find_quote(
        quote_id, customer_id=_customer_id(), session_key=owner_key(create=False)
    )
    if quote is None:
        abort(404)
    checkout = "billing.checkout" in current_app.view_functions
    return render_template(
        "catalog/quote.html",
        quote=quote,
        expired=services.is_expired(quote),
        checkout_url=url_for("billing.checkout", quote_id=quote.id) if checkout else None,
        logged_in=_customer_id() is not None,
    )


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
    regions, region = _region(hid)
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
                ("product", p.code, services.localized(p, "name", _locale()))
                for p in services.products(services.Hidden())
            ),
            *(
                ("region", r.code, services.localized(r, "name", _locale()))
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
        locale=_locale(),
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
        locale=_locale(),
    )


def _adopt_quotes(sender: Flask, user: Any, **extra: Any) -> None:
    """At login (and registration), the visitor's quotes become the customer's."""
    if isinstance(user, Customer) and transfer_to(int(user.id), user.store_id):
        db.session.commit()


def register(app: Flask) -> None:
    user_logged_in.connect(_adopt_quotes, app)
    snapshot.install()
    descriptions.install()
    app.register_blueprint(bp)
    app.add_template_global(lambda spec: services.spec_name(spec, _locale()), "spec_name")
    app.add_template_global(lambda spec: services.spec_family(spec, _locale()), "spec_family")
    app.add_template_global(
        lambda product, spec: services.spec_label(product, spec, _locale()), "spec_label"
    )
    app.add_template_global(starting_prices, "starting_prices")  # the home page's cards
    app.add_template_global(price_text, "starting_price_text")
    add_nav(app, NavItem("catalog.product_list", _l("Products"), order=10))
    add_nav(app, NavItem("catalog.calculator", _l("Price calculator"), order=20))
    add_nav(
        app,
        NavItem(
            "catalog.staff_pricing",
            _l("Pricing"),
            section="staff",
            order=30,
            visible=lambda user: has_permission(user, "pricing.manage"),
        ),
    )

"""Product pages, the price calculator, quotes, and staff pricing pages."""

from __future__ import annotations

import secrets
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
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.catalog import services, snapshot
from storefront.catalog.forms import PriceRuleForm, VisibilityForm, options
from storefront.catalog.models import PriceRule
from storefront.catalog.pricing import BillingMode
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.stores.tenancy import current_store

bp = Blueprint("catalog", __name__)
SESSION_KEY = "catalog_quote_owner"


def session_owner_key(create: bool) -> str | None:
    """The anonymous requester's quote key, kept in the (signed) session cookie."""
    key: str | None = session.get(SESSION_KEY)
    if key is None and create:
        key = session[SESSION_KEY] = secrets.token_urlsafe(24)
    return key


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
    return render_template(
        "catalog/products.html",
        products=services.products(hid),
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
    store = current_store()
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


def _basket_items(values: Mapping[str, str]) -> list[services.ItemRequest]:
    items = []
    ecs = values.get("ecs_spec")
    if ecs:
        items.append(services.ItemRequest("ecs", ecs, _int_arg(values, "ecs_quantity", 1, 1, 500)))
    evs = values.get("evs_spec")
    if evs:
        quantity = _int_arg(values, "evs_quantity", 1, 1, 500)
        size = _int_arg(values, "evs_size", 40, 0, 10**6)
        items.append(services.ItemRequest("evs", evs, quantity, size))
    eip = values.get("eip_spec")
    if eip:
        bandwidth = _int_arg(values, "eip_bandwidth", 5, 0, 10**6)
        items.append(services.ItemRequest("eip", eip, 1, bandwidth))
    return items


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
    items = _basket_items(values)
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
    req = services.QuoteRequest(
        state["region"], BillingMode(mode), period, tuple(_basket_items(values))
    )
    customer_id = _customer_id()
    try:
        quote = services.create_quote(
            req,
            customer_id=customer_id,
            session_key=None if customer_id is not None else session_owner_key(create=True),
        )
    except services.CatalogError as exc:
        flash(exc.message + " " + " ".join(exc.fields.values()), "error")
        keep = {k: v for k, v in values.items() if k not in ("csrf_token", "billing_mode")}
        return redirect(url_for("catalog.calculator") + "?" + urlencode(keep))
    return redirect(url_for("catalog.quote_page", quote_id=quote.id))


@bp.get("/quotes/<quote_id>")
def quote_page(quote_id: str) -> ResponseReturnValue:
    quote = services.find_quote(
        quote_id, customer_id=_customer_id(), session_key=session_owner_key(create=False)
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
    if form.validate_on_submit():
        try:
            services.add_rule(
                current_staff(),
                kind=form.kind.data or "markup",
                adjustment=form.adjustment.data or "percent",
                value=Decimal(form.value.data or 0),
                product_code=form.product_code.data or None,
                spec_code=(form.spec_code.data or "").strip() or None,
                group_id=int(form.group_id.data) if form.group_id.data else None,
                allow_below_cost=bool(form.allow_below_cost.data),
            )
            db.session.commit()
            flash(_("Price rule added."), "success")
            return redirect(url_for("catalog.staff_pricing", region=request.args.get("region")))
        except services.CatalogError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors = [message]
    regions, region = _region(hid)
    mode = (
        BillingMode(request.args.get("mode", "monthly"))
        if request.args.get("mode") in {m.value for m in BillingMode}
        else BillingMode.MONTHLY
    )
    group = request.args.get("group", type=int)
    rows = services.preview(region, mode, group=group) if region else []
    rules = db.session.scalars(select(PriceRule).order_by(PriceRule.id)).all()
    return render_template(
        "catalog/staff_pricing.html",
        form=form,
        rules=rules,
        rows=rows,
        regions=regions,
        region=region,
        mode=mode,
        modes=list(BillingMode),
        groups=groups,
        group=group,
        stale_rows=services.stale_count(),
        hidden=hid,
        visibility_items=[
            *(("product", p.code, p.name) for p in services.products(services.Hidden())),
            *(("region", r.code, r.name) for r in services.regions(services.Hidden())),
        ],
        visibility_form=VisibilityForm(),
    )


@bp.post("/staff/pricing/rules/<int:rule_id>/delete")
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


def register(app: Flask) -> None:
    snapshot.install()
    app.register_blueprint(bp)
    add_nav(app, NavItem("catalog.product_list", _l("Products"), order=10))
    add_nav(app, NavItem("catalog.calculator", _l("Price calculator"), order=20))
    add_nav(
        app,
        NavItem(
            "catalog.staff_pricing",
            _l("Pricing"),
            order=80,
            visible=lambda user: has_permission(user, "pricing.manage"),
        ),
    )

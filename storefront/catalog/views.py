"""Product pages, the price calculator and quotes; the catalogue's pages register here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import (
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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in
from markupsafe import Markup

from storefront import caching
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.catalog import (
    descriptions,
    group_views,
    services,
    snapshot,
    staff_views,
)
from storefront.catalog.calculator_input import basket_items
from storefront.catalog.owner import owner_key, transfer_to
from storefront.catalog.pages import bp, chosen_region, page_locale, visitor_id
from storefront.catalog.pricing import BillingMode
from storefront.catalog.starting_prices import price_text, starting_prices
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.servers import pickers
from storefront.stores.tenancy import request_store

ROUTES = (staff_views, group_views)  # their routes join ``bp`` when imported


# --------------------------------------------------------------------------- products


@bp.get("/products")
def product_list() -> ResponseReturnValue:
    hid = services.hidden()
    products = services.products(hid)
    store = request_store()
    return render_template(
        "catalog/products.html",
        products=products,
        descriptions={p.code: descriptions.for_visitor(p, page_locale(), store) for p in products},
        localized=services.localized,
        locale=page_locale(),
    )


SPECS_PER_PAGE = 24  # a region offers up to ~1,000 flavours: the page shows them in pages
FRAGMENT_BYTES = 32 * 1024 * 1024
FRAGMENTS: caching.Cache[Markup] = caching.Cache(
    "catalog.fragments", tables=(), limit=FRAGMENT_BYTES, size=len,
    seconds=None,  # keyed by the versions it is made from
)  # fmt: skip


def _cached_fragment(key: tuple[Any, ...], render: Callable[[], str]) -> Markup:
    """A rendered piece of page kept per process under ``key`` (at most ``FRAGMENT_BYTES`` of
    them, least recently used dropped first); keys carry the snapshot version, so a refresh of
    the catalogue or a change of the store's rules retires every older fragment."""
    return FRAGMENTS.get(key, lambda: Markup(render()))  # noqa: S704 (autoescaped template output)


@bp.get("/products/<code>")
def product_page(code: str) -> ResponseReturnValue:
    hid = services.hidden()
    product = services.product(code, hid)
    if product is None:
        abort(404)
    regions, region = chosen_region(hid)
    locale = page_locale()
    customer_id = visitor_id()
    store = request_store()
    groups = services.groups_of(customer_id)
    page = _int_arg(request.args, "page", 1, 1, 10_000)
    key = (
        "product",
        snapshot.version(store.id),  # stores with the same rules share the fragment
        store.currency,
        code,
        region,
        locale,
        groups,
        request.script_root,
        page,
    )

    def render_body() -> str:
        offered = services.specs(code, region, hid) if region else []
        pages = max(1, -(-len(offered) // SPECS_PER_PAGE))
        shown = min(page, pages)
        specs = offered[(shown - 1) * SPECS_PER_PAGE : shown * SPECS_PER_PAGE]
        ctx = services.Context(hid, services.store_rules(), groups)
        prices = services.list_prices(region, specs, ctx) if region else {}
        return render_template(
            "catalog/_product_body.html",
            product=product,
            specs=specs,
            page=shown,
            pages=pages,
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
    regions, region = chosen_region(hid)
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
    if not invalid:  # the server's image, zone and system disk (#17)
        invalid = pickers.problems(state["region"], values)
    if invalid:
        return None, invalid
    if not state["region"] or not items:
        return None, {}
    try:
        comparison = services.compare_modes(
            state["region"],
            items,
            services.load_context(visitor_id()),
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
        "catalog/calculator.html",
        values=values,
        comparison=comparison,
        errors=errors,
        server=pickers.options(state["region"], values),
        **state,
    )


@bp.get("/calculator/server")
def calculator_server() -> ResponseReturnValue:
    """The server's image, zone and system disk fields for the chosen flavour (#17)."""
    values: dict[str, str] = dict(request.args.items())
    state = _calculator_state(values)
    page = render_template(
        "servers/_calculator_server.html",
        values=values,
        server=pickers.options(state["region"], values),
        **state,
    )
    return page, {"HX-Trigger-After-Settle": "server-parts"}  # the prices follow the new fields


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
    items = basket_items(values, invalid)
    req = services.QuoteRequest(state["region"], BillingMode(mode), period, tuple(items))
    customer_id = visitor_id()
    try:
        invalid = invalid or pickers.problems(state["region"], values)
        if invalid:
            raise services.CatalogError(_("Check these values:"), fields=invalid)
        quote = services.create_quote(
            req,
            customer_id=customer_id,
            session_key=None if customer_id is not None else owner_key(create=True),
        )
        pickers.record(quote.id, values, items)  # image, zone, system disk (#17)
    except services.CatalogError as exc:
        flash(exc.message + " " + " ".join(exc.fields.values()), "error")
        keep = {k: v for k, v in values.items() if k not in ("csrf_token", "billing_mode")}
        return redirect(url_for("catalog.calculator") + "?" + urlencode(keep))
    db.session.commit()
    return redirect(url_for("catalog.quote_page", quote_id=quote.id))


@bp.get("/quotes/<quote_id>")
def quote_page(quote_id: str) -> ResponseReturnValue:
    quote = services.find_quote(
        quote_id, customer_id=visitor_id(), session_key=owner_key(create=False)
    )
    if quote is None:
        abort(404)
    checkout = "billing.checkout" in current_app.view_functions
    return render_template(
        "catalog/quote.html",
        quote=quote,
        expired=services.is_expired(quote),
        checkout_url=url_for("billing.checkout", quote_id=quote.id) if checkout else None,
        logged_in=visitor_id() is not None,
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
    app.add_template_global(lambda spec: services.spec_name(spec, page_locale()), "spec_name")
    app.add_template_global(lambda spec: services.spec_family(spec, page_locale()), "spec_family")
    app.add_template_global(
        lambda product, spec: services.spec_label(product, spec, page_locale()), "spec_label"
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

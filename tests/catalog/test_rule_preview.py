"""Pricing rules say what they do: a preview of the prices and margins before saving, and a
warning when a rule sells below the list price or lowers today's price."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from storefront.accounts.models import StaffRole
from storefront.catalog.models import PriceBookEntry, PriceRule
from storefront.extensions import db
from tests.catalog.test_pages import csrf, login

URL = "/staff/pricing?region=cn-north-4&mode=monthly"


def _post(client: Any, **fields: str) -> Any:
    data = {
        "product_code": "ecs",
        "spec_code": "s6.large.2.linux",
        "group_id": "",
        "kind": "markup",
        "adjustment": "percent",
        "value": "10",
        **fields,
    }
    return client.post(URL, headers=csrf(client, URL), data=data)


def _cost_below_list(app: Any) -> None:
    """The provider discounts this spec to the partner: its cost is 90 % of the list price
    (partner-key ratings answer the list price, so the synced book has cost == list)."""
    with app.app_context():
        for entry in db.session.query(PriceBookEntry).filter_by(provider_spec="s6.large.2.linux"):
            entry.cost = (entry.official * Decimal("0.9")).quantize(Decimal("0.000001"))
        db.session.commit()


def _preview_row(page: str) -> list[Decimal]:
    table = page[page.index('id="rule-preview-table"') :]
    row = table[table.index('<code class="small">s6.large.2.linux</code>') :]
    row = row[: row.index("</tr>")]
    return [Decimal(v) for v in re.findall(r'class="text-end[^"]*">\s*(-?\d+\.\d\d)', row)]


def test_a_markup_on_cost_below_list_is_previewed_with_warnings_and_not_saved(
    app: Any, client: Any, catalog: Any, make_staff: Any
) -> None:
    _cost_below_list(app)
    login(client, make_staff(role=StaffRole.OWNER))
    resp = _post(client, preview="1")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    official, cost, today, new, margin = _preview_row(page)
    assert today == official == Decimal("112.00")  # no rule yet: the list price
    # the documented arithmetic: a markup is added to the partner's cost, not to the list price
    assert new == (cost * Decimal("1.1")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert margin == new - cost
    assert new < official  # this "10 % markup" lowers the price: both warnings say so
    assert 'id="warn-below-list"' in page and 'id="warn-lowers"' in page
    assert "A markup is added to your cost" in page
    assert "Markup on cost (price = cost + amount)" in page  # the choice says what it does
    with app.app_context():
        assert db.session.query(PriceRule).count() == 0  # a preview saves nothing

    # "Add rule" straight away on a warning rule shows the preview first, then saves
    first = _post(client, save="1")
    assert first.status_code == 200 and 'id="warn-lowers"' in first.get_data(as_text=True)
    assert "Add rule anyway" in first.get_data(as_text=True)
    seen = re.search(
        r'name="acknowledged" type="hidden" value="([^"]*)"', first.get_data(as_text=True)
    )
    assert seen is not None
    # a changed rule is a new rule: its own preview is shown again
    assert _post(client, save="1", value="11", acknowledged=seen.group(1)).status_code == 200
    assert _post(client, save="1", acknowledged=seen.group(1)).status_code == 302
    with app.app_context():
        rule = db.session.query(PriceRule).one()
        assert (rule.kind, rule.value, rule.spec_code) == (
            "markup",
            Decimal("10"),
            "s6.large.2.linux",
        )
    page = client.get(URL).get_data(as_text=True)
    assert f"#{rule.id} markup on cost 10.00%" in page


def test_a_markup_above_list_saves_at_once_and_a_discount_warns(
    app: Any, client: Any, catalog: Any, make_staff: Any
) -> None:
    _cost_below_list(app)
    login(client, make_staff(role=StaffRole.OWNER))
    preview = _post(client, preview="1", value="50").get_data(as_text=True)
    official, _cost, today, new, _margin = _preview_row(preview)
    assert new > official == today
    assert 'id="warn-below-list"' not in preview and 'id="warn-lowers"' not in preview
    assert _post(client, save="1", value="50").status_code == 302

    discount = _post(client, preview="1", kind="discount", value="5").get_data(as_text=True)
    official, _cost, today, new, _margin = _preview_row(discount)
    assert today > official  # today: the 50 % markup saved above
    assert new == (official * Decimal("0.95")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert 'id="warn-below-list"' in discount and 'id="warn-lowers"' in discount


def test_a_rule_a_more_specific_rule_overrides_prices_nothing(
    client: Any, catalog: Any, make_staff: Any
) -> None:
    login(client, make_staff(role=StaffRole.OWNER))
    assert _post(client, save="1", value="50").status_code == 302  # a spec rule
    page = _post(client, preview="1", spec_code="", value="50").get_data(as_text=True)
    assert (
        "s6.large.2.linux</code>"
        not in page[page.index('id="rule-preview"') : page.index("Preview: sale price")]
    )

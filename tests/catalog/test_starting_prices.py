"""The home page's starting prices: the lowest monthly price from the local price book under
the store's rules, shown at once when a rule changes (never from the provider)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from storefront.accounts.models import StaffRole
from tests.catalog.test_pages import add_rule_past_warning, login


def _from(html: str, product: str) -> str:
    card = html[html.index(f'data-product="{product}"') :]
    found = re.search(r'data-from="([^"]+)"', card[: card.index("</div></div></div>")])
    assert found is not None
    return found.group(1)


def test_starting_prices_follow_the_price_book_and_rules(
    client: Any, catalog: Any, make_staff: Any
) -> None:
    home = client.get("/").get_data(as_text=True)
    ecs = Decimal(_from(home, "ecs"))
    assert ecs > 0 and _from(home, "vpc") == "0.00"
    assert "/products/ecs" in home and "sf-icon-ecs" in home
    login(client, make_staff(role=StaffRole.OWNER))
    rule = {"product_code": "ecs", "spec_code": "", "group_id": "", "kind": "discount",
            "adjustment": "percent", "value": "50", "allow_below_cost": "y"}  # fmt: skip
    assert add_rule_past_warning(client, rule).status_code == 302
    after = Decimal(_from(client.get("/").get_data(as_text=True), "ecs"))
    assert after == (ecs / 2).quantize(Decimal("0.01"))  # half the list price, below cost allowed

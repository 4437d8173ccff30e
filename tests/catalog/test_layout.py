"""The layout around catalogue pages: navigation for who is looking, in their language, and
URLs under the app's script root."""

from __future__ import annotations

import re
from typing import Any

from storefront.accounts.models import StaffRole
from tests.catalog.test_pages import login

ZH = {"Accept-Language": "zh-CN"}


def _nav(html: str) -> list[tuple[str, str]]:
    link = r'class="nav-link[^"]*"(?: aria-current="page")? href="([^"]+)">([^<]+)<'
    return re.findall(link, html)


def test_navigation_follows_the_visitor_and_language(
    client: Any, catalog: Any, make_staff: Any
) -> None:
    page = client.get("/products/ecs").get_data(as_text=True)
    assert _nav(page) == [
        ("/products", "Products"),
        ("/calculator", "Price calculator"),
        ("/login", "Log in"),
        ("/register", "Register"),
    ]
    zh = client.get("/products/ecs", headers=ZH).get_data(as_text=True)
    assert ("/products", "产品") in _nav(zh) and ("/login", "登录") in _nav(zh)
    assert 'class="nav-link active" aria-current="page" href="/calculator"' in client.get(
        "/calculator"
    ).get_data(as_text=True)

    login(client, make_staff(role=StaffRole.OWNER))
    staff = _nav(client.get("/products/ecs").get_data(as_text=True))
    assert ("/staff/pricing", "Pricing") in staff and ("/admin/", "Back office") in staff
    assert ("/login", "Log in") not in staff
    staff_zh = _nav(client.get("/products/ecs", headers=ZH).get_data(as_text=True))
    assert ("/staff/pricing", "定价") in staff_zh and ("/login", "登录") not in staff_zh


def test_layout_urls_follow_the_script_root(client: Any, catalog: Any) -> None:
    mounted = client.get("/products/ecs", environ_overrides={"SCRIPT_NAME": "/shop"})
    html = mounted.get_data(as_text=True)
    assert ("/shop/calculator", "Price calculator") in _nav(html)
    assert 'href="/shop/static/css/storefront.css"' in html
    assert '<a href="/shop/products">Products</a>' in html  # the breadcrumb
    assert 'href="/shop/lang/zh_Hans_CN?next=' in html
    plain = client.get("/products/ecs").get_data(as_text=True)
    assert ("/calculator", "Price calculator") in _nav(plain)
    assert 'href="/static/css/storefront.css"' in plain and "/shop/" not in plain

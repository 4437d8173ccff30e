"""The layout around catalogue pages: navigation for who is looking, in their language, and
URLs under the app's script root."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from markupsafe import escape

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
    assert ("/staff/pricing", "Pricing") in staff and ("/admin/", "Dashboard") in staff
    assert ("/login", "Log in") not in staff
    staff_zh = _nav(client.get("/products/ecs", headers=ZH).get_data(as_text=True))
    assert ("/staff/pricing", "定价") in staff_zh and ("/login", "登录") not in staff_zh


def test_layout_urls_follow_the_script_root(client: Any, catalog: Any) -> None:
    mounted = client.get("/products/ecs", environ_overrides={"SCRIPT_NAME": "/shop"})
    html = mounted.get_data(as_text=True)
    assert ("/shop/calculator", "Price calculator") in _nav(html)
    assert 'href="/shop/static/css/storefront.css?v=' in html
    assert '<a href="/shop/products">Products</a>' in html  # the breadcrumb
    assert 'href="/shop/lang/zh_Hans_CN?next=' in html
    plain = client.get("/products/ecs").get_data(as_text=True)
    assert ("/calculator", "Price calculator") in _nav(plain)
    assert 'href="/static/css/storefront.css?v=' in plain and "/shop/" not in plain


def test_language_menu_links_back_to_the_page(app: Any, client: Any, catalog: Any) -> None:
    from flask import request, url_for

    for query in ("", "region=cn-north-4", "region=cn-north-4&q=a b&x=中文&y=%2F%26&z=a+b!*'()"):
        path = "/products/ecs" + (f"?{query}" if query else "")
        html = client.get(path).get_data(as_text=True)
        with app.test_request_context(path):
            here = request.full_path.rstrip("?")
            links = [url_for("i18n.switch", code=c, next=here) for c in ("en", "zh_Hans_CN")]
        for url in links:
            assert f'href="{escape(url)}"' in html
            back = client.get(url)
            assert back.status_code == 302 and unquote(back.headers["Location"]) == unquote(here)


def test_templates_speak_the_visitors_language(
    app: Any, client: Any, catalog: Any, make_store: Any
) -> None:
    page = client.get("/products/ecs?region=cn-north-4").get_data(as_text=True)
    assert "Skip to content" in page and "Prices in CNY before tax." in page
    zh = client.get("/products/ecs?region=cn-north-4", headers=ZH).get_data(as_text=True)
    assert "跳到正文" in zh and "价格以 CNY 计，不含税。" in zh and "Skip to content" not in zh
    calc = "/calculator?region=cn-north-4&ecs_spec=s6.large.2.linux&months=3&years=1"
    assert "包月，3 个月" in client.get(calc, headers=ZH).get_data(as_text=True)  # plurals
    assert "Monthly, 3 months" in client.get(calc).get_data(as_text=True)
    # placeholders are filled in and escaped, in either language
    make_store(name="Tom & Jerry <Cloud>", domains=["tom.test"])
    home = client.get("/", base_url="http://tom.test", headers=ZH).get_data(as_text=True)
    assert "Tom &amp; Jerry &lt;Cloud&gt; 为您的业务提供云服务" in home
    home = client.get("/", base_url="http://tom.test").get_data(as_text=True)
    assert "Cloud for your business, from Tom &amp; Jerry &lt;Cloud&gt;" in home


def test_mail_in_another_language_than_the_page(app: Any, catalog: Any) -> None:
    """Mail goes out in the recipient's language (``force_locale``) while the request that sends
    it is in the visitor's: templates follow whichever is in force."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers=ZH):
        assert render_template_string("{{ _('Skip to content') }}") == "跳到正文"
        with force_locale("en"):
            assert render_template_string("{{ _('Skip to content') }}") == "Skip to content"
        assert render_template_string("{{ _('Skip to content') }}") == "跳到正文"

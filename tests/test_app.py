"""The operating contract: health, settings validation, error shapes, headers, language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storefront.config import ConfigError, load_settings


def test_healthz_answers_ok_without_a_store(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_production_refuses_to_start_without_secrets() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"STOREFRONT_ENV": "production"})
    message = str(err.value)
    assert "STOREFRONT_SECRET_KEY is required" in message
    assert "STOREFRONT_ENCRYPTION_KEYS is required" in message


def test_invalid_settings_are_all_named() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(
            environ={
                "STOREFRONT_ENV": "development",
                "STOREFRONT_MAIL_BACKEND": "pigeon",
                "STOREFRONT_DEFAULT_LOCALE": "fr",
                "STOREFRONT_ADMIN_EMAIL": "a@b.c",
            }
        )
    message = str(err.value)
    assert "STOREFRONT_MAIL_BACKEND" in message
    assert "STOREFRONT_DEFAULT_LOCALE" in message
    assert "STOREFRONT_ADMIN_PASSWORD go together" in message


def test_huaweicloud_without_credentials_names_the_missing_settings() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"STOREFRONT_ENV": "development", "STOREFRONT_CLOUD": "huaweicloud"})
    assert "STOREFRONT_CLOUD_AK" in str(err.value)
    assert "STOREFRONT_CLOUD_SK" in str(err.value)


def test_development_defaults_are_usable() -> None:
    settings = load_settings(environ={"STOREFRONT_ENV": "development"})
    assert settings.mail_backend == "console"
    assert settings.database_url.startswith("sqlite:///")


def test_api_errors_use_the_contract_shape(client: Any, default_store: Any) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "not_found"
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["fields"] == {}


def test_html_errors_are_pages(client: Any, default_store: Any) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_security_headers_on_every_page(client: Any, default_store: Any) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the inline branding style carries the request's nonce
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_json_answers_carry_the_headers_for_data(client: Any, default_store: Any) -> None:
    """An API answer may not load, run or be framed as anything, and is never sniffed as HTML."""
    for response in (client.get("/api/v1/regions"), client.get("/api/v1/no-such-thing")):
        assert response.mimetype == "application/json"
        assert (
            response.headers["Content-Security-Policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
    secure = client.get("/api/v1/regions", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_home_is_english_by_default(client: Any, default_store: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Elastic Cloud Server" in html
    assert default_store.name in html


def test_browser_language_preference_is_respected(client: Any, default_store: Any) -> None:
    html = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "弹性云服务器" in html
    assert 'lang="zh-Hans"' in html


def test_language_switch_sticks_and_only_redirects_locally(client: Any, default_store: Any) -> None:
    response = client.get("/lang/zh_Hans_CN?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "弹性云服务器" in client.get("/").get_data(as_text=True)
    evil = client.get("/lang/en?next=//evil.example/phish")
    assert evil.headers["Location"] == "/"
    assert "Elastic Cloud Server" in client.get("/").get_data(as_text=True)


def test_request_hooks_run_and_one_request_hooks_are_not_kept(
    make_app: Any, app: Any, default_store: Any
) -> None:
    """The app remembers which hooks are plain functions (not async), weakly: a hook made for
    one request runs on that request's answer and is then free to go."""
    import gc
    import weakref

    from flask import after_this_request

    app = make_app()  # a route is added below: a new app, not the one tests share

    made: list[weakref.ref[Any]] = []

    def probe() -> str:
        def stamp(response: Any) -> Any:
            response.headers["X-Probe"] = str(len(made))
            return response

        after_this_request(stamp)
        made.append(weakref.ref(stamp))
        return "ok"

    app.add_url_rule("/_probe", view_func=probe)
    client = app.test_client()
    assert [client.get("/_probe").headers["X-Probe"] for _ in range(3)] == ["1", "2", "3"]
    gc.collect()
    assert [ref() for ref in made] == [None, None, None]


# libraries a process loads only when it first uses them (tests/test_local_imports.py, LAZY)
OPTIONAL_LIBRARIES = ("saml2.sigver", "obs", "qrcode", "PIL", "weasyprint")


def test_the_app_starts_without_the_libraries_few_requests_need(tmp_path: Path) -> None:
    """pysaml2 (its XML schemas: ~0.5 s), the OBS SDK, qrcode/Pillow and WeasyPrint load on
    the first console sign-in, real-name upload, QR code or PDF, not when a process (web or
    job worker, CLI command) builds the app."""
    code = (
        "import sys\n"
        "from storefront import create_app\n"
        "app = create_app({'STOREFRONT_ENV': 'testing', 'STOREFRONT_SECRET_KEY': 'k' * 40,"
        " 'STOREFRONT_DATABASE_URL': 'sqlite:///' + sys.argv[1] + '/a.db',"
        " 'STOREFRONT_INSTANCE_PATH': sys.argv[1], 'STOREFRONT_CLOUD': 'sandbox',"
        " 'STOREFRONT_SANDBOX_URL': 'http://127.0.0.1:9'})\n"
        f"print(sorted(m for m in {OPTIONAL_LIBRARIES!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"

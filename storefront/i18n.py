"""Locale selection (user choice, then cookie, then browser, then the store's default)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from storefront.extensions import babel
from storefront.navigation import fixed_url
from storefront.security import safe_next

LOCALES = {"en": "English", "zh_Hans_CN": "简体中文"}
COOKIE = "storefront_lang"
# the characters Werkzeug leaves unquoted in a query value it builds (url_for)
URL_QUERY_SAFE = "!$'()*,/:;?@"
bp = Blueprint("i18n", __name__)


def select_locale() -> Locale:
    """The request's locale, as a :class:`~babel.Locale` parsed once per process (Flask-Babel
    parses a string answer on every request)."""
    return _parsed(_locale_code())


@lru_cache(maxsize=16)
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def _locale_code() -> str:
    user = g.get("locale_user_choice")
    if user in LOCALES:
        return str(user)
    if not has_request_context():  # a job or a CLI command: the store's language
        store = g.get("store")
        return store.default_locale if store else current_app.config["BABEL_DEFAULT_LOCALE"]
    cookie = request.cookies.get(COOKIE)
    if cookie in LOCALES:
        return str(cookie)
    best = request.accept_languages.best_match(
        ["en", "zh_Hans_CN", "zh", "zh_CN", "zh-CN", "zh-Hans"]
    )
    if best:
        return "en" if best == "en" else "zh_Hans_CN"
    store = g.get("store")
    return store.default_locale if store is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.get("/lang/<code>")
def switch(code: str) -> ResponseReturnValue:
    target = safe_next(request.args.get("next"), default="/")
    response = redirect(target)
    if code in LOCALES:
        response.set_cookie(COOKIE, code, max_age=3600 * 24 * 365, samesite="Lax", httponly=True)
    return response


def switch_url(code: str) -> str:
    """The language menu's link to ``code`` and back to this page: what
    ``url_for("i18n.switch", code=code, next=...)`` gives, with the part before the query kept
    per app (:func:`~storefront.navigation.fixed_url`; every page shows two of these)."""
    here = urlencode({"next": request.full_path.rstrip("?")}, safe=URL_QUERY_SAFE)
    return f"{fixed_url('i18n.switch', code=code)}?{here}"


def translation_directories(root: Path) -> str:
    """The shared catalogue first, then each area's own ``translations/`` folder."""
    package = Path(__file__).parent
    dirs = [root / "translations", package / "_translations"]
    dirs += sorted(p for p in package.glob("*/translations") if p.is_dir())
    return ";".join(str(d) for d in dirs if d.is_dir())


def register(app: Flask, root: Path) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(root))
    # Flask-Babel installs the template gettext callables; its translations for a locale are
    # the directories' catalogues merged, shared catalogue first, then each area's.
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_global(switch_url, "switch_url")

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        return {"current_locale": str(get_locale()), "locales": LOCALES}

    app.register_blueprint(bp)

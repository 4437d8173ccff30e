"""Locale selection (user choice, then cookie, then browser, then the store's default)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from babel.support import NullTranslations
from flask import Blueprint, Flask, current_app, g, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context

from storefront.extensions import babel
from storefront.navigation import fixed_url
from storefront.security import safe_next

LOCALES = {"en": "English", "zh_Hans_CN": "简体中文"}
COOKIE = "storefront_lang"
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


# What werkzeug leaves unquoted when it builds a URL's query string (``url_for``'s arguments).
_QUERY_SAFE = "!$'()*,/:;?@"


def switch_url(code: str) -> str:
    """The language menu's link to ``code`` and back to this page: what
    ``url_for("i18n.switch", code=code, next=<this page>)`` builds, from a kept prefix."""
    back = urlencode({"next": request.full_path.rstrip("?")}, safe=_QUERY_SAFE)
    return f"{fixed_url('i18n.switch', code=code)}?{back}"


_TRANSLATIONS = "_storefront_translations"


def translations() -> NullTranslations:
    """The request's translations, found once per request and locale (Flask-Babel looks them up
    again for every string; ``force_locale`` and ``refresh`` change the locale object, so they
    are looked up again then)."""
    locale = get_locale()
    found: tuple[object, NullTranslations] | None = g.get(_TRANSLATIONS)
    if found is None or found[0] is not locale:
        found = (locale, get_translations())
        setattr(g, _TRANSLATIONS, found)
    return found[1]


def _rendering(context: Context) -> NullTranslations:
    """The translations of the template being rendered: those in force when its rendering
    started (see ``inject_locale``), else the request's (a macro imported without context)."""
    found = context.get(_TRANSLATIONS)
    return found if isinstance(found, NullTranslations) else translations()


# The callables Flask-Babel installs for templates, on the translations above: jinja2.ext.i18n
# wraps them (newstyle: the result is escaped and always %-formatted with the keyword arguments).
@pass_context
def _gettext(context: Context, string: str) -> str:
    return _rendering(context).ugettext(string)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int) -> str:
    return _rendering(context).ungettext(singular, plural, num)


@pass_context
def _pgettext(context: Context, msgctxt: str, string: str) -> str:
    return _rendering(context).upgettext(msgctxt, string)


@pass_context
def _npgettext(context: Context, msgctxt: str, singular: str, plural: str, num: int) -> str:
    return _rendering(context).unpgettext(msgctxt, singular, plural, num)


def translation_directories(root: Path) -> str:
    """The shared catalogue first, then each area's own ``translations/`` folder."""
    package = Path(__file__).parent
    dirs = [root / "translations", package / "_translations"]
    dirs += sorted(p for p in package.glob("*/translations") if p.is_dir())
    return ";".join(str(d) for d in dirs if d.is_dir())


def register(app: Flask, root: Path) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(root))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )

    app.add_template_global(switch_url, "switch_url")

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        return {
            "current_locale": str(get_locale()),
            "locales": LOCALES,
            _TRANSLATIONS: translations(),
        }

    app.register_blueprint(bp)

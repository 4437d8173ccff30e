"""The layout's navigation: each area adds its entries when it registers.

``main`` entries go on the left, ``account`` entries in the account menu on the right, and
``staff`` entries make the one staff navigation (a row under the top bar on every page, for
staff). A staff entry with a ``menu`` (a key of :data:`MENUS`) sits in that drop-down menu of
the row, placed where its first entry would be, so the row stays one line at 1280 px however
many areas add pages. An entry shows only when its endpoint exists and its ``visible`` check
passes for the current user.

Every page shows them, so the links (URL and label) for one set of visible entries are built
once per app, language and script root and kept (:func:`links`); so are the layout's other URLs
that are the same on every request (:func:`fixed_url`). Who is looking (:class:`Viewer`) is
found once for the layout's three sections. The app uses neither host nor subdomain
matching, so such a URL depends on the script root alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from storefront import assets
from storefront.accounts.principals import current_principal
from storefront.extensions import login_manager

NAV = "storefront.nav"
_SECTIONS = "storefront.nav.sections"
_LINKS = "storefront.nav.links"
_URLS = "storefront.fixed_urls"
MAX_KEPT = 1024


# the staff navigation's drop-down menus: key -> label
MENUS = {"money": _l("Money"), "settings": _l("Settings")}


def _always(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy gettext string
    section: str = "main"
    order: int = 100
    visible: Callable[[Any], bool] = field(default=_always)
    menu: str = ""  # a key of MENUS: the entry sits in that drop-down menu (staff section)


@dataclass(frozen=True, slots=True)
class NavLink:
    """A visible entry as the layout shows it (label in the request's language)."""

    endpoint: str
    url: str
    label: str
    menu: str = ""  # the drop-down menu's label ("" for a top-level entry)


@dataclass(frozen=True, slots=True)
class NavMenu:
    """A drop-down menu of the staff navigation and its visible entries."""

    label: str
    links: tuple[NavLink, ...]

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(link.endpoint for link in self.links)


def add_nav(app: Flask, item: NavItem) -> None:
    app.extensions.setdefault(NAV, []).append(item)
    app.extensions.pop(_SECTIONS, None)


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    """Put ``value`` in one of this app's caches, emptied when full (its keys come from a small
    set)."""
    if len(cache) >= MAX_KEPT:
        cache.clear()
    cache[key] = value
    return value


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)``, kept per app and script root: for URLs that are the same
    on every request (literal arguments only, e.g. a static file or an entry page). A static
    file's URL carries its content's fingerprint (:mod:`storefront.assets`)."""
    cache: dict[Any, str] = current_app.extensions[_URLS]
    # a call site passes its keywords in one order: no need to sort them
    key = (request.script_root, endpoint, *values.items())
    url = cache.get(key)
    if url is None:
        if endpoint == "static" and assets.PARAM not in values:
            version = assets.fingerprint(values["filename"])
            if version is not None:
                values[assets.PARAM] = version
        url = _keep(cache, key, url_for(endpoint, **values))
    return url


def _section(section: str) -> tuple[NavItem, ...]:
    """The section's entries whose endpoint exists, in order (fixed once the app is built)."""
    sections: dict[str, tuple[NavItem, ...]] = current_app.extensions.setdefault(_SECTIONS, {})
    found = sections.get(section)
    if found is None:
        items: list[NavItem] = current_app.extensions.get(NAV, [])
        endpoints = current_app.view_functions
        found = sections[section] = tuple(
            sorted(
                (i for i in items if i.section == section and i.endpoint in endpoints),
                key=lambda i: i.order,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, as the navigation sees it: the same for every section of one page."""

    user: Any  # the principal itself, or an anonymous user
    locale: str
    script_root: str


def viewer() -> Viewer:
    # the principal itself (or an anonymous user), so the checks do not each go through
    # Flask-Login's proxy
    user = current_principal() or login_manager.anonymous_user()
    return Viewer(user, str(get_locale()), request.script_root)


def links(section: str, who: Viewer | None = None) -> tuple[NavLink, ...]:
    """The entries of ``section`` that ``who`` (default: the current user) sees."""
    who = who or viewer()
    items = _section(section)
    shown = tuple(n for n, item in enumerate(items) if item.visible(who.user))
    cache: dict[Any, tuple[NavLink, ...]] = current_app.extensions[_LINKS]
    key = (section, who.locale, who.script_root, shown)
    found = cache.get(key)
    if found is None:
        found = _keep(
            cache,
            key,
            tuple(
                NavLink(
                    items[n].endpoint,
                    fixed_url(items[n].endpoint),
                    str(items[n].label),
                    str(MENUS[items[n].menu]) if items[n].menu else "",
                )
                for n in shown
            ),
        )
    return found


def menus(section: str, who: Viewer | None = None) -> tuple[NavLink | NavMenu, ...]:
    """The visible entries of ``section`` with those of one menu gathered into a
    :class:`NavMenu` where the menu's first entry is."""
    found: list[NavLink | NavMenu] = []
    gathered: dict[str, list[NavLink]] = {}
    for link in links(section, who):
        if not link.menu:
            found.append(link)
        elif link.menu in gathered:
            gathered[link.menu].append(link)
        else:
            gathered[link.menu] = [link]
            found.append(NavMenu(link.menu, ()))
    return tuple(
        NavMenu(e.label, tuple(gathered[e.label])) if isinstance(e, NavMenu) else e for e in found
    )


def hex_rgb(colour: str | None) -> str:
    """``"#c7000b"`` -> ``"199, 0, 11"`` (Bootstrap's ``--bs-*-rgb`` form); "" if not a colour."""
    value = (colour or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        return ""
    return ", ".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4))


def register(app: Flask) -> None:
    app.extensions[_URLS], app.extensions[_LINKS] = {}, {}
    app.add_template_global(fixed_url, "fixed_url")
    app.add_template_filter(hex_rgb, "hex_rgb")

    @app.context_processor
    def inject_nav() -> dict[str, object]:
        # the layout asks for three sections: who is looking is found once, on the first
        seen: list[Viewer] = []

        def who() -> Viewer:
            if not seen:
                seen.append(viewer())
            return seen[0]

        return {
            "nav_items": lambda: links("main", who()),
            "account_items": lambda: links("account", who()),
            "staff_items": lambda: menus("staff", who()),
        }

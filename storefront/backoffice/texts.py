"""Store-editable texts (footer, home intro, mail signature, product blurbs): untrusted input.

They are templates rendered in :class:`~storefront.backoffice.text_sandbox.BoundedSandbox`
(an immutable Jinja sandbox with autoescaping whose renders are capped in steps, characters and
time, see that module) with a small, fixed context (the store's name and contact details, the
year). No store-written string ever reaches ``render_template_string`` or the app's Jinja
environment.

- HTML texts (footer, home intro): the rendered output then goes through an allow-list HTML
  sanitizer (``nh3``): a few inline and list tags, links with http(s)/mailto/tel addresses only
  and ``rel="noopener noreferrer nofollow"``; no ``meta``, ``form``, ``input``, ``iframe``,
  ``script``, ``style``, ``object``, ``img``, event or ``style`` attributes, ``javascript:`` or
  ``data:`` addresses.
- Plain texts (product descriptions, the mail signature): the output is text; pages escape it
  and add the small markup of :func:`plain_to_html`.

Saving checks a text with a preview render (:func:`validate`): one that goes past a cap is a
form error. Showing one anyway (e.g. written to the database directly) falls back to its source
shown as text, and logs a warning: a text never hangs or breaks the page.
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import nh3
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import gettext as _
from jinja2 import TemplateError
from markupsafe import Markup, escape
from sqlalchemy import select

from storefront import caching
from storefront.backoffice.models import StoreText
from storefront.backoffice.text_sandbox import (
    BoundedSandbox,
    Limits,
    TimedOut,
    TooExpensive,
    bounded_render,
)
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import in_store

log = logging.getLogger(__name__)

# The keys a store may edit; product blurbs are "blurb.<product code>".
TEXT_KEYS = ("footer", "mail.signature", "home.intro")
HTML_KEYS = frozenset({"footer", "home.intro"})  # shown as sanitized HTML; the rest as text
MAX_TEXT = 4000

_env = BoundedSandbox(autoescape=True)
# Texts shown as plain text (product descriptions): the same sandbox, output escaped as a whole
# by the caller, so neither the store's literal text nor a variable can inject HTML.
_plain_env = BoundedSandbox(autoescape=False)

# What survives in an HTML text: nothing that acts (forms, refreshes, frames, scripts, styles,
# event handlers), links only to web, mail and phone addresses.
HTML_TAGS = frozenset(
    {"a", "abbr", "b", "br", "code", "em", "i", "li", "ol", "p", "small", "span", "strong", "u"}
    | {"ul"}
)
HTML_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
LINK_REL = "noopener noreferrer nofollow"


def limits() -> Limits:
    """The render caps: ``STOREFRONT_TEXT_MAX_STEPS`` / ``_MAX_CHARS`` / ``_MAX_MS``."""
    settings = current_app.config.get("SETTINGS") if has_app_context() else None
    if settings is None:
        return Limits()
    return Limits(
        steps=settings.text_max_steps,
        chars=settings.text_max_chars,
        seconds=settings.text_max_ms / 1000,
    )


def sanitize_html(html: str) -> Markup:
    """``html`` through the allow-list (see the module docstring)."""
    cleaned = nh3.clean(
        html,
        tags=set(HTML_TAGS),
        attributes={tag: set(names) for tag, names in HTML_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - the sanitizer's output


def safe_url(url: str, *, schemes: tuple[str, ...] = ("https",)) -> bool:
    """An absolute https:// address with a host and nothing that can act or hide: no
    credentials, no spaces or control characters (a terms link)."""
    if not url or len(url) > 255 or any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname) and "@" not in parts.netloc


@lru_cache(maxsize=512)
def _compiled(plain: bool, source: str) -> Any:
    """``source`` compiled in its sandbox, loops and output counted (kept per process: a
    compiled template is immutable and renders afresh with each context; sources that fail to
    compile are not kept)."""
    return (_plain_env if plain else _env).compile_bounded(source)


def allowed_key(key: str) -> bool:
    return key in TEXT_KEYS or (key.startswith("blurb.") and key[6:].isalnum() and len(key) < 40)


# Everything a text's output depends on besides its source: name, email, phone, address, year.
ContextKey = tuple[str, str, str, str, int]


def context_key(store: Any) -> ContextKey:
    return (
        store.name,
        store.contact_email or "",
        store.contact_phone or "",
        getattr(store, "contact_address", None) or "",
        utcnow().year,
    )


def _context(key: ContextKey) -> dict[str, Any]:
    name, email, phone, address, year = key
    return {
        "store": {"name": name, "email": email, "phone": phone, "address": address},
        "year": year,
    }


def context_for(store: Any) -> dict[str, Any]:
    return _context(context_key(store))


def _sample_store() -> Any:
    store = g.get("store") if has_request_context() else None
    if store is not None:
        return store
    return SimpleNamespace(
        name="Store", contact_email="support@example.com", contact_phone="", contact_address=""
    )


def validate(source: str, store: Any = None) -> str | None:
    """None when ``source`` compiles in the sandbox and a preview render (with ``store``'s
    context, default the request's store) stays within the caps, else the problem."""
    if len(source) > MAX_TEXT:
        return f"at most {MAX_TEXT} characters"
    try:
        template = _compiled(False, source)
    except TemplateError as exc:
        return str(exc)
    try:
        bounded_render(template, context_for(store or _sample_store()), limits())
    except TooExpensive as exc:
        return str(_("it takes too much work to show (%(why)s)", why=str(exc)))
    except Exception:  # noqa: S110 - other render errors show the text as text (render_text)
        pass
    return None


def _render(plain: bool, source: str, key: ContextKey, caps: Limits) -> str:
    """The text's output; raises when it fails (and then logs why)."""
    try:
        return bounded_render(_compiled(plain, source), _context(key), caps)
    except TooExpensive as exc:
        log.warning("store text %r… not rendered (shown as text): %s", source[:40], exc)
        raise


@lru_cache(maxsize=1024)
def _outcome(plain: bool, source: str, key: ContextKey, caps: Limits) -> tuple[bool, str]:
    """(rendered?, output) kept per process: it depends on nothing but the arguments (a store's
    edit changes one of them, so nothing goes stale). A render stopped by the clock raises
    instead, so it is not kept (the next view tries again)."""
    try:
        return True, _render(plain, source, key, caps)
    except TimedOut:
        raise
    except Exception:  # SecurityError, UndefinedError, a cap…: show the text, never run it
        return False, source


# Renders the clock stopped, and when: not tried again for a minute (each try costs a budget).
_timed_out: dict[tuple[bool, str, ContextKey, Limits], float] = {}
RETRY_TIMED_OUT_S = 60.0


def _output(plain: bool, source: str, store: Any) -> tuple[bool, str]:
    args = (plain, source, context_key(store), limits())
    if time.monotonic() - _timed_out.get(args, -RETRY_TIMED_OUT_S) < RETRY_TIMED_OUT_S:
        return False, source
    try:
        return _outcome(*args)
    except TimedOut:
        if len(_timed_out) > 256:
            _timed_out.clear()
        _timed_out[args] = time.monotonic()
        return False, source


def render_text(source: str | None, store: Any) -> Markup:
    """An HTML text: rendered in the sandbox, then sanitized; a text that fails to render
    (unsafe, broken, over a cap) shows as escaped text."""
    if not source:
        return Markup("")
    ok, output = _output(False, source, store)
    return _sanitized(output) if ok else escape(source)


@lru_cache(maxsize=512)
def _sanitized(html: str) -> Markup:
    return sanitize_html(html)


def render_plain(source: str | None, store: Any) -> str:
    """Render ``source`` in the sandbox as plain text (not HTML: escape it before showing it);
    an unsafe or broken template, or one over a cap, comes back as its source."""
    if not source:
        return ""
    return _output(True, source, store)[1]


@lru_cache(maxsize=1024)
def plain_to_html(text: str) -> Markup:
    """Plain text as HTML: everything escaped; a blank line starts a paragraph, a line break
    stays one, lines starting with "- " make a list and ``**words**`` are bold (kept per
    process: the result depends on ``text`` alone)."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())]
    out: list[str] = []
    for block in blocks:
        if not block.strip():
            continue
        lines = block.split("\n")
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append("<p>" + "<br>\n".join(_inline(line) for line in lines) + "</p>")
    return Markup("\n".join(out))  # noqa: S704 - built from escaped text only


def _inline(line: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", str(escape(line.strip())))


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def get_text(key: str) -> str | None:
    row = db.session.scalar(select(StoreText).where(StoreText.key == key))
    return row.body if row else None


def set_text(key: str, body: str) -> StoreText:
    if not allowed_key(key):
        raise ValueError(f"unknown text {key!r}")
    row = db.session.scalar(select(StoreText).where(StoreText.key == key))
    if row is None:
        row = StoreText(key=key, body=body, updated_at=utcnow())
        db.session.add(row)
    else:
        row.body, row.updated_at = body, utcnow()
    return row


# Pages' copy of each store's texts (storefront/caching.py: dropped when the store's texts are
# committed, read again after STORE_CACHE_SECONDS, at most STOREFRONT_STORE_CACHE_SIZE stores).
PAGE_TEXTS: caching.Cache[dict[str, str]] = caching.Cache(
    "backoffice.store_texts",
    tables=(StoreText.__tablename__,),
    limit=lambda settings: settings.store_cache_size,
)


def _page_texts(store_id: int) -> dict[str, str]:
    def load() -> dict[str, str]:
        rows = db.session.execute(in_store(select(StoreText.key, StoreText.body), store_id))
        return {str(row_key): str(body) for row_key, body in rows}

    return PAGE_TEXTS.get(store_id, load, scope=store_id)


def store_text(key: str) -> Markup:
    """Jinja global for pages: ``{{ store_text('home.intro') }}`` (HTML texts sanitized,
    plain ones escaped)."""
    store = g.get("store")
    if store is None:
        return Markup("")
    body = _page_texts(store.id).get(key)
    if key in HTML_KEYS:
        return render_text(body, store)
    return plain_to_html(render_plain(body, store))


def mail_signature(store: Any) -> str:
    """The store's mail signature as plain text ("" when it has none)."""
    body = db.session.scalar(
        select(StoreText.body).where(
            StoreText.store_id == store.id, StoreText.key == "mail.signature"
        )
    )
    return render_plain(body, store).strip()

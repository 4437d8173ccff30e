"""Store-editable texts (footer, mail snippets, product blurbs) as sandboxed templates.

They render in a :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with autoescaping on
and a small, fixed context (the store's name and contact details). No store-written string
ever reaches ``render_template_string`` or the app's Jinja environment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape
from sqlalchemy import select

from storefront.backoffice.models import StoreText
from storefront.extensions import db

# The keys a store may edit; product blurbs are "blurb.<product code>".
TEXT_KEYS = ("footer", "mail.signature", "home.intro")
MAX_TEXT = 4000

_env = ImmutableSandboxedEnvironment(autoescape=True)
# Texts shown as plain text (product descriptions): the same sandbox, output escaped as a whole
# by the caller, so neither the store's literal text nor a variable can inject HTML.
_plain_env = ImmutableSandboxedEnvironment(autoescape=False)


@lru_cache(maxsize=512)
def _compiled(plain: bool, source: str) -> Template:
    """``source`` compiled once per process in its sandbox (a compiled template is immutable
    and renders afresh with each context; sources that fail to compile are not kept)."""
    return (_plain_env if plain else _env).from_string(source)


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
        datetime.now(UTC).year,
    )


def _context(key: ContextKey) -> dict[str, Any]:
    name, email, phone, address, year = key
    return {
        "store": {"name": name, "email": email, "phone": phone, "address": address},
        "year": year,
    }


def context_for(store: Any) -> dict[str, Any]:
    return _context(context_key(store))


def validate(source: str) -> str | None:
    """None when ``source`` compiles in the sandbox, else the error message."""
    if len(source) > MAX_TEXT:
        return f"at most {MAX_TEXT} characters"
    try:
        _env.from_string(source)
    except TemplateError as exc:
        return str(exc)
    return None


def render_text(source: str | None, store: Any) -> Markup:
    """Render ``source`` in the sandbox; an unsafe or broken template renders as escaped text."""
    if not source:
        return Markup("")
    try:
        return Markup(_compiled(False, source).render(**context_for(store)))  # noqa: S704
    except Exception:  # SecurityError, UndefinedError, …: show the text, never run it
        return escape(source)


def render_plain(source: str | None, store: Any) -> str:
    """Render ``source`` in the sandbox as plain text (not HTML: escape it before showing it);
    an unsafe or broken template comes back as its source."""
    if not source:
        return ""
    return _rendered_plain(source, context_key(store))


@lru_cache(maxsize=1024)
def _rendered_plain(source: str, key: ContextKey) -> str:
    """A plain text's output, kept per process: it depends on nothing but ``source`` and the
    context values in ``key`` (a store's edit changes one of them, so nothing goes stale)."""
    try:
        return str(_compiled(True, source).render(**_context(key)))
    except Exception:  # SecurityError, UndefinedError, …: show the text, never run it
        return source


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
        row = StoreText(key=key, body=body, updated_at=datetime.now(UTC))
        db.session.add(row)
    else:
        row.body, row.updated_at = body, datetime.now(UTC)
    return row


def store_text(key: str) -> Markup:
    """Jinja global for the layout: ``{{ store_text('footer') }}``."""
    from flask import g

    store = g.get("store")
    if store is None:
        return Markup("")
    return render_text(get_text(key), store)

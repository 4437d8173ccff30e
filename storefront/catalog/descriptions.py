"""A store's own product descriptions, in English and Chinese.

The text is a template rendered in the back office's sandboxed Jinja environment
(:mod:`storefront.backoffice.texts`, e.g. ``{{ store.name }}``) and shown as plain text: all of
it is escaped, blank lines make paragraphs, line breaks stay, ``- `` lines make a list and
``**words**`` are bold. Raw HTML never reaches the page.

Which text a visitor sees: the store's text in their language, else the store's text in the
other language, else the catalogue's default text (:class:`~storefront.catalog.models.Product`)
in their language.

Visitors' pages read a per-process copy of each store's texts (:func:`visitor_texts`), reloaded
when older than ``STORE_CACHE_SECONDS`` (default 30 s: other processes show an edit within that)
or at once after this process commits a text (:mod:`storefront.caching`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Table, bindparam, select

from storefront import caching
from storefront.accounts.permissions import require_permission
from storefront.backoffice import texts
from storefront.catalog.errors import CatalogError
from storefront.catalog.forms import MAX_DESCRIPTION
from storefront.catalog.models import ProductText
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import current_store_id


class Described(Protocol):
    """A product as the catalogue knows it (the ORM row or the in-process copy)."""

    @property
    def code(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def description_zh(self) -> str: ...


PERMISSION = "branding.manage"  # "the store's branding, texts and domains"


class Texts(Protocol):
    """A store's two texts for a product (the ORM row or a plain row of the two columns)."""

    @property
    def description(self) -> str: ...
    @property
    def description_zh(self) -> str: ...


def store_text(product_code: str) -> ProductText | None:
    return db.session.scalar(select(ProductText).where(ProductText.product_code == product_code))


_TEXTS = cast(Table, ProductText.__table__)
# A store's texts for visitors: a Core statement built once, filtered to the store explicitly
# (what the ORM's tenant filter adds, at a fraction of the cost).
_STORE_TEXTS = select(_TEXTS.c.product_code, _TEXTS.c.description, _TEXTS.c.description_zh).where(
    _TEXTS.c.store_id == bindparam("store_id")
)


@dataclass(frozen=True, slots=True)
class StoredTexts:
    description: str
    description_zh: str


TEXTS: caching.Cache[dict[str, StoredTexts]] = caching.Cache(
    "catalog.texts",
    tables=(_TEXTS.name,),
    limit=lambda settings: settings.store_cache_size,
)


def visitor_texts() -> dict[str, StoredTexts] | None:
    """The current store's texts per product code, from this app's copy (see the module
    docstring); None outside a store."""
    store_id = current_store_id()
    if store_id is None:
        return None
    return TEXTS.get(store_id, lambda: _load(store_id), scope=store_id)


def _load(store_id: int) -> dict[str, StoredTexts]:
    rows = db.session.connection().execute(_STORE_TEXTS, {"store_id": store_id})
    return {code: StoredTexts(en, zh) for code, en, zh in rows}


def install() -> None:
    caching.install()


def check(description: str, description_zh: str) -> dict[str, str]:
    """Field errors for texts that are too long, do not compile in the sandbox or take too
    much work to show (a preview render with the request's store)."""
    fields: dict[str, str] = {}
    for name, source in (("description", description), ("description_zh", description_zh)):
        if len(source) > MAX_DESCRIPTION:
            fields[name] = _("At most %(n)d characters.", n=MAX_DESCRIPTION)
        elif (problem := texts.validate(source)) is not None:
            fields[name] = _("This text does not work as a template: %(problem)s", problem=problem)
    return fields


def save(actor: Any, product: Described, description: str, description_zh: str) -> ProductText:
    """Store the store's texts (empty: fall back); raises CatalogError with ``fields``."""
    staff = require_permission(actor, PERMISSION)
    description, description_zh = description.strip(), description_zh.strip()
    fields = check(description, description_zh)
    if fields:
        raise CatalogError(_("Some fields need attention."), fields=fields)
    row = store_text(product.code)
    if row is None:
        row = ProductText(product_code=product.code)
        db.session.add(row)
    row.description, row.description_zh = description, description_zh
    row.updated_at, row.updated_by_id = utcnow(), staff.id
    db.session.flush()
    return row


def source_for(
    product: Described, locale: str, row: Texts | None, *, use_default: bool = True
) -> str:
    """The description source a visitor in ``locale`` sees (see the module docstring)."""
    chinese = locale.startswith("zh")
    if row is not None:
        mine, other = (
            (row.description_zh, row.description)
            if chinese
            else (row.description, row.description_zh)
        )
        if mine.strip():
            return mine
        if other.strip():
            return other
    if not use_default:
        return ""
    default = product.description_zh if chinese and product.description_zh else product.description
    return default or ""


def render(source: str, store: Any) -> Markup:
    """A description source as safe HTML (sandbox, then plain text)."""
    return texts.plain_to_html(texts.render_plain(source, store))


def store_texts() -> dict[str, ProductText]:
    """This store's texts per product code (one query)."""
    return {row.product_code: row for row in db.session.scalars(select(ProductText))}


def for_visitor(product: Described, locale: str, store: Any) -> Markup:
    """The description a visitor in ``locale`` sees, as safe HTML."""
    kept = visitor_texts()
    row: Texts | None = kept.get(product.code) if kept is not None else store_text(product.code)
    return render(source_for(product, locale, row), store)


def plain_for_visitor(
    product: Described, locale: str, store: Any, rows: dict[str, ProductText] | None = None
) -> str:
    """The same text without markup (the JSON API)."""
    row = rows.get(product.code) if rows is not None else store_text(product.code)
    return texts.render_plain(source_for(product, locale, row), store)

"""Branding rules: logo/favicon uploads (type-sniffed, size-capped), colours with a WCAG
contrast check, contact details, terms links, default language, domains."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit, texts
from storefront.backoffice.errors import BackofficeError, DomainTaken, LastDomain, NotFound
from storefront.extensions import db
from storefront.stores.models import Store, StoreDomain
from storefront.stores.services import HEX_COLOUR, normalise_host

MAX_IMAGE_BYTES = 512 * 1024
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"GIF87a": ("gif", "image/gif"),
    b"GIF89a": ("gif", "image/gif"),
    b"\x00\x00\x01\x00": ("ico", "image/x-icon"),
}
MIME = dict(IMAGE_TYPES.values()) | {"webp": "image/webp"}
MIN_CONTRAST = 4.5  # WCAG AA for normal text: white text on the primary / secondary colour
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# A mailbox we put in From / Reply-To: plain local@domain.tld, no display name, no header tricks.
MAILBOX_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)
TERM_KEYS = (
    "user_agreement",
    "privacy_statement",
    "customer_association_notice",
    "partner_association_terms",
)


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(extension, mime type) for PNG/JPEG/GIF/ICO/WebP by magic bytes; SVG is refused."""
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None


def _luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def asset_dir(store_id: int) -> Path:
    path = Path(current_app.instance_path) / "branding" / str(store_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def asset_file(store_id: int, name: str) -> Path | None:
    """The stored file ``name`` of ``store_id`` (no path tricks), or None."""
    if not re.fullmatch(r"(logo|favicon)-[a-f0-9]{16}\.(png|jpg|gif|ico|webp)", name):
        return None
    path = asset_dir(store_id) / name
    return path if path.is_file() else None


def save_image(actor: Staff, store: Store, kind: str, data: bytes, ip: str | None = None) -> str:
    require_permission(actor, "branding.manage")
    if kind not in ("logo", "favicon"):
        raise ValueError(kind)
    if not data:
        raise BackofficeError(_("Choose a file."), fields={kind: _("Empty.")})
    if len(data) > int(current_app.config.get("BACKOFFICE_MAX_IMAGE_BYTES", MAX_IMAGE_BYTES)):
        raise BackofficeError(_("The image is too large."), fields={kind: _("At most 512 KB.")})
    sniffed = sniff_image(data)
    if sniffed is None:
        message = _("Upload a PNG, JPEG, GIF, WebP or ICO image.")
        raise BackofficeError(message, fields={kind: message})
    name = f"{kind}-{secrets.token_hex(8)}.{sniffed[0]}"
    (asset_dir(store.id) / name).write_bytes(data)
    url = f"/branding/{name}"
    if kind == "logo":
        store.logo_path = url
    else:
        store.favicon_path = url
    audit.record(actor, f"branding.{kind}", f"store:{store.id}", {"file": name}, ip)
    db.session.flush()
    return url


def update_settings(
    actor: Staff, store: Store, data: dict[str, Any], ip: str | None = None
) -> None:
    """Name, colours (contrast-checked), contact, mail sender, footer, language, terms links,
    review mode."""
    require_permission(actor, "branding.manage")
    fields: dict[str, Any] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        fields["name"] = _("Enter the store's name (up to 120 characters).")
    for key in ("primary_color", "secondary_color"):
        colour = data.get(key) or ""
        if not HEX_COLOUR.match(colour):
            fields[key] = _("Use a colour like #1a2b3c.")
        elif contrast_ratio(colour, "#ffffff") < MIN_CONTRAST:
            fields[key] = _(
                "White text on this colour has a contrast of %(ratio)s:1; WCAG AA needs 4.5:1.",
                ratio=f"{contrast_ratio(colour, '#ffffff'):.2f}",
            )
    for key in ("contact_email", "mail_from_address"):
        address = (data.get(key) or "").strip()
        if address and (len(address) > 255 or not MAILBOX_RE.match(address)):
            fields[key] = _("Enter an email address like support@example.com.")
    sender_name = (data.get("mail_from_name") or "").strip()
    if len(sender_name) > 120 or any(ord(ch) < 32 or ord(ch) == 127 for ch in sender_name):
        fields["mail_from_name"] = _("Use one line of at most 120 characters.")
    if data.get("default_locale") not in ("en", "zh_Hans_CN"):
        fields["default_locale"] = _("Choose a language.")
    footer = data.get("footer_text") or ""
    if footer and (problem := texts.validate(footer, store)):
        fields["footer_text"] = _("The text is not a valid template: %(problem)s", problem=problem)
    terms: dict[str, dict[str, str]] = {}
    for key in TERM_KEYS:
        url = (data.get(f"terms_{key}") or "").strip()
        if url:
            if not texts.safe_url(url):
                fields[f"terms_{key}"] = _("Use an https:// address.")
            terms[key] = {
                "version": (data.get("terms_version") or "store").strip()[:20],
                "url": url,
            }
    if fields:
        raise BackofficeError(_("Please correct the marked fields."), fields=fields)
    before = {
        "name": store.name,
        "primary": store.primary_color,
        "secondary": store.secondary_color,
        "mail_from": [store.mail_from_name, store.mail_from_address],
    }
    store.name = name
    store.primary_color = data["primary_color"]
    store.secondary_color = data["secondary_color"]
    store.default_locale = data["default_locale"]
    store.contact_email = (data.get("contact_email") or "").strip() or None
    store.mail_from_name = sender_name or None
    store.mail_from_address = (data.get("mail_from_address") or "").strip() or None
    store.contact_phone = (data.get("contact_phone") or "").strip() or None
    store.contact_address = (data.get("contact_address") or "").strip() or None
    store.footer_text = footer or None
    store.terms = terms or None
    store.realname_review_local = bool(data.get("realname_review_local"))
    audit.record(actor, "branding.update", f"store:{store.id}", {"before": before}, ip)
    db.session.flush()


def add_domain(actor: Staff, store: Store, host: str, ip: str | None = None) -> StoreDomain:
    require_permission(actor, "branding.manage")
    host = normalise_host(host or "")
    if not HOST_RE.match(host):
        raise BackofficeError(
            _("Enter a host name like shop.example.com."), fields={"host": _("?")}
        )
    if db.session.scalar(select(StoreDomain.id).where(StoreDomain.host == host)) is not None:
        raise DomainTaken(_("This domain is already in use."))
    domain = StoreDomain(store_id=store.id, host=host)
    db.session.add(domain)
    audit.record(actor, "branding.domain_add", f"store:{store.id}", {"host": host}, ip)
    db.session.flush()
    return domain


def remove_domain(actor: Staff, store: Store, domain_id: int, ip: str | None = None) -> None:
    require_permission(actor, "branding.manage")
    domain = db.session.get(StoreDomain, domain_id)
    if domain is None or domain.store_id != store.id:
        raise NotFound(_("No such domain."))
    if len(store.domains) <= 1:
        raise LastDomain(_("Keep at least one domain."))
    audit.record(actor, "branding.domain_remove", f"store:{store.id}", {"host": domain.host}, ip)
    db.session.delete(domain)
    db.session.flush()


def save_text(actor: Staff, key: str, body: str, ip: str | None = None) -> None:
    """Store the text ``key`` (one of :data:`texts.TEXT_KEYS`): a template, checked first."""
    require_permission(actor, "branding.manage")
    problem = texts.validate(body)
    if problem:
        raise BackofficeError(_("The text is not a valid template: %(problem)s", problem=problem))
    texts.set_text(key, body)
    audit.record(actor, "branding.text", f"text:{key}", {"length": len(body)}, ip)
    db.session.flush()

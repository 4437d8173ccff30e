"""The store's image settings (#17), on the staff page ``/staff/server-images`` (the owner's:
``servers.images``): the default image per region and OS, booted when the customer chose none
(an API order without ``image``, a visitor's quote), and the images the store hides from its
customers (hidden items of kind ``image``, the table the catalogue hides products with)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.catalog.models import HiddenItem
from storefront.extensions import db
from storefront.servers.errors import ServersError
from storefront.servers.models import DefaultImage
from storefront.stores.tenancy import in_store

PERMISSION = "servers.images"
OS_TYPES = ("Linux", "Windows")
MAX_HIDDEN = 200
IDENT = re.compile(r"[A-Za-z0-9._-]{1,64}")


def defaults(store_id: int) -> dict[tuple[str, str], str]:
    """``(region, os) -> image id`` of the store."""
    rows = db.session.scalars(in_store(select(DefaultImage), store_id))
    return {(r.region_code, r.os_type): r.image_id for r in rows}


def default_image(store_id: int, region: str, os_type: str | None) -> str | None:
    """The store's default image for a server of ``region`` priced for ``os_type``."""
    query = select(DefaultImage.image_id).where(
        DefaultImage.region_code == region, DefaultImage.os_type == (os_type or "Linux")
    )
    return db.session.scalar(in_store(query, store_id))


def hidden_images(store_id: int) -> list[str]:
    query = select(HiddenItem.code).where(HiddenItem.kind == "image").order_by(HiddenItem.code)
    return list(db.session.scalars(in_store(query, store_id)))


def _checked(values: Iterable[str], field: str) -> list[str]:
    found = [v.strip() for v in values if v and v.strip()]
    if any(not IDENT.fullmatch(v) for v in found):
        raise ServersError(
            _("Image ids are letters, digits, dots, hyphens and underscores."),
            fields={field: _("Not an image id.")},
        )
    return found


def save(staff: Staff, chosen: Mapping[tuple[str, str], str], hidden: Iterable[str]) -> None:
    """Set the default images (an empty value: none) and the hidden images. Flushes; the view
    commits."""
    require_permission(staff, PERMISSION)
    store_id = staff.store_id
    wanted = {key: value.strip() for key, value in chosen.items()}
    _checked(wanted.values(), "defaults")
    hide = sorted(set(_checked(hidden, "hidden")))
    if len(hide) > MAX_HIDDEN:
        raise ServersError(
            _("At most %(n)d hidden images.", n=MAX_HIDDEN), fields={"hidden": _("Too many.")}
        )
    rows = {
        (r.region_code, r.os_type): r
        for r in db.session.scalars(in_store(select(DefaultImage), store_id))
    }
    for (region, os_type), image in wanted.items():
        row = rows.get((region, os_type))
        if not image and row is not None:
            db.session.delete(row)
        elif image and row is None:
            db.session.add(
                DefaultImage(store_id=store_id, region_code=region, os_type=os_type, image_id=image)
            )
        elif image and row is not None:
            row.image_id = image
    was = set(hidden_images(store_id))
    for code in was - set(hide):
        row = db.session.scalar(
            in_store(
                select(HiddenItem).where(HiddenItem.kind == "image", HiddenItem.code == code),
                store_id,
            )
        )
        if row is not None:
            db.session.delete(row)
    for code in set(hide) - was:
        db.session.add(HiddenItem(store_id=store_id, kind="image", code=code))
    audit.record(
        staff,
        "servers.images",
        details={"defaults": {f"{r}/{o}": v for (r, o), v in wanted.items() if v}, "hidden": hide},
        store_id=store_id,
    )
    db.session.flush()

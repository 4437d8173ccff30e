"""What the catalogue's pages share: the blueprint, the visitor, the page's language and the
region a page shows."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import get_locale
from flask_login import current_user

from storefront.accounts.models import Customer
from storefront.catalog import services

bp = Blueprint("catalog", __name__)


def visitor_id() -> int | None:
    """The logged-in customer's id; None for anyone else."""
    user = current_user
    return int(user.id) if isinstance(user, Customer) and user.is_authenticated else None


def page_locale() -> str:
    return str(get_locale() or "en")


def chosen_region(hid: services.Hidden) -> tuple[list[Any], str | None]:
    """The visible regions, and the one asked for (else the first)."""
    regions = services.regions(hid)
    codes = [r.code for r in regions]
    wanted = request.values.get("region")
    return regions, wanted if wanted in codes else (codes[0] if codes else None)

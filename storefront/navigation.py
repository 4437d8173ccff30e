"""The layout's navigation: each area adds its entries when it registers.

``main`` entries go on the left, ``account`` entries on the right. An entry shows only when
its endpoint exists and its ``visible`` check passes for the current user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask_login import current_user


def _always(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy gettext string
    section: str = "main"
    order: int = 100
    visible: Callable[[Any], bool] = field(default=_always)


def add_nav(app: Flask, item: NavItem) -> None:
    app.extensions.setdefault("storefront.nav", []).append(item)


def _items(section: str) -> list[NavItem]:
    items: list[NavItem] = current_app.extensions.get("storefront.nav", [])
    endpoints = current_app.view_functions
    return sorted(
        (
            i
            for i in items
            if i.section == section and i.endpoint in endpoints and i.visible(current_user)
        ),
        key=lambda i: i.order,
    )


def register(app: Flask) -> None:
    @app.context_processor
    def inject_nav() -> dict[str, object]:
        return {"nav_items": lambda: _items("main"), "account_items": lambda: _items("account")}

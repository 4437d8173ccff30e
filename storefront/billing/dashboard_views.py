"""The customer dashboard's data, offered to the account page's template."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from storefront.accounts.models import Customer
from storefront.billing import dashboard


def customer_dashboard() -> dashboard.Dashboard | None:
    user = current_user
    return dashboard.for_customer(user) if isinstance(user, Customer) else None


def register(app: Flask) -> None:
    app.add_template_global(customer_dashboard, "customer_dashboard")

"""Bearer-token authentication for API endpoints (the API never uses the session cookie).

@bp.get("/things")
@require_customer_token
def things(): customer = api_principal()
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from storefront.accounts.models import Customer, Staff
from storefront.accounts.tokens import principal_for_token
from storefront.api.errors import ApiError
from storefront.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def _bearer_principal() -> Customer | Staff:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    principal = principal_for_token(raw.strip()) if scheme.lower() == "bearer" and raw else None
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            "A valid bearer token is required.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if db.session.dirty:  # the token's last use (once a minute), whatever the endpoint then does
        db.session.commit()
    return principal


def _require(kind: type[Customer] | type[Staff]) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _bearer_principal()
            if not isinstance(principal, kind):
                raise ApiError(403, "forbidden", "This token cannot use this endpoint.")
            g.api_principal = principal
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


require_customer_token = _require(Customer)
require_staff_token = _require(Staff)


def optional_customer() -> Customer | None:
    """For endpoints that also serve anonymous callers (prices, quotes): the customer whose
    bearer token the request carries, None without an ``Authorization`` header or for a staff
    token; a token that is sent but not valid is a 401, never silently anonymous."""
    if "api_customer" not in g:
        principal = _bearer_principal() if request.headers.get("Authorization") else None
        g.api_customer = principal if isinstance(principal, Customer) else None
    customer: Customer | None = g.api_customer
    return customer


def api_principal() -> Any:
    """The principal the current request's token belongs to."""
    return g.api_principal


def api_customer() -> Customer:
    principal = g.api_principal
    assert isinstance(principal, Customer)
    return principal


def api_staff() -> Staff:
    principal = g.api_principal
    assert isinstance(principal, Staff)
    return principal

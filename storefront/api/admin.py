"""Staff customer endpoints: list/search, detail, freeze and unfreeze (API.md, "Staff")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar, cast

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.api import bp
from storefront.api.accounts import customer_json, json_body
from storefront.api.auth import api_staff, require_staff_token
from storefront.api.errors import ApiError
from storefront.backoffice import customer_freeze, customer_search
from storefront.backoffice.customer_search import CustomerQuery
from storefront.extensions import db
from storefront.stores.tenancy import current_store

F = TypeVar("F", bound=Callable[..., Any])


def staff_api(permission: str) -> Callable[[F], F]:
    """Bearer staff token + the permission (a refusal is the contract's 403 body).

    Domain errors the view raises reach the app's handler (``storefront.errors``). The
    permission is also checked again inside the service; ``view.permission`` lets the
    authorisation test matrix know what each endpoint needs.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(api_staff(), permission):
                raise ApiError(403, "forbidden", "Your role does not allow this.")
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return cast(F, require_staff_token(wrapper))

    return decorator


def _bool_arg(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ApiError(422, "invalid_input", f"{name} must be true or false.", {name: "Not a boolean."})


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            422, "invalid_input", f"{name} must be a date (YYYY-MM-DD).", {name: "Not a date."}
        ) from None


def _limit() -> int:
    raw = request.args.get("limit", "")
    if raw == "":
        return customer_search.DEFAULT_LIMIT
    # ASCII digits only (int() refuses '²'), and few of them (int() refuses 5,000)
    if (
        not (raw.isascii() and raw.isdigit())
        or len(raw) > 3
        or not 1 <= int(raw) <= customer_search.MAX_LIMIT
    ):
        raise ApiError(422, "invalid_input", "limit must be 1 to 100.", {"limit": "1 to 100."})
    return int(raw)


def admin_customer_json(customer: Customer) -> dict[str, Any]:
    body = customer_json(customer)
    body["provider_customer_id"] = customer.provider_customer_id
    body["created_at"] = customer.created_at.isoformat() if customer.created_at else None
    return body


@bp.get("/admin/customers")
@staff_api("customers.view")
def admin_customers() -> ResponseReturnValue:
    params = CustomerQuery(
        q=request.args.get("q", "")[:200],
        realname=request.args.get("realname") or None,
        frozen=_bool_arg("frozen"),
        has_balance=_bool_arg("has_balance"),
        registered_from=_date_arg("registered_from"),
        registered_to=_date_arg("registered_to"),
        cursor=request.args.get("cursor") or None,
        limit=_limit(),
    )
    items, next_cursor = customer_search.search_customers(api_staff(), params)
    return jsonify(items=[admin_customer_json(c) for c in items], next_cursor=next_cursor)


def _customer(customer_id: int) -> Customer:
    return customer_search.get_customer(api_staff(), customer_id)


@bp.get("/admin/customers/<id:customer_id>")
@staff_api("customers.view")
def admin_customer(customer_id: int) -> ResponseReturnValue:
    summary = customer_search.summary(api_staff(), _customer(customer_id))
    body = admin_customer_json(summary.customer)
    body.update(
        balance=f"{summary.balance:.2f}",
        currency=current_store().currency,
        orders_count=summary.orders_count,
        frozen_reason=summary.freeze.reason if summary.freeze else None,
        freeze_mode=summary.freeze.mode if summary.freeze else None,
    )
    return jsonify(body)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(422, "invalid_input", f"{name} must be a string.", {name: "Not a string."})
    return value or ""


@bp.post("/admin/customers/<id:customer_id>/freeze")
@staff_api("customers.freeze")
def admin_freeze(customer_id: int) -> ResponseReturnValue:
    data = json_body()
    customer = _customer(customer_id)
    freeze = customer_freeze.freeze_customer(
        api_staff(),
        customer,
        _text(data, "reason"),
        _text(data, "mode") or "ACCOUNT",
        ip=request.remote_addr,
    )
    db.session.commit()  # frozen here before the provider is asked
    customer_freeze.mirror_freeze(freeze)
    db.session.commit()
    return jsonify(status=str(customer.status), provider=freeze.provider_state)


@bp.post("/admin/customers/<id:customer_id>/unfreeze")
@staff_api("customers.freeze")
def admin_unfreeze(customer_id: int) -> ResponseReturnValue:
    data = json_body()
    customer = _customer(customer_id)
    customer_freeze.unfreeze_customer(
        api_staff(), customer, _text(data, "reason"), ip=request.remote_addr
    )
    db.session.commit()
    return jsonify(status=str(customer.status))


__all__ = ["admin_customers", "staff_api"]

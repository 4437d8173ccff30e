"""Customer account endpoints: registration, email verification, tokens, me, real-name."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from storefront.accounts import realname_routes, registration, services
from storefront.accounts.errors import AccountError
from storefront.accounts.limits import ip_and_email, ip_and_phone, ip_only, limit
from storefront.accounts.models import ApiToken, Customer, Staff
from storefront.accounts.realname_routes import ip_and_mobile
from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.api.errors import ApiError
from storefront.billing.services import wallet_summary
from storefront.extensions import db
from storefront.ratelimit import rate_limited
from storefront.stores.tenancy import current_store

log = logging.getLogger(__name__)


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "Send a JSON object.")
    return data


def text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(422, "invalid_input", f"{name} must be a string.", {name: "Not a string."})
    return value


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "account_name": customer.account_name,
        "phone": customer.phone,
        "country": customer.country,
        "status": str(customer.status),
        "realname_status": str(customer.realname_status),
        "provider_link": str(customer.provider_link),
    }


def token_json(raw: str, token: ApiToken) -> dict[str, Any]:
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@bp.post("/customers")
def register_customer() -> ResponseReturnValue:
    data = json_body()
    reg = registration.Registration(
        email=text(data, "email"),
        password=text(data, "password"),
        name=text(data, "name"),
        account_name=text(data, "account_name") or None,
        phone=text(data, "phone") or None,
        verification_code=text(data, "verification_code") or None,
        country=text(data, "country"),
        accept_terms=data.get("accept_terms"),
        consent_personal_info=data.get("consent_personal_info"),
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        locale=str(get_locale() or current_store().default_locale),
    )
    customer = registration.register_customer(reg)
    db.session.commit()
    return jsonify(customer_json(customer)), 201


@bp.post("/customers/verification-code")
@rate_limited(
    limit("ACCOUNTS_LIMIT_SMS"), key_func=ip_and_phone, deduct_when=lambda r: r.status_code == 202
)  # per number: codes sent
@rate_limited(limit("ACCOUNTS_LIMIT_SMS_IP"), key_func=ip_only)
def send_verification_code() -> ResponseReturnValue:
    """SMS the provider's registration code to a Chinese mainland mobile (``{phone}``)."""
    data = json_body()
    registration.send_registration_code(
        text(data, "phone"), locale=str(get_locale() or current_store().default_locale)
    )
    return jsonify(status="sent"), 202


@bp.post("/customers/verify-email")
@rate_limited(limit("ACCOUNTS_LIMIT_VERIFY"), key_func=ip_only)
def verify_email() -> ResponseReturnValue:
    data = json_body()
    customer = services.verify_email(text(data, "token"))
    db.session.commit()
    return jsonify(status=str(customer.status))


def issue_for(kind: type[Customer] | type[Staff]) -> ResponseReturnValue:
    data = json_body()
    principal = services.authenticate(
        kind,
        text(data, "email"),
        text(data, "password"),
        text(data, "otp") or None,
        request.remote_addr,
    )
    if (
        isinstance(principal, Staff)
        and not principal.totp_enabled
        and services.staff_2fa_required(principal.store_id)
    ):
        raise AccountError(
            "otp_enrolment_required",
            "This store requires two-factor authentication: enrol at /account/security.",
        )
    raw, token = services.issue_token(principal, name=text(data, "name") or "API")
    db.session.commit()  # the token, a spent second factor, an upgraded password hash
    return jsonify(token_json(raw, token))


@bp.post("/auth/token")
@rate_limited(limit("ACCOUNTS_LIMIT_LOGIN"), key_func=ip_and_email)
def customer_token() -> ResponseReturnValue:
    return issue_for(Customer)


@bp.get("/me")
@require_customer_token
def me() -> ResponseReturnValue:
    customer = api_customer()
    body = customer_json(customer)
    body.update(wallet_summary(customer))
    body["can_buy"] = services.can_buy(customer)
    return jsonify(body)


def realname_json(customer: Customer) -> dict[str, Any]:
    return {
        "realname_status": str(customer.realname_status),
        "type": customer.realname_type,
        "masked_id": customer.realname_masked,
        "opinion": customer.realname_opinion,
    }


@bp.get("/me/realname")
@require_customer_token
def get_realname() -> ResponseReturnValue:
    customer = api_customer()
    services.refresh_realname(customer)
    db.session.commit()
    return jsonify(realname_json(customer))


def _documents(data: dict[str, Any]) -> list[bytes]:
    """``documents``: base64 images (JPEG, PNG or PDF), in the order the document type needs."""
    raw = data.get("documents") or []
    try:
        if not isinstance(raw, list) or len(raw) > 10:
            raise ValueError
        return [base64.b64decode(str(item), validate=True) for item in raw]
    except (ValueError, binascii.Error):
        message = "Send documents as a list of base64-encoded files."
        raise ApiError(422, "invalid_input", message, {"documents": message}) from None


@bp.post("/me/realname/verification-code")
@rate_limited(
    limit("ACCOUNTS_LIMIT_SMS"), key_func=ip_and_mobile, deduct_when=lambda r: r.status_code == 202
)  # per number: codes sent
@rate_limited(limit("ACCOUNTS_LIMIT_SMS_IP"), key_func=ip_only)
@require_customer_token
def send_realname_code() -> ResponseReturnValue:
    """SMS the provider's bank-card real-name code to ``{mobile}`` (mainland China)."""
    data = json_body()
    realname_routes.send_realname_code(
        api_customer(),
        text(data, "mobile"),
        locale=str(get_locale() or current_store().default_locale),
    )
    return jsonify(status="sent"), 202


@bp.post("/me/realname")
@require_customer_token
def submit_realname() -> ResponseReturnValue:
    customer = api_customer()
    data = json_body()
    payload = services.RealnameInput(
        kind=text(data, "type"),
        name=text(data, "name"),
        id_number=text(data, "id_number"),
        company_name=text(data, "company_name"),
        credit_code=text(data, "credit_code"),
        legal_person=text(data, "legal_person"),
        document_type=text(data, "document_type"),
        bank_account=text(data, "bank_account"),
        mobile=text(data, "mobile"),
        verification_code=text(data, "verification_code"),
        documents=_documents(data),
    )
    services.submit_realname(customer, payload)
    db.session.commit()  # the provider has it: kept whatever the review poll does
    services.refresh_realname(customer, max_age_s=0)
    db.session.commit()
    return jsonify(realname_json(customer)), 202

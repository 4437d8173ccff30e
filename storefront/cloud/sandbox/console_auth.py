"""The sandbox's auth host: SAML login of a partner's customer and IAM's identity broker.

* ``/authui/saml/metadata.xml``: the SP metadata the partner loads into its IdP;
* ``/authui/saml/login?xAccountType=…&service=…``: a signed AuthnRequest to the IdP trusted
  for that ``xAccountType``, ``service`` travelling as RelayState;
* ``/authui/saml/SAMLAssertionConsumer``: validates the signed Response/Assertion (pysaml2, in
  :mod:`.console_sp`),
  maps ``xUserId`` + ``xAccountType`` to the customer account and logs it in;
* ``/authui/federation/login?idp_login_url=…&service=…&logintoken=…``: redeems a login token
  (single use, unexpired) and logs its account in.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import Blueprint, redirect, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import select, update

from storefront.cloud.sandbox.console_common import (
    ACS_PATH,
    console_url,
    db_session,
    fail,
    site_state,
)
from storefront.cloud.sandbox.console_models import IdpTrust
from storefront.cloud.sandbox.federation_models import LoginToken, token_hash
from storefront.cloud.sandbox.models import Account

bp = Blueprint("sandbox_console_auth", __name__)


@bp.get("/authui/saml/metadata.xml")
def sp_metadata() -> ResponseReturnValue:
    from storefront.cloud.sandbox.console_sp import metadata_xml  # pysaml2: see console_sp

    return metadata_xml(), 200, {"Content-Type": "application/samlmetadata+xml"}


@bp.get("/authui/saml/login")
def saml_login() -> ResponseReturnValue:
    xaccount_type = request.args.get("xAccountType", "")
    service = console_url(request.args.get("service"))
    if service is None:
        return fail(400, "IAM.0011", "The service parameter is invalid.")
    with db_session() as s:
        trust = s.get(IdpTrust, xaccount_type) if xaccount_type else None
        idp_xml = trust.metadata_xml if trust else None
    if idp_xml is None:
        return fail(400, "IAM.0102", "No identity provider is configured for xAccountType.")
    from storefront.cloud.sandbox.console_sp import login_request  # pysaml2: see console_sp

    made = login_request(idp_xml, service)
    if made is None:
        return fail(400, "IAM.0102", "The identity provider metadata is invalid.")
    request_id, location = made
    outstanding = dict(session.get("outstanding", {}))
    outstanding[request_id] = {"service": service, "xaccount_type": xaccount_type}
    session["outstanding"] = dict(list(outstanding.items())[-5:])
    return redirect(location, 302)


@bp.post(ACS_PATH)
def acs() -> ResponseReturnValue:
    raw = request.form.get("SAMLResponse", "")
    outstanding: dict[str, dict[str, str]] = dict(session.get("outstanding", {}))
    if not raw or not outstanding:
        return fail(401, "IAM.0201", "Authentication failed: no login in progress.")
    trusts: Iterable[str]
    with db_session() as s:
        trusts = [
            t.metadata_xml
            for t in s.scalars(
                select(IdpTrust).where(
                    IdpTrust.xaccount_type.in_({o["xaccount_type"] for o in outstanding.values()})
                )
            )
        ]
    from storefront.cloud.sandbox.console_sp import parse_response  # pysaml2: see console_sp

    result = None
    for idp_xml in trusts:
        result = parse_response(idp_xml, raw, {k: v["service"] for k, v in outstanding.items()})
        if result is not None:
            break
    if result is None:
        return fail(401, "IAM.0201", "Authentication failed: the SAML response is invalid.")
    pending = outstanding.pop(result.in_response_to, None)
    session["outstanding"] = outstanding
    if pending is None:
        return fail(401, "IAM.0201", "Authentication failed: unexpected SAML response.")
    ava = result.get_identity()
    user_id = (ava.get("xUserId") or [""])[0]
    xaccount_type = (ava.get("xAccountType") or [""])[0]
    if xaccount_type != pending["xaccount_type"] or not user_id:
        return fail(401, "IAM.0202", "Authentication failed: the account attributes are wrong.")
    with db_session() as s:
        account = s.scalar(
            select(Account).where(
                Account.xaccount_type == xaccount_type,
                Account.xaccount_id == user_id,
                Account.kind == "customer",
            )
        )
        if account is None:
            return fail(401, "IAM.0203", "The partner account is not bound to a cloud account.")
        if account.is_frozen:
            return fail(403, "IAM.0204", "The account is frozen.")
        session["user"] = account.domain_id
        session["user_name"] = account.name
    session["csrf"] = secrets.token_urlsafe(16)
    relay = console_url(request.form.get("RelayState")) or pending["service"]
    return redirect(relay, 302)


@bp.get("/authui/federation/login")
def federation_login() -> ResponseReturnValue:
    """IAM custom identity broker: redeem a login token once, then land on ``service``."""
    service = console_url(request.args.get("service"))
    if service is None:
        return fail(400, "IAM.0011", "The service parameter is invalid.")
    raw = request.args.get("logintoken", "")
    if not raw or len(raw) > 512:
        return fail(401, "IAM.0201", "Authentication failed: no login token.")
    now = site_state().now().replace(tzinfo=None)
    with db_session() as s:
        token = s.get(LoginToken, token_hash(raw))
        if token is None:
            return fail(401, "IAM.0201", "Authentication failed: the login token is invalid.")
        if token.used_at is not None:
            return fail(401, "IAM.0205", "The login token has already been used.")
        if token.expires_at <= now:
            return fail(401, "IAM.0206", "The login token has expired.")
        spent = s.execute(
            update(LoginToken)
            .where(LoginToken.token_hash == token.token_hash, LoginToken.used_at.is_(None))
            .values(used_at=now)
        )
        if spent.rowcount != 1:
            return fail(401, "IAM.0205", "The login token has already been used.")
        account = s.get(Account, token.domain_id)
        if account is None or account.kind != "customer":
            return fail(401, "IAM.0203", "The login token's account does not exist.")
        if account.is_frozen:
            return fail(403, "IAM.0204", "The account is frozen.")
        session["user"] = account.domain_id
        session["user_name"] = f"{account.name}/{token.session_user}"
    session["csrf"] = secrets.token_urlsafe(16)
    idp_login_url = request.args.get("idp_login_url", "")
    if idp_login_url.startswith(("http://", "https://")):
        session["idp_login_url"] = idp_login_url
    return redirect(service, 302)

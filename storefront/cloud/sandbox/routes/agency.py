"""IAM for the partner: agency security tokens and the customer's projects."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import (
    SESSION_USER,
    calling_partner,
)
from storefront.cloud.sandbox.commerce import (
    Project,
)
from storefront.cloud.sandbox.federation_models import SecurityToken, token_hash
from storefront.cloud.sandbox.models import AccessKey, Account
from storefront.cloud.sandbox.state import caller_id, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, body, respond

bp = Blueprint("sandbox_agency", __name__)


# --------------------------------------------------------------------------- IAM


@bp.post("/v3.0/OS-CREDENTIAL/securitytokens")
def security_token() -> Response:
    data = body()
    identity = ((data.get("auth") or {}).get("identity")) or {}
    role = identity.get("assume_role") or {}
    if identity.get("methods") != ["assume_role"] or not role.get("agency_name"):
        raise ApiError(400, "IAM.0007", "Request parameter 'auth.identity' is invalid.")
    session_user = (role.get("session_user") or {}).get("name")
    if session_user is not None and not SESSION_USER.fullmatch(str(session_user)):
        raise ApiError(400, "IAM.0007", "Request parameter 'session_user.name' is invalid.")
    expires = datetime.now(UTC) + timedelta(seconds=int(role.get("duration_seconds") or 900))
    token = secrets.token_urlsafe(48)
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        customer = s.get(Account, role.get("domain_id"))
        # The agency a customer grants its partner is named after the partner's xaccountType.
        if (
            customer is None
            or customer.parent_id != partner.domain_id
            or role["agency_name"] != partner.xaccount_type
        ):
            raise ApiError(403, "IAM.0002", "The agency does not exist or is not granted.")
        ak, sk = "TMP" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
        s.add(AccessKey(ak=ak, sk=sk, domain_id=customer.domain_id))
        s.add(
            SecurityToken(
                ak=ak,
                token_hash=token_hash(token),
                domain_id=customer.domain_id,
                agency_name=str(role["agency_name"])[:64],
                assumed_by=partner.domain_id,
                session_user=session_user,
                expires_at=expires.replace(tzinfo=None),
            )
        )
    credential = {
        "access": ak,
        "secret": sk,
        "securitytoken": token,
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
    }
    return respond({"credential": credential}, 201)


@bp.get("/v3/auth/projects")
def auth_projects() -> Response:
    with sandbox_state().db.session() as s:
        domain_id = caller_id()
        projects = []
        for region in prices.REGIONS:
            pid = Project.id_for(domain_id, region)
            if s.get(Project, pid) is None:
                s.add(Project(id=pid, domain_id=domain_id, region=region))
            projects.append(
                {
                    "id": pid,
                    "name": region,
                    "domain_id": domain_id,
                    "parent_id": domain_id,
                    "is_domain": False,
                    "enabled": True,
                    "description": "",
                    "links": {"self": f"/v3/projects/{pid}"},
                }
            )
    return respond({"projects": projects, "links": {"self": "/v3/auth/projects"}})

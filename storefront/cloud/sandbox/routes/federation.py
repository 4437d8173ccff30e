"""IAM's custom identity broker, API side: ``POST /v3.0/OS-AUTH/securitytoken/logintokens``
(``CreateLoginToken``) turns agency credentials into a login token. The browser side,
``/authui/federation/login``, is the auth host's page in :mod:`..console_site`.

Rules as the provider documents them: the body carries the temporary AK/SK and security token
(``auth.securitytoken.access/secret/id``); a token from an agency needs ``session_user.name``;
the login token lives ``duration_seconds`` (600..43200, else 600) but never longer than the
security token has left (and 600 s when less than that is left); the answer's
``X-Subject-LoginToken`` header is the token.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, Response

from storefront.cloud.sandbox import federation_models  # noqa: F401  (joins the sandbox schema)
from storefront.cloud.sandbox.federation_models import LoginToken, SecurityToken, token_hash
from storefront.cloud.sandbox.models import AccessKey, Account
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, body, respond

bp = Blueprint("sandbox_federation", __name__)
MIN_S, MAX_S = 600, 12 * 3600
TIME = "%Y-%m-%dT%H:%M:%S.000000Z"


def _invalid(message: str) -> ApiError:
    return ApiError(400, "IAM.0007", message)


@bp.post("/v3.0/OS-AUTH/securitytoken/logintokens")
def create_login_token() -> Response:
    data = body()
    given = ((data.get("auth") or {}).get("securitytoken")) or {}
    access, secret, token = given.get("access"), given.get("secret"), given.get("id")
    if not all(isinstance(v, str) and v for v in (access, secret, token)):
        raise _invalid("Request parameter 'auth.securitytoken' is invalid.")
    duration = given.get("duration_seconds")
    if not isinstance(duration, int) or not MIN_S <= duration <= MAX_S:
        duration = MIN_S
    now = sandbox_state().now().replace(tzinfo=None)
    with sandbox_state().db.session() as s:
        issued = s.get(SecurityToken, access)
        key = s.get(AccessKey, access)
        if (
            issued is None
            or key is None
            or not secrets.compare_digest(key.sk, str(secret))
            or not secrets.compare_digest(issued.token_hash, token_hash(str(token)))
        ):
            raise ApiError(401, "IAM.0001", "The security token is invalid.")
        if issued.expires_at <= now:
            raise ApiError(401, "IAM.0003", "The security token has expired.")
        if not issued.session_user:
            raise _invalid("A security token obtained through an agency needs session_user.name.")
        account = s.get(Account, issued.domain_id)
        if account is None:
            raise ApiError(401, "IAM.0001", "The security token is invalid.")
        left = (issued.expires_at - now).total_seconds()
        lifetime = min(duration, left) if left >= MIN_S else MIN_S
        login_token = "LT" + secrets.token_urlsafe(48)
        expires = now + timedelta(seconds=lifetime)
        s.add(
            LoginToken(
                token_hash=token_hash(login_token),
                domain_id=issued.domain_id,
                session_user=issued.session_user,
                expires_at=expires,
            )
        )
        payload = {
            "logintoken": {
                "domain_id": issued.domain_id,
                "expires_at": expires.strftime(TIME),
                "method": "assume_role",
                "user_id": issued.assumed_by,
                "user_name": issued.session_user,
                "session_id": secrets.token_hex(16),
                "session_user_id": token_hash(f"{issued.domain_id}/{issued.session_user}")[:32],
                "session_name": issued.session_user,
                "assumed_by": {
                    "user": {
                        "domain": {"id": issued.assumed_by, "name": issued.assumed_by},
                        "id": issued.assumed_by,
                        "name": issued.agency_name,
                    }
                },
            }
        }
    response = respond(payload, 201)
    response.headers["X-Subject-LoginToken"] = login_token
    return response

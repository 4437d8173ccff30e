"""Staff tokens: ``POST /api/v1/admin/auth/token`` (same machinery as customers)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from storefront.accounts.limits import ip_and_email, limit
from storefront.accounts.models import Staff
from storefront.api import bp
from storefront.api.accounts import issue_for
from storefront.ratelimit import rate_limited


@bp.post("/admin/auth/token")
@rate_limited(limit("ACCOUNTS_LIMIT_LOGIN"), key_func=ip_and_email)
def staff_token() -> ResponseReturnValue:
    return issue_for(Staff)

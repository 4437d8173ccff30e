"""Freeze and unfreeze sub-customers (``FreezeSubCustomers`` / ``UnfreezeSubCustomers``).

The provider's body: ``customer_ids`` (1-10), ``reason`` (≤ 256), optional
``indirect_partner_id`` and ``freeze_type`` / ``unfreeze_type`` (``ACCOUNT`` default,
``ACCOUNT_AND_RESOURCE``). Unfreezing must use the type the account was frozen with.
Success is an empty 200 body; per-customer failures come back as ``error_details``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_freeze", __name__)

TYPES = {"ACCOUNT": 1, "ACCOUNT_AND_RESOURCE": 2}


def _change(freeze: bool) -> Response:
    data = body()
    ids = data.get("customer_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 10:
        raise bad_request("customer_ids must list 1 to 10 customer ids.")
    reason = field(data, "reason", str, required=True)
    if len(reason) > 256:
        raise bad_request("reason is longer than 256 characters.")
    kind = field(data, "freeze_type" if freeze else "unfreeze_type", str) or "ACCOUNT"
    if kind not in TYPES:
        raise bad_request("freeze_type must be ACCOUNT or ACCOUNT_AND_RESOURCE.")
    details: list[dict[str, Any]] = []
    with sandbox_state().db.session() as s:
        partner = s.get(Account, caller_id())
        if partner is None or not is_partner(partner):
            raise ApiError(403, "CBC.0151", "Access denied.")
        owner = partner.domain_id
        if indirect := field(data, "indirect_partner_id", str):
            reseller = s.get(Account, indirect)
            if reseller is None or reseller.parent_id != partner.domain_id:
                raise bad_request("You have no permission on this reseller.", "CBC.99000037")
            owner = reseller.domain_id
        for customer_id in ids:
            account = s.get(Account, str(customer_id))
            if account is None or account.kind != "customer" or account.parent_id != owner:
                details.append(
                    {
                        "error_code": "CBC.99010014",
                        "error_msg": "The customer does not exist or is not yours.",
                        "customer_id": customer_id,
                    }
                )
            elif freeze:
                account.is_frozen = TYPES[kind]
            elif account.is_frozen and account.is_frozen != TYPES[kind]:
                details.append(
                    {
                        "error_code": "CBC.99000094",
                        "error_msg": "The unfreeze type must match the freeze type.",
                        "customer_id": customer_id,
                    }
                )
            else:
                account.is_frozen = 0
    return respond({"error_details": details} if details else {})


@bp.post("/v2/partners/sub-customers/freeze")
def freeze() -> Response:
    return _change(True)


@bp.post("/v2/partners/sub-customers/unfreeze")
def unfreeze() -> Response:
    return _change(False)


__all__ = ["bp"]

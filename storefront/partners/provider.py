"""The distributor's own provider client, and how its refusals read."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.cloud import build_provider
from storefront.cloud.interface import (
    CloudProvider,
    PartnerBalance,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.partners.errors import PartnersError
from storefront.partners.settings import partner_settings

NO_RECORD = "no_record"


def distributor_provider() -> CloudProvider:
    """A provider client signing with the distributor's own AK/SK (built once per app)."""
    key = "storefront.partners.distributor_cloud"
    provider: CloudProvider | None = current_app.extensions.get(key)
    if provider is None:
        ps = partner_settings()
        cloud = current_app.config["SETTINGS"].cloud
        provider = build_provider(
            replace(
                cloud,
                ak=ps.distributor_ak,
                sk=ps.distributor_sk,
                domain_id=ps.distributor_domain_id,
                partner_id=ps.distributor_domain_id,
            )
        )
        current_app.extensions[key] = provider
    return provider


def refusal_message(code: str | None, message: str | None) -> Any:
    if code == NO_RECORD:
        return _l("The provider has no record of this request: nothing was moved.")
    return _l("The provider refused: %(code)s %(message)s", code=code or "", message=message or "")


def upstream_error(exc: Exception) -> PartnersError:
    if isinstance(exc, UpstreamRejected):
        return PartnersError(refusal_message(exc.code, exc.message), code=exc.code)
    return PartnersError(_l("The provider cannot be reached right now. Nothing was changed."))


def cash(balances: tuple[PartnerBalance, ...]) -> Decimal:
    """The cash part of a partner's balances at the provider."""
    return sum((b.amount for b in balances if b.account_type == 1), Decimal("0.00"))


def provider_balance(indirect_partner_id: str | None) -> Decimal | None:
    """A reseller's cash balance at the provider (distributor credentials); None if unknown."""
    if not indirect_partner_id:
        return None
    try:
        balances = distributor_provider().list_partner_balances(
            indirect_partner_id=indirect_partner_id
        )
    except (UpstreamRejected, UpstreamUnavailable):
        return None
    return cash(balances)

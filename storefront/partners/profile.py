"""A store's standing at the provider: contracting entity, provider account, programme
membership, and the top-up routes these allow."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.permissions import require_permission
from storefront.extensions import db
from storefront.partners.errors import PartnersError
from storefront.partners.inputs import parse_date
from storefront.partners.models import PartnerProfile
from storefront.stores.tenancy import in_store

ENTITIES: dict[str, Any] = {
    "huawei_software": _l("Huawei Software Technologies Co., Ltd."),
    "huawei_cloud": _l("Huawei Cloud Computing Technologies Co., Ltd."),
    "other": _l("Another contracting entity"),
}
PROVIDER_ENTITIES = frozenset({"huawei_software", "huawei_cloud"})


def ensure_profile(store_id: int) -> PartnerProfile:
    """The store's profile, created (flushed) on first use; works for any store."""
    profile = db.session.scalar(in_store(select(PartnerProfile), store_id))
    if profile is None:
        profile = PartnerProfile(store_id=store_id, contracting_entity="other")
        db.session.add(profile)
        db.session.flush()
    return profile


def topup_routes(profile: PartnerProfile) -> tuple[str, ...]:
    """Online payment and offline remittance for the provider's own Chinese entities; else none
    (the partner goes through its ecosystem manager)."""
    if profile.contracting_entity in PROVIDER_ENTITIES:
        return ("online", "offline")
    return ()


def update_profile(staff: Any, **changes: Any) -> PartnerProfile:
    require_permission(staff, "workspace.manage")
    profile = ensure_profile(staff.store_id)
    entity = changes.get("contracting_entity")
    if entity is not None:
        if entity not in ENTITIES:
            raise PartnersError(_l("Choose a contracting entity."), "contracting_entity")
        profile.contracting_entity = entity
    if "provider_account_name" in changes:
        profile.provider_account_name = (changes["provider_account_name"] or "").strip()[
            :64
        ] or None
    if changes.get("programme_member_since"):
        profile.programme_member_since = parse_date(
            changes["programme_member_since"], "member_since"
        )
        profile.programme_member_id = (changes.get("programme_member_id") or "").strip()[
            :64
        ] or None
    db.session.flush()
    return profile

"""Seed accounts: the demo partner, a distributor with a reseller, and taken identities."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.orm import Session

from storefront.cloud import demo
from storefront.cloud.sandbox.models import AccessKey, Account, SandboxDatabase
from storefront.cloud.sandbox.obs_models import ObsBucket

# Identities already registered at the "provider" by someone else.
TAKEN_NAME = "taken-name"
TAKEN_MOBILE = "13800000000"
TAKEN_EMAIL = "taken@example.com"
PARTNER_DISCOUNT = Decimal("0.9")


def seed(db: SandboxDatabase, credentials: Mapping[str, str] | None = None) -> None:
    """Idempotently create the seed accounts; ``credentials`` (AK -> SK) open the demo partner."""
    partner_keys = dict(credentials or {demo.DEMO_PARTNER_AK: demo.DEMO_PARTNER_SK})
    with db.session() as s:
        _account(
            s,
            demo.DEMO_PARTNER_DOMAIN_ID,
            "storefront-demo-partner",
            "partner",
            xaccount_type=demo.DEMO_XACCOUNT_TYPE,
            discount_rate=PARTNER_DISCOUNT,
        )
        _account(
            s,
            demo.DEMO_DISTRIBUTOR_DOMAIN_ID,
            "storefront-demo-distributor",
            "distributor",
            xaccount_type=demo.DEMO_XACCOUNT_TYPE,
            discount_rate=Decimal("0.85"),
        )
        _account(
            s,
            demo.DEMO_RESELLER_DOMAIN_ID,
            "storefront-demo-reseller",
            "reseller",
            parent_id=demo.DEMO_DISTRIBUTOR_DOMAIN_ID,
            xaccount_type=demo.DEMO_XACCOUNT_TYPE,
            discount_rate=PARTNER_DISCOUNT,
        )
        _account(s, "9f" * 16, TAKEN_NAME, "user", mobile=TAKEN_MOBILE, email=TAKEN_EMAIL)
        s.flush()
        if s.get(ObsBucket, demo.DEMO_OBS_BUCKET) is None:
            s.add(
                ObsBucket(
                    name=demo.DEMO_OBS_BUCKET,
                    owner_id=demo.DEMO_PARTNER_DOMAIN_ID,
                    realname_attachments=True,
                )
            )
        keys = {
            **{ak: (sk, demo.DEMO_PARTNER_DOMAIN_ID) for ak, sk in partner_keys.items()},
            demo.DEMO_DISTRIBUTOR_AK: (demo.DEMO_DISTRIBUTOR_SK, demo.DEMO_DISTRIBUTOR_DOMAIN_ID),
            demo.DEMO_RESELLER_AK: (demo.DEMO_RESELLER_SK, demo.DEMO_RESELLER_DOMAIN_ID),
        }
        for ak, (sk, domain_id) in keys.items():
            key = s.get(AccessKey, ak)
            if key is None:
                s.add(AccessKey(ak=ak, sk=sk, domain_id=domain_id))
            else:
                key.sk, key.domain_id = sk, domain_id


def _account(s: Session, domain_id: str, name: str, kind: str, **fields: object) -> None:
    if s.get(Account, domain_id) is None:
        s.add(
            Account(
                domain_id=domain_id,
                name=name,
                name_key=name.lower(),
                kind=kind,
                country_code="0086",
                **fields,
            )
        )

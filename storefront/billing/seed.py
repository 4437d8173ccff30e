"""Demo billing settings: bank details, so the demo store's bank-transfer option is usable
(a store without them does not offer bank transfer). Idempotent: details already filled in
are kept."""

from __future__ import annotations

from storefront.billing import remittance
from storefront.stores.tenancy import current_store_id

DEMO_BANK = {
    "bank_name": "Industrial and Commercial Bank of China, Shenzhen Branch",
    "bank_account": "6222 0210 0100 0000 001",
    "bank_holder": "Storefront Demo Co., Ltd.",
}


def seed_demo() -> None:
    store_id = current_store_id()
    if store_id is None:
        return
    settings = remittance.billing_settings(store_id)
    if any(getattr(settings, name).strip() for name in DEMO_BANK):
        return  # the store's own details (even partial ones) are never overwritten
    for name, value in DEMO_BANK.items():
        setattr(settings, name, value)

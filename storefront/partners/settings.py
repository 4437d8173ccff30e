"""Partner-tier settings: platform mode and the distributor's own provider credentials.

``STOREFRONT_PLATFORM_MODE`` = ``solution_provider`` (default: no tier below, the reseller pages
are hidden) or ``distributor`` (tier 1: resellers each own a store under this platform).
``STOREFRONT_DISTRIBUTOR_AK`` / ``_SK`` / ``_DOMAIN_ID``: the distributor's own AK/SK, used only
to allocate funds to and reclaim them from resellers (the provider accepts those calls from
nobody else). With the sandbox they default to its seeded distributor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from storefront.cloud import demo

MODES = ("solution_provider", "distributor")


@dataclass(frozen=True)
class PartnerSettings:
    platform_mode: str = "solution_provider"
    distributor_ak: str = ""
    distributor_sk: str = ""
    distributor_domain_id: str = ""
    invitation_days: int = 7
    cert_reminder_days: int = 30

    @property
    def is_distributor(self) -> bool:
        return self.platform_mode == "distributor"

    def __repr__(self) -> str:  # never print the secret key
        return (
            f"PartnerSettings(platform_mode={self.platform_mode!r}, "
            f"distributor_ak={self.distributor_ak[:4]!r}…)"
        )

    @classmethod
    def from_mapping(
        cls, env: Mapping[str, str], *, cloud_is_sandbox: bool
    ) -> tuple[PartnerSettings, list[str]]:
        def get(name: str, default: str = "") -> str:
            return (env.get("STOREFRONT_" + name) or "").strip() or default

        problems: list[str] = []
        mode = get("PLATFORM_MODE", "solution_provider").lower()
        if mode not in MODES:
            problems.append(f"STOREFRONT_PLATFORM_MODE must be one of {', '.join(MODES)}")
            mode = "solution_provider"
        ak = get("DISTRIBUTOR_AK", demo.DEMO_DISTRIBUTOR_AK if cloud_is_sandbox else "")
        sk = get("DISTRIBUTOR_SK", demo.DEMO_DISTRIBUTOR_SK if cloud_is_sandbox else "")
        domain_id = get(
            "DISTRIBUTOR_DOMAIN_ID", demo.DEMO_DISTRIBUTOR_DOMAIN_ID if cloud_is_sandbox else ""
        )
        if mode == "distributor":
            missing = [
                name
                for name, value in (
                    ("STOREFRONT_DISTRIBUTOR_AK", ak),
                    ("STOREFRONT_DISTRIBUTOR_SK", sk),
                    ("STOREFRONT_DISTRIBUTOR_DOMAIN_ID", domain_id),
                )
                if not value
            ]
            if missing:
                problems.append("STOREFRONT_PLATFORM_MODE=distributor needs " + ", ".join(missing))
        numbers = {}
        for key, default in (("PARTNER_INVITATION_DAYS", 7), ("CERT_REMINDER_DAYS", 30)):
            raw = get(key, str(default))
            try:
                numbers[key] = int(raw)
                if numbers[key] < 1:
                    raise ValueError
            except ValueError:
                problems.append(f"STOREFRONT_{key} must be a whole number of days (>= 1)")
                numbers[key] = default
        return (
            cls(
                platform_mode=mode,
                distributor_ak=ak,
                distributor_sk=sk,
                distributor_domain_id=domain_id,
                invitation_days=numbers["PARTNER_INVITATION_DAYS"],
                cert_reminder_days=numbers["CERT_REMINDER_DAYS"],
            ),
            problems,
        )


def partner_settings() -> PartnerSettings:
    """The running app's partner settings (defaults when the app has none)."""
    settings: PartnerSettings | None = current_app.config["SETTINGS"].partners
    return settings if settings is not None else PartnerSettings()

"""The partner workspace of any store (owner and finance staff): provider account and top-up
routes, offline remittances to the provider, incentives, certifications and the expert-service
incentive, the development path, and opportunities shared with the provider.

Each part lives in its own module; this one gathers their public names for the views and
commands that use them as ``workspace.<name>``. Every change flushes; the view commits.
"""

from __future__ import annotations

from storefront.partners.certifications import (
    CERT_KINDS,
    HIGHER,
    JPEG,
    MAX_PROOF_BYTES,
    PROOF_TYPES,
    PersonStatus,
    Requirement,
    add_certification,
    certifications,
    choose_path,
    due_reminders,
    expert_eligible,
    path_progress,
    path_source,
    paths,
    people,
    proof_dir,
    proof_path,
    sniff,
    valid_kinds,
)
from storefront.partners.opportunities import (
    LARGE_QUOTE,
    OPPORTUNITY_MOVES,
    STAGES,
    add_opportunity,
    large_quotes,
    move_opportunity,
    opportunities,
    opportunities_csv,
    opportunity_from_quote,
)
from storefront.partners.profile import (
    ENTITIES,
    PROVIDER_ENTITIES,
    ensure_profile,
    topup_routes,
    update_profile,
)
from storefront.partners.remittances import (
    PAYOUT_METHODS,
    REMITTANCE_MOVES,
    add_incentive,
    incentives,
    move_remittance,
    record_remittance,
    remittances,
    set_payout_method,
)

__all__ = [
    "CERT_KINDS",
    "ENTITIES",
    "HIGHER",
    "JPEG",
    "LARGE_QUOTE",
    "MAX_PROOF_BYTES",
    "OPPORTUNITY_MOVES",
    "PAYOUT_METHODS",
    "PROOF_TYPES",
    "PROVIDER_ENTITIES",
    "REMITTANCE_MOVES",
    "STAGES",
    "PersonStatus",
    "Requirement",
    "add_certification",
    "add_incentive",
    "add_opportunity",
    "certifications",
    "choose_path",
    "due_reminders",
    "ensure_profile",
    "expert_eligible",
    "incentives",
    "large_quotes",
    "move_opportunity",
    "move_remittance",
    "opportunities",
    "opportunities_csv",
    "opportunity_from_quote",
    "path_progress",
    "path_source",
    "paths",
    "people",
    "proof_dir",
    "proof_path",
    "record_remittance",
    "remittances",
    "set_payout_method",
    "sniff",
    "topup_routes",
    "update_profile",
    "valid_kinds",
]

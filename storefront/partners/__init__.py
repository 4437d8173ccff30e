"""Partners: the distributor tier (resellers, invitations, allocations) and the partner workspace
(provider top-up, remittances, incentives, certifications, development path, opportunities)."""

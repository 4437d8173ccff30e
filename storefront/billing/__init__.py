"""Billing: the money core (double-entry ledger, wallets, idempotency, remittance claims)."""

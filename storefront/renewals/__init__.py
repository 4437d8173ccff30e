"""Keeping what a customer bought: renewals, auto-renew, reminders, expiry and unsubscribe (#18)."""

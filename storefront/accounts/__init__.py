"""Customers and staff: registration, login, 2FA, real-name verification."""

"""The product's one clock: every aware UTC timestamp it takes comes from :func:`utcnow`.

Code that stores or compares a time calls ``clock.utcnow()`` (never ``datetime.now`` or
``datetime.utcnow``), so tests and development tools have one place to move time.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)

"""Back-office fixtures: staff tokens and logged-in staff clients."""

from __future__ import annotations

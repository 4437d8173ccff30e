"""Placeholder until the cloud boundary lands (replaced by the cloud branch)."""

from typing import Any


def build_provider(settings: Any) -> Any:
    return None

"""Placeholder until the cloud boundary lands (replaced by the cloud branch)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class CloudConfigError(ValueError):
    pass


@dataclass(frozen=True)
class CloudSettings:
    mode: str = "sandbox"

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> CloudSettings:
        return cls(mode=env.get("STOREFRONT_CLOUD", "sandbox"))

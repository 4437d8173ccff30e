"""Storefront: a white-label Huawei Cloud partner storefront (its factory: :mod:`.app`)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from cryptography.utils import CryptographyDeprecationWarning

# pysaml2 (7.5) looks up cryptography's CFB mode when imported, which cryptography >= 45 warns
# about; nothing here uses it. Only that warning, from that module, is ignored.
warnings.filterwarnings(
    "ignore",
    message="CFB has been moved",
    category=CryptographyDeprecationWarning,
    module=r"saml2\.cryptography\.symmetric",
)

if TYPE_CHECKING:
    from storefront.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``storefront.create_app``, imported on first use: a process that imports one module of
    the package (the provider sandbox, a script) does not load every area (~100 MB, seconds)."""
    if name == "create_app":
        from storefront.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

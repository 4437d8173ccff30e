"""Storefront: a white-label Huawei Cloud partner storefront (its factory: :mod:`.app`)."""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pysaml2 (7.5) looks up cryptography's CFB mode when imported, which cryptography >= 45 warns
# about; nothing here uses it. Only that warning, from that module, is ignored.
warnings.filterwarnings(
    "ignore",
    message="CFB has been moved",
    category=CryptographyDeprecationWarning,
    module=r"saml2\.cryptography\.symmetric",
)

from storefront.app import create_app  # noqa: E402  (after the filter: it imports pysaml2)

__all__ = ["create_app"]

"""The cloud sandbox: a local stand-in for the provider's APIs, over real HTTP."""

from storefront.cloud.sandbox.app import create_sandbox_app

__all__ = ["create_sandbox_app"]

"""A synced catalogue and price book: fetched from the sandbox once, replayed per test."""

from tests.catalog.fixtures import catalog, quote

__all__ = ["catalog", "quote"]

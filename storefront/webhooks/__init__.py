"""Webhooks (#22): a store's HTTPS endpoints receive signed JSON events.

``emit(event, store_id, payload, key)`` (:mod:`storefront.webhooks.events`) is the one call other
areas make; the rest (endpoints, signing, delivery with retries, the staff pages) lives here.
"""

from storefront.webhooks.events import EVENTS, emit

__all__ = ["EVENTS", "emit"]

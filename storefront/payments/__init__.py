"""Online payment gateways: Alipay and WeChat Pay (API v3) adapters on their SDKs, the
emulators that stand in for them in development and tests, and what goes around a payment
(closing unpaid trades, refunds of top-ups, the daily bill reconciliation).

Crediting stays in one place, :mod:`storefront.billing.topup`: an adapter turns a verified
notification or a query answer into a :class:`storefront.billing.topup.Notification` and hands
it to ``topup.settle``.
"""

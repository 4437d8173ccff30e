"""The payments area's refusals (``DomainError`` subclasses: status and code for the API)."""

from __future__ import annotations

from storefront.errors import DomainError


class PaymentsError(DomainError):
    code = "payment_refused"
    status = 422


class MethodNotOffered(PaymentsError):
    code = "method_not_offered"


class GatewayUnavailable(PaymentsError):
    code = "gateway_unavailable"
    status = 502


class RefundRefused(PaymentsError):
    code = "refund_refused"
    status = 409

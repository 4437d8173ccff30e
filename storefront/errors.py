"""The product's one error root, and how errors are shown.

Every rule a service enforces fails with a :class:`DomainError` subclass: it carries the
contract's snake_case ``code``, the HTTP ``status`` that answers it, a ``message`` for people
(translate it where it is raised: ``raise InsufficientBalance(_("…"))``) and per-field
``fields``. It is mapped once for the JSON API (the contract's error body under ``/api/``) and
once for pages (the branded error page); views catch one only to re-render a form. A payment
gateway's failure (:class:`storefront.payments.gateway.GatewayError`) is one too.

Exceptions outside this root (``tests/test_error_root.py`` lists them with the reason):

- :class:`storefront.cloud.interface.CloudError`, the provider interface's own root: its
  ``code`` and ``status`` are the *provider's* (``CBC.0100``, 400), read by the adapters and
  the services that turn a refusal into a domain error of their own. One that reaches the edge
  uncaught is answered here as ``provider_unavailable`` (503) or ``provider_error`` (502),
  never with the provider's words;
- :class:`storefront.billing.worker.Retry`, control flow between a job and its runner;
- programming errors and start-up failures, which rightly answer 500 or stop the process.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from storefront.cloud.interface.errors import CloudError, UpstreamUnavailable

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Root of every error a rule of the product raises.

    Subclasses set ``code`` and ``status`` as class attributes; an instance may override
    them (``DomainError("…", code="x", status=409)``) and name offending ``fields``.
    """

    code: ClassVar[str] = "invalid_input"
    status: ClassVar[int] = 422

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]
        if status is not None:
            self.status = status  # type: ignore[misc]
        self.fields: dict[str, str] = dict(fields or {})

    def __str__(self) -> str:
        return self.message


class ApiError(DomainError):
    """Raised by an API view to answer with a given status, code and headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status, fields=fields)
        self.headers = dict(headers or {})


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> Response:
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response


# Default error codes for HTTP statuses, in the contract's snake_case.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_attempts",
    500: "internal_error",
    503: "unavailable",
}
OWN_PAGES = (403, 404, 413, 429, 500)  # statuses with a page of their own under templates/errors


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _code_for(exc: HTTPException) -> str:
    status = exc.code or 500
    if status == 400 and "CSRF" in (exc.description or ""):
        return "csrf_failed"
    return CODES.get(status) or re.sub(r"\W+", "_", (exc.name or "error").lower())


def handle_domain_error(exc: DomainError) -> ResponseReturnValue:
    if _wants_json():
        response = error_response(exc.status, exc.code, exc.message, exc.fields)
        response.headers.update(getattr(exc, "headers", {}))
        return response
    title = CODES.get(exc.status, exc.code).replace("_", " ").capitalize()
    return (
        render_template("errors/generic.html", status=exc.status, title=title, message=exc.message),
        exc.status,
    )


def handle_http(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if _wants_json():
        response = error_response(status, _code_for(exc), exc.description or exc.name)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response
    template = f"errors/{status}.html" if status in OWN_PAGES else "errors/generic.html"
    return render_template(template, status=status, title=exc.name, message=exc.description), status


def provider_failure(exc: CloudError) -> DomainError:
    """The domain answer to a provider failure no service turned into a refusal of its own."""
    if isinstance(exc, UpstreamUnavailable):
        return DomainError(
            _("The cloud provider is unavailable. Try again later."),
            code="provider_unavailable",
            status=503,
        )
    return DomainError(_("Something went wrong on our side."), code="provider_error", status=502)


def handle_cloud_error(exc: CloudError) -> ResponseReturnValue:
    log.warning("provider error on %s %s: %s", request.method, request.path, exc)
    return handle_domain_error(provider_failure(exc))


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if _wants_json():
        return error_response(500, "internal_error", _("Something went wrong on our side."))
    return handle_http(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CloudError, handle_cloud_error)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)

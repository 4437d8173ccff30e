"""Error pages: the contract's JSON under ``/api/``, branded HTML pages elsewhere."""

from __future__ import annotations

import logging
import re

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from storefront.api.errors import ApiError, error_response

log = logging.getLogger(__name__)

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


def handle_api_error(exc: ApiError) -> ResponseReturnValue:
    response = error_response(exc.status, exc.code, exc.message, exc.fields)
    response.headers.update(exc.headers)
    return response


def handle_http(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if _wants_json():
        response = error_response(status, _code_for(exc), exc.description or exc.name)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response
    template = f"errors/{status}.html" if status in OWN_PAGES else "errors/generic.html"
    return render_template(template, status=status, title=exc.name, message=exc.description), status


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if _wants_json():
        return error_response(500, "internal_error", _("Something went wrong on our side."))
    return handle_http(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)

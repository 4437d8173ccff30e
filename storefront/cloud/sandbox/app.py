"""The sandbox: an HTTP service speaking the provider's wire protocol for our calls."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from storefront import clock
from storefront.cloud.sandbox import prices, routes, signature
from storefront.cloud.sandbox.faults import FaultInjector, FaultSettings, validate
from storefront.cloud.sandbox.lifecycle import Lifecycle
from storefront.cloud.sandbox.models import AccessKey, Account, SandboxDatabase
from storefront.cloud.sandbox.quotas import QuotaGate
from storefront.cloud.sandbox.routes import obs
from storefront.cloud.sandbox.seed import seed
from storefront.cloud.sandbox.state import EXTENSION_KEY, SandboxState, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, error

DEFAULT_DATABASE_URL = "sqlite:///instance/sandbox.db"
CONTROL_PREFIX = "/_sandbox/"


def create_sandbox_app(
    database_url: str = DEFAULT_DATABASE_URL,
    latency_ms: int = 0,
    fault_rate: float = 0.0,
    credentials: Mapping[str, str] | None = None,
    *,
    fault_mode: str = "mixed",
    hang_s: float = 30.0,
    association_delay_s: float = 0.0,
    realname_review_delay_s: float = 0.0,
    random_seed: int | None = None,
    lifecycle: Mapping[str, float] | None = None,
    clock_file: str | Path | None = None,
    catalogue_scale: str | None = None,
    quota_scale: float = 1.0,
) -> Flask:
    """Build the sandbox app. ``credentials`` maps AK -> SK for the demo partner; ``lifecycle``
    overrides :class:`~storefront.cloud.sandbox.lifecycle.Lifecycle` settings; ``clock_file``
    is where ``POST /_sandbox/clock`` also writes its offset (and where it starts from);
    ``catalogue_scale`` (``small``/``real``) switches the catalogue of every sandbox in this
    process (:func:`~storefront.cloud.sandbox.prices.set_scale`); ``quota_scale`` multiplies the
    provider's documented per-second quotas (:class:`~storefront.cloud.sandbox.quotas.QuotaGate`).
    """
    if catalogue_scale is not None:
        prices.set_scale(catalogue_scale)
    faults = FaultSettings(
        latency_ms=latency_ms, fault_rate=fault_rate, mode=fault_mode, hang_s=hang_s
    )
    validate(faults)
    route_modules = routes.modules()  # imported first: their models join the sandbox schema
    db = SandboxDatabase(database_url)
    seed(db, credentials)

    life = Lifecycle()
    life.update(dict(lifecycle or {}))
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = SandboxState(
        db=db,
        faults=FaultInjector(faults, seed=random_seed),
        association_delay_s=association_delay_s,
        realname_review_delay_s=realname_review_delay_s,
        lifecycle=life,
        clock_file=Path(clock_file) if clock_file else None,
        clock_offset_s=clock.read_offset(Path(clock_file)) if clock_file else 0.0,
        quotas=QuotaGate(scale=quota_scale),
    )
    for module in route_modules:
        app.register_blueprint(module.bp)
        if hasattr(module, "control_bp"):
            app.register_blueprint(module.control_bp)
    app.before_request(_gateway)
    app.after_request(_request_id)
    app.after_request(_timeout_after_applying)
    app.register_error_handler(ApiError, error)
    app.register_error_handler(signature.SignatureError, _bad_signature)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _gateway() -> None:
    """What the provider's API gateway does before a call reaches the service."""
    if request.path.startswith(CONTROL_PREFIX) or obs.is_obs_request():
        return  # OBS object calls carry their own signature, checked by the OBS routes
    state = sandbox_state()
    api = _api()
    g.sandbox_lose_response = state.faults.before_call(api)
    if state.faults.take_once(request.method, request.path, "before"):
        raise state.faults.timeout(api)
    auth = signature.parse_authorization(request.headers.get("Authorization"))
    with state.db.session() as s:
        key = s.get(AccessKey, auth.access_key)
        if key is None:
            raise _unauthorized(
                f"Incorrect IAM authentication information: ak {auth.access_key} not exist"
            )
        account = s.get(Account, key.domain_id)
        secret = key.sk
    assert account is not None
    headers = {k: v.encode("latin-1").decode("utf-8", "replace") for k, v in request.headers}
    signature.verify(
        method=request.method,
        path=request.path,
        query_string=request.query_string.decode("latin-1"),
        headers=headers,
        body=request.get_data(cache=True),
        secret_key=secret,
        auth=auth,
        now=state.signature_now(),
        max_skew_s=state.max_skew_s,
    )
    domain_header = request.headers.get("X-Domain-Id")
    if domain_header and domain_header != account.domain_id:
        raise _unauthorized("Incorrect IAM authentication information: domain id mismatch")
    g.sandbox_caller_id = account.domain_id
    state.count_call(api)
    if not state.quotas.admit(request.remote_addr or "", api, account.domain_id):
        state.count_call(api, throttled=True)
        limit = state.quotas.limit(api)
        raise ApiError(
            429,
            "APIG.0308",
            "The throttling threshold has been reached: policy user over ratelimit,"
            f"limit:{limit},time:1 second",
        )


def _timeout_after_applying(response: Response) -> Response:
    """A scripted ``after`` fault: the call took effect, the caller gets a timeout instead."""
    if request.path.startswith(CONTROL_PREFIX) or response.status_code >= 400:
        return response
    faults = sandbox_state().faults
    if faults.take_once(request.method, request.path, "after"):
        return error(faults.timeout(_api()))
    return response


def _api() -> str:
    """The API a call is counted under: its route's path pattern."""
    return request.url_rule.rule if request.url_rule is not None else request.path


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "APIGW.0301", message)


def _bad_signature(exc: signature.SignatureError) -> Response:
    return error(_unauthorized(str(exc)))


def _request_id(response: Response) -> Response:
    if g.get("sandbox_lose_response"):  # the call was carried out; its answer is "lost"
        response = error(
            ApiError(504, "APIGW.0201", "Request timed out in the backend (sandbox fault).")
        )
    response.headers["X-Request-Id"] = uuid.uuid4().hex
    return response


def _http_error(exc: HTTPException) -> Response:
    if exc.code == 404:
        return error(
            ApiError(
                404,
                "APIGW.0101",
                "The API does not exist or has not been published in the environment",
            )
        )
    if exc.code == 405:
        return error(ApiError(405, "APIGW.0101", "The request method is not allowed"))
    return error(ApiError(exc.code or 500, "CBC.0999", exc.description or "Other errors."))

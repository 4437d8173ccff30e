"""Sandbox-only, unsigned control endpoints for operators and tests."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select

from storefront import clock
from storefront.cloud import demo
from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.models import AccessKey, Account
from storefront.cloud.sandbox.routes.customers import complete_associations
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import bad_request, body, respond

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")

_FAULT_FIELDS = {"latency_ms": int, "fault_rate": float, "mode": str, "hang_s": float}


@bp.get("/health")
def health() -> Response:
    return respond({"status": "ok"})


@bp.post("/faults")
def set_faults() -> Response:
    data = body()
    changes: dict[str, Any] = {}
    for name, kind in _FAULT_FIELDS.items():
        if name in data:
            try:
                changes[name] = kind(data[name])
            except (TypeError, ValueError):
                raise bad_request(f"{name} must be a {kind.__name__}.") from None
    try:
        current = sandbox_state().faults.update(**changes)
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return respond(current.as_dict())


@bp.post("/faults/once")
def fail_once() -> Response:
    """The next ``method`` (default POST) call to ``path`` times out, ``before`` or ``after``
    the service applied it."""
    data = body()
    path, when = data.get("path"), data.get("when", "after")
    method = str(data.get("method") or "POST")
    if not isinstance(path, str) or not path.startswith("/"):
        raise bad_request("path must be an absolute request path.")
    try:
        sandbox_state().faults.fail_once(method, path, str(when))
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return respond({"method": method.upper(), "path": path, "when": when})


@bp.get("/partner")
def partner() -> Response:
    """What a partner's own tools (the official SDK, outside this project) need to drive the
    sandbox: the demo partner's and distributor's keys and ids."""
    with sandbox_state().db.session() as s:

        def keys(domain_id: str) -> tuple[str, str]:
            key = s.scalars(
                select(AccessKey)
                .where(AccessKey.domain_id == domain_id, ~AccessKey.ak.startswith("TMP"))
                .order_by(AccessKey.ak)
            ).first()
            return (key.ak, key.sk) if key is not None else ("", "")

        ak, sk = keys(demo.DEMO_PARTNER_DOMAIN_ID)
        dak, dsk = keys(demo.DEMO_DISTRIBUTOR_DOMAIN_ID)
        partner_account = s.get(Account, demo.DEMO_PARTNER_DOMAIN_ID)
        xaccount_type = partner_account.xaccount_type if partner_account else None
    return respond(
        {
            "ak": ak,
            "sk": sk,
            "domain_id": demo.DEMO_PARTNER_DOMAIN_ID,
            "xaccount_type": xaccount_type,
            "project_id": demo.DEMO_PROJECT_ID,
            "distributor": {"ak": dak, "sk": dsk, "domain_id": demo.DEMO_DISTRIBUTOR_DOMAIN_ID},
        }
    )


@bp.post("/quotas")
def set_quotas() -> Response:
    """``{"enabled": false}`` lifts the documented per-second quotas (a load test of our own)."""
    enabled = body().get("enabled")
    if not isinstance(enabled, bool):
        raise bad_request("enabled must be true or false.")
    sandbox_state().quotas.enabled = enabled
    return respond({"enabled": enabled})


@bp.get("/calls")
def calls() -> Response:
    """Provider calls per API (the route's path) since the sandbox started, how many of them
    were refused over the quota (429), and the calls it held on purpose (``hung``: a hang
    fault or a scripted timeout, counted when the hold starts; the gateway holds a call before
    it checks the signature, so a held call is not among ``calls``, but for an ``after``
    timeout)."""
    state = sandbox_state()
    hung = state.faults.hung()
    with state.calls_lock:
        return respond(
            {"calls": dict(state.calls), "throttled": dict(state.throttled), "hung": hung}
        )


@bp.post("/prices")
def change_price() -> Response:
    """``{"service_type", "resource_type", "spec", "hourly", "monthly"}``: this sandbox's
    ratings answer the flat spec at the new list price from now on (a price change at the
    provider)."""
    data = body()
    key = tuple(str(data.get(k) or "") for k in ("service_type", "resource_type", "spec"))
    product = prices.find(*key)
    if product is None or product.size_measure_id is not None:
        raise bad_request("spec must be a flat product of the catalogue.")
    try:
        tier = prices.Tier(None, Decimal(str(data["hourly"])), Decimal(str(data["monthly"])))
    except (KeyError, ArithmeticError):
        raise bad_request("hourly and monthly must be decimal prices.") from None
    sandbox_state().price_changes[(key[0], key[1], key[2])] = replace(product, tiers=(tier,))
    return respond({"spec": product.spec, "hourly": tier.hourly, "monthly": tier.monthly})


@bp.post("/clock")
def set_clock() -> Response:
    """``{"offset_s": N}`` moves the sandbox's clock (orders and resources live by it);
    ``"signatures": false`` keeps judging request signatures by the real clock (to move the
    clock by days while a client still signs with today's time; the default when the sandbox
    writes a clock file)."""
    data = body()
    state = sandbox_state()
    try:
        state.clock_offset_s = float(data.get("offset_s", 0))
    except (TypeError, ValueError):
        raise bad_request("offset_s must be a number.") from None
    # A storefront following the clock file still signs with the real time: by default
    # signatures are then judged by the real clock.
    follow = state.clock_file is None
    state.signatures_follow_clock = bool(data.get("signatures", follow))
    if state.clock_file is not None:  # a storefront in development follows it
        clock.write_offset(state.clock_file, state.clock_offset_s)
    return respond({"offset_s": state.clock_offset_s, "signatures": state.signatures_follow_clock})


@bp.route("/lifecycle", methods=["GET", "POST"])
def lifecycle() -> Response:
    """The order and resource lifecycle settings (seconds); POST changes some of them."""
    life = sandbox_state().lifecycle
    if request.method == "POST":
        try:
            life.update(body())
        except (TypeError, ValueError) as exc:
            raise bad_request(str(exc)) from None
    return respond(life.as_dict())


@bp.get("/state")
def state() -> Response:
    st = sandbox_state()
    with st.db.session() as s:
        complete_associations(s, st.association_delay_s)
        accounts = [
            {
                "domain_id": a.domain_id,
                "name": a.name,
                "kind": a.kind,
                "parent_id": a.parent_id,
                "association": a.association,
                "mobile": a.mobile,
                "email": a.email,
                "xaccount_id": a.xaccount_id,
                "verified_status": a.verified_status,
                "is_frozen": a.is_frozen,
            }
            for a in s.scalars(select(Account).order_by(Account.created_at, Account.domain_id))
        ]
    return respond(
        {
            "faults": st.faults.settings.as_dict(),
            "clock_offset_s": st.clock_offset_s,
            "accounts": [a for a in accounts if a["kind"] != "customer"],
            "sub_customers": [a for a in accounts if a["kind"] == "customer"],
        }
    )

"""The console jump's rules: mint a single-use link, redeem it, answer the provider's SAML
request for the customer bound to the pending jump; every step audited (no Flask request here:
the views pass ``ip``/``user_agent`` and keep the jump's secret in the session)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus
from storefront.backoffice import audit
from storefront.backoffice import customer_freeze as backoffice
from storefront.billing.models import Resource, ResourceStatus
from storefront.clock import utcnow
from storefront.cloud.interface import CloudError
from storefront.console_bridge.models import ConsoleJump, ConsoleLink
from storefront.console_bridge.settings import ROUTE_IAM_BROKER, ConsoleSettings
from storefront.errors import DomainError
from storefront.extensions import cloud_provider, db
from storefront.stores import freeze as store_freeze
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
JUMP_STATE_TTL = timedelta(minutes=2)  # from redeeming the link to the provider's AuthnRequest
UNUSABLE = (ResourceStatus.CREATING, ResourceStatus.RELEASED)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ConsoleRefused(DomainError):
    """A refused jump: HTTP ``status``, a machine ``code`` and a message for the customer.

    ``summary`` is that message alone and ``reason`` (e.g. the customer's freeze reason) what a
    page shows under it; ``message`` (the API's) is both together. ``detail`` is for the audit
    only, never shown (e.g. a store freeze reason)."""

    status: ClassVar[int] = 403

    def __str__(self) -> str:
        return str(self.message)

    def __init__(
        self,
        status: int,
        code: str,
        message: Any,
        reason: str | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        text = LazyString(lambda: f"{message} {reason}") if reason else message
        super().__init__(text, code=code, status=status)
        self.summary = message
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Minted:
    token: str
    expires_at: datetime
    link_id: int


@dataclass(frozen=True)
class Redeemed:
    login_url: str
    jump_id: int
    secret: str | None  # SAML route: the pending jump's secret for the session; broker: None


def console_settings() -> ConsoleSettings:
    settings = current_app.config["SETTINGS"].console
    return settings if settings is not None else ConsoleSettings()


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    user_agent: str | None = None


def _record(
    *,
    step: str,
    outcome: str,
    origin: Origin,
    customer: Customer | None = None,
    resource_id: int | None = None,
    link_id: int | None = None,
    detail: str | None = None,
    service: str | None = None,
) -> ConsoleJump:
    """One row in ``console_jumps`` and one audit entry (the caller commits)."""
    jump = ConsoleJump(
        customer_id=customer.id if customer else None,
        resource_id=resource_id,
        link_id=link_id,
        step=step,
        outcome=outcome,
        detail=(detail or None) and detail[:255],
        ip=(origin.ip or None) and origin.ip[:45],
        user_agent=(origin.user_agent or None) and origin.user_agent[:255],
        service=service,
        created_at=utcnow(),
    )
    if customer is not None:
        jump.store_id = customer.store_id
    db.session.add(jump)
    audit.record(
        customer or "anonymous",
        "console.jump",
        f"resource:{resource_id}" if resource_id else None,
        {"step": step, "outcome": outcome, **({"detail": detail[:200]} if detail else {})},
        origin.ip,
    )
    return jump


def _refuse(exc: ConsoleRefused, **kwargs: Any) -> ConsoleRefused:
    """Audit a refusal in its own transaction and hand the error back to raise.

    Committed here, not by the caller: the request fails next (nothing else commits), and the
    refusal must stay in the audit; anything the refused step had written is dropped first."""
    db.session.rollback()
    _record(outcome=exc.code, detail=exc.reason or exc.detail or exc.summary, **kwargs)
    commit_step("kept although an error follows: the refusal's audit")
    return exc


def _check(customer: Customer, resource: Resource | None) -> Resource:
    """The rules for opening the console on ``resource`` (checked at mint, redeem and SSO)."""
    if resource is None or resource.customer_id != customer.id:
        raise ConsoleRefused(404, "not_found", _l("No such resource."))
    try:
        store_freeze.check_open(customer.store_id)
    except store_freeze.StoreFrozen as exc:
        raise ConsoleRefused(
            403,
            "store_frozen",
            _l("This store is frozen: opening the cloud console is paused."),
            detail=exc.reason,
        ) from None
    if backoffice.is_frozen(customer):
        reason = backoffice.freeze_reason(customer)
        raise ConsoleRefused(
            403, "account_frozen", _l("Your account is frozen: contact support."), reason
        )
    if customer.status != CustomerStatus.ACTIVE:
        raise ConsoleRefused(403, "account_inactive", _l("Verify your email address first."))
    if customer.realname_status != RealnameStatus.VERIFIED:
        raise ConsoleRefused(
            403, "realname_required", _l("Complete real-name verification to open the console.")
        )
    if not customer.provider_xaccount_id or not customer.provider_customer_id:
        raise ConsoleRefused(
            409, "provider_link_missing", _l("Your cloud account is not linked yet.")
        )
    if resource.status in UNUSABLE:
        raise ConsoleRefused(
            409, "resource_unavailable", _l("This resource cannot be opened in the console now.")
        )
    return resource


def _resource(resource_id: int) -> Resource | None:
    return db.session.get(Resource, resource_id)


def mint_link(customer: Customer, resource_id: int, origin: Origin) -> Minted:
    """A single-use console link for ``customer``'s resource, valid ``link_ttl_s`` (≤ 60 s)."""
    try:
        _check(customer, _resource(resource_id))
    except ConsoleRefused as exc:
        known = exc.code != "not_found"
        raise _refuse(
            exc,
            step="mint",
            origin=origin,
            customer=customer,
            resource_id=resource_id if known else None,
        ) from None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = ConsoleLink(
        token_hash=_hash(token),
        customer_id=customer.id,
        resource_id=resource_id,
        created_at=now,
        expires_at=now + timedelta(seconds=console_settings().link_ttl_s),
        store_id=customer.store_id,
    )
    db.session.add(link)
    db.session.flush()
    _record(
        step="mint",
        outcome="ok",
        origin=origin,
        customer=customer,
        resource_id=resource_id,
        link_id=link.id,
    )
    db.session.flush()
    return Minted(token=token, expires_at=link.expires_at, link_id=link.id)


def allowed_service(url: str) -> bool:
    """A ``service``/RelayState may only point at the configured console hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.username:
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    hosts = set(cloud_provider().console_hosts()) | set(console_settings().extra_hosts)
    return origin in hosts


def service_url(resource: Resource) -> str:
    url = cloud_provider().console_service_url(
        product=resource.product_code,
        region=resource.region_code,
        resource_id=resource.provider_resource_id,
    )
    if not allowed_service(url):
        raise ConsoleRefused(400, "service_not_allowed", _l("This console address is not allowed."))
    return url


def broker_session_user(customer: Customer) -> str:
    """The IAM session user name the broker route signs the customer in as (5..64 letters,
    digits, ``-``/``_``, starting with a letter)."""
    return f"storefront-{customer.id}"


def _spend_link(token: str, origin: Origin, now: datetime) -> tuple[ConsoleLink, Customer]:
    """Mark the link used (one ``UPDATE`` that only an unused, unexpired link passes) and
    commit that; a link that does not pass is refused (unknown, used or expired)."""
    token_hash = _hash(token)
    result = db.session.execute(
        update(ConsoleLink)
        .where(
            ConsoleLink.token_hash == token_hash,
            ConsoleLink.used_at.is_(None),
            ConsoleLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    link = db.session.scalar(
        select(ConsoleLink)
        .where(ConsoleLink.token_hash == token_hash)
        .execution_options(populate_existing=True)
    )
    customer = db.session.get(Customer, link.customer_id) if link else None
    if result.rowcount != 1 or link is None or customer is None:  # type: ignore[attr-defined]
        if link is None:
            exc = ConsoleRefused(404, "link_unknown", _l("This console link is not valid."))
        elif link.used_at is not None:
            exc = ConsoleRefused(410, "link_used", _l("This console link was already used."))
        else:
            exc = ConsoleRefused(410, "link_expired", _l("This console link has expired."))
        raise _refuse(
            exc,
            step="redeem",
            origin=origin,
            customer=customer,
            resource_id=link.resource_id if link else None,
            link_id=link.id if link else None,
        )
    # Committed here: the link is spent whatever happens next (a refusal below rolls back).
    commit_step("kept although an error follows: the link is spent whatever happens next")
    return link, customer


def _login_url(
    link: ConsoleLink,
    customer: Customer,
    origin: Origin,
    signed_in: Customer | None,
    return_url: str,
) -> tuple[Resource, str, str]:
    """``(resource, console service URL, provider login URL)`` for a spent link, the rules
    checked again; a refusal or an unreachable provider is audited and raised."""
    try:
        if signed_in is not None and signed_in.id != customer.id:
            raise ConsoleRefused(
                403, "wrong_customer", _l("This console link belongs to another account.")
            )
        resource = _check(customer, _resource(link.resource_id))
        service = service_url(resource)
        if console_settings().route == ROUTE_IAM_BROKER:
            login_url = cloud_provider().console_federation_url(
                customer_id=customer.provider_customer_id or "",
                session_user=broker_session_user(customer),
                service=service,
                idp_login_url=return_url,
            )
        else:
            login_url = cloud_provider().console_login_url(service=service)
    except ConsoleRefused as exc:
        raise _refuse(
            exc,
            step="redeem",
            origin=origin,
            customer=customer,
            resource_id=link.resource_id,
            link_id=link.id,
        ) from None
    except CloudError as exc:
        log.warning("console link %s: %s", link.id, exc)
        raise _refuse(
            ConsoleRefused(503, "console_unavailable", _l("The console is not available now.")),
            step="redeem",
            origin=origin,
            customer=customer,
            resource_id=link.resource_id,
            link_id=link.id,
        ) from None
    return resource, service, login_url


def redeem_link(
    token: str, origin: Origin, signed_in: Customer | None = None, return_url: str = ""
) -> Redeemed:
    """Use a link once (atomically), re-check the rules, start the jump; the caller keeps
    ``Redeemed.secret`` (SAML route) in the browser's session and redirects to ``login_url``.

    With ``STOREFRONT_CONSOLE_ROUTE=iam_broker`` the jump completes here: ``login_url`` is the
    provider's federation login with a fresh single-use login token (``return_url`` is where
    the console sends the customer to sign in again)."""
    now = utcnow()
    link, customer = _spend_link(token, origin, now)
    resource, service, login_url = _login_url(link, customer, origin, signed_in, return_url)
    if console_settings().route == ROUTE_IAM_BROKER:
        # the login token is the assertion: nothing else to answer later
        jump = _record(
            step="redeem",
            outcome="ok",
            origin=origin,
            customer=customer,
            resource_id=resource.id,
            link_id=link.id,
            service=service,
            detail=f"iam_broker login token for {broker_session_user(customer)}",
        )
        jump.asserted_at = now
        db.session.flush()
        return Redeemed(login_url=login_url, jump_id=jump.id, secret=None)
    secret = secrets.token_urlsafe(32)
    jump = _record(
        step="redeem",
        outcome="redirected",
        origin=origin,
        customer=customer,
        resource_id=resource.id,
        link_id=link.id,
        service=service,
    )
    jump.state_hash = _hash(secret)
    jump.state_expires_at = now + JUMP_STATE_TTL
    db.session.flush()
    return Redeemed(login_url=login_url, jump_id=jump.id, secret=secret)


@dataclass(frozen=True)
class PendingJump:
    jump: ConsoleJump
    customer: Customer
    resource: Resource


def pending_jump(state: Any, origin: Origin) -> PendingJump:
    """The jump the browser's session points at, if it is fresh, unanswered and still allowed."""
    refused = ConsoleRefused(
        403, "no_pending_jump", _l("Open the console from your resources page.")
    )
    if not isinstance(state, dict):
        raise _refuse(refused, step="sso", origin=origin)
    jump = db.session.get(ConsoleJump, state.get("id"))
    secret = str(state.get("secret", ""))
    now = utcnow()
    if (
        jump is None
        or jump.state_hash is None
        or not secrets.compare_digest(jump.state_hash, _hash(secret))
        or jump.asserted_at is not None
        or jump.state_expires_at is None
        or jump.state_expires_at <= now
        or jump.customer_id is None
    ):
        raise _refuse(refused, step="sso", origin=origin)
    customer = db.session.get(Customer, jump.customer_id)
    assert customer is not None
    try:
        resource = _check(customer, _resource(jump.resource_id or 0))
    except ConsoleRefused as exc:
        raise _refuse(
            exc, step="sso", origin=origin, customer=customer, resource_id=jump.resource_id
        ) from None
    return PendingJump(jump=jump, customer=customer, resource=resource)


def refuse_sso(pending: PendingJump | None, exc: ConsoleRefused, origin: Origin) -> ConsoleRefused:
    return _refuse(
        exc,
        step="sso",
        origin=origin,
        customer=pending.customer if pending else None,
        resource_id=pending.resource.id if pending else None,
    )


def assertion_attributes(customer: Customer) -> dict[str, str]:
    """What the provider expects in the assertion for the customer's account."""
    cloud = current_app.config["SETTINGS"].cloud
    attributes = {
        "xUserId": customer.provider_xaccount_id or "",
        "xAccountType": cloud.xaccount_type,
    }
    if cloud.partner_id:
        attributes["bpId"] = cloud.partner_id
    return attributes


def complete_jump(pending: PendingJump, origin: Origin, sp_entity_id: str) -> bool:
    """Mark the jump answered (once: ``UPDATE … WHERE asserted_at IS NULL``) and audit it."""
    now = utcnow()
    result = db.session.execute(
        update(ConsoleJump)
        .where(ConsoleJump.id == pending.jump.id, ConsoleJump.asserted_at.is_(None))
        .values(asserted_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    _record(
        step="sso",
        outcome="ok",
        origin=origin,
        customer=pending.customer,
        resource_id=pending.resource.id,
        link_id=pending.jump.link_id,
        service=pending.jump.service,
        detail=f"assertion for {sp_entity_id}",
    )
    db.session.flush()
    return True

"""Invitations to cloud resellers: an expiring signed link, resendable and revocable; accepting
one creates the reseller's store and owner and links its indirect-partner id at the provider.

Each function flushes; the edge (the view) commits, and mails the link or calls the provider
after that commit (:func:`send_invitation`, :func:`link_provider`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from storefront.accounts.bootstrap import ensure_owner
from storefront.accounts.permissions import require_permission
from storefront.accounts.services import PASSWORD_MESSAGES
from storefront.accounts.validators import password_problem
from storefront.backoffice import audit
from storefront.clock import utcnow
from storefront.cloud.interface import UpstreamRejected, UpstreamUnavailable
from storefront.extensions import db
from storefront.mail import send_template
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.models import Invitation, Reseller
from storefront.partners.profile import ensure_profile
from storefront.partners.provider import distributor_provider, upstream_error
from storefront.partners.resellers import get_reseller
from storefront.partners.settings import partner_settings
from storefront.stores.models import Store, StoreDomain
from storefront.stores.services import StoreError, create_store, normalise_host
from storefront.stores.tenancy import store_context
from storefront.stores.urls import external_url


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="partners.invitation")


def invitation_token(invitation: Invitation) -> str:
    return str(_serializer().dumps({"i": invitation.id, "n": invitation.nonce}))


def invitation_state(invitation: Invitation, at: datetime | None = None) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.accepted_at is not None:
        return "accepted"
    if (at or utcnow()) >= invitation.expires_at:
        return "expired"
    return "pending"


def list_invitations(staff: Any) -> list[Invitation]:
    require_permission(staff, "resellers.view")
    return list(db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc())))


def send_invitation(invitation: Invitation) -> None:
    """Mail the invitation's link, in its language (once the invitation is committed)."""
    link = external_url("partners_public.join", token=invitation_token(invitation))
    send_template(
        "partners_invitation",
        to=invitation.email,
        subject=_subject(invitation.locale),
        locale=invitation.locale,
        invitation=invitation,
        link=link,
    )


def _subject(locale: str) -> str:
    with force_locale(locale):
        return gettext("You are invited to open your cloud store")


def invite(
    staff: Any, *, email: str, account_name: str, company_name: str, locale: str = "en"
) -> Invitation:
    """Record an invitation; the caller commits, then sends it (:func:`send_invitation`)."""
    require_permission(staff, "resellers.invite")
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise PartnersError(_l("Enter a valid email address."), "email")
    account_name = account_name.strip()
    if not account_name or len(account_name) > 64:
        raise PartnersError(_l("Enter the reseller's provider account name."), "account_name")
    company_name = company_name.strip()
    if not company_name:
        raise PartnersError(_l("Enter the reseller's company name."), "company_name")
    if locale not in ("en", "zh_Hans_CN"):
        locale = "en"
    at = utcnow()
    invitation = Invitation(
        email=email,
        account_name=account_name,
        company_name=company_name[:200],
        locale=locale,
        nonce=secrets.token_hex(16),
        invited_by_id=staff.id,
        created_at=at,
        sent_at=at,
        expires_at=at + timedelta(days=partner_settings().invitation_days),
        send_count=1,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(staff, "partners.invite", f"invitation:{invitation.id}", {"email": email})
    return invitation


def _invitation_for_staff(staff: Any, invitation_id: int) -> Invitation:
    require_permission(staff, "resellers.invite")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise PartnerNotFound(_l("No such invitation."))
    return invitation


def resend(staff: Any, invitation_id: int) -> Invitation:
    """A new link (the earlier one stops working); the caller commits, then sends it."""
    invitation = _invitation_for_staff(staff, invitation_id)
    if invitation_state(invitation) not in ("pending", "expired"):
        raise PartnersError(_l("Only a pending or expired invitation can be sent again."))
    at = utcnow()
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = at
    invitation.expires_at = at + timedelta(days=partner_settings().invitation_days)
    invitation.send_count += 1
    audit.record(staff, "partners.invite_resend", f"invitation:{invitation.id}")
    return invitation


def revoke(staff: Any, invitation_id: int) -> Invitation:
    invitation = _invitation_for_staff(staff, invitation_id)
    if invitation_state(invitation) != "pending":
        raise PartnersError(_l("Only a pending invitation can be revoked."))
    invitation.revoked_at = utcnow()
    audit.record(staff, "partners.invite_revoke", f"invitation:{invitation.id}")
    return invitation


def open_invitation(token: str) -> Invitation:
    """The pending invitation behind ``token``; else :class:`PartnersError` saying why not."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise PartnersError(_l("This invitation link is not valid."), code="invalid") from None
    invitation = db.session.get(Invitation, int(data.get("i", 0)))
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(data.get("n"))):
        raise PartnersError(
            _l("This invitation link is no longer valid. Ask for a new one."), code="invalid"
        )
    state = invitation_state(invitation)
    if state == "expired":
        raise PartnersError(_l("This invitation has expired. Ask for a new one."), code="expired")
    if state == "revoked":
        raise PartnersError(_l("This invitation was withdrawn."), code="revoked")
    if state == "accepted":
        raise PartnersError(_l("This invitation was already used."), code="accepted")
    return invitation


@dataclass
class Acceptance:
    company_name: str
    store_name: str
    slug: str
    domain: str
    owner_email: str
    password: str


def _check_acceptance(data: Acceptance) -> tuple[str, str, str]:
    """The company name, host and owner email of a valid acceptance."""
    company = data.company_name.strip()
    if not company:
        raise PartnersError(_l("Enter your company name."), "company_name")
    if not data.store_name.strip():
        raise PartnersError(_l("Enter a store name."), "store_name")
    host = normalise_host(data.domain)
    if not host or "." not in host or "/" in host:
        raise PartnersError(_l("Enter a host name such as shop.example.com."), "domain")
    if db.session.scalar(select(StoreDomain.id).where(StoreDomain.host == host)):
        raise PartnersError(_l("This domain is already used by another store."), "domain")
    if db.session.scalar(select(Store.id).where(Store.slug == data.slug.strip())):
        raise PartnersError(_l("This short name is taken."), "slug")
    owner_email = data.owner_email.strip().lower()
    if "@" not in owner_email:
        raise PartnersError(_l("Enter a valid email address."), "owner_email")
    problem = password_problem(data.password, email=owner_email)
    if problem:
        raise PartnersError(
            PASSWORD_MESSAGES.get(problem, _l("Choose another password.")), "password"
        )
    return company, host, owner_email


def accept(token: str, data: Acceptance) -> Reseller:
    """Create the reseller's store and owner. The caller commits, then links the reseller's
    indirect-partner id (:func:`link_provider`)."""
    invitation = open_invitation(token)
    company, host, owner_email = _check_acceptance(data)
    try:
        store = create_store(
            slug=data.slug.strip(),
            name=data.store_name.strip()[:120],
            domains=[host],
            contact_email=owner_email,
        )
    except StoreError as exc:
        if exc.field == "slug":
            raise PartnersError(
                _l("Use 2-63 lowercase letters, digits and hyphens."), "slug"
            ) from None
        raise PartnersError(_l("The store could not be created."), exc.field) from None
    owner = ensure_owner(store, owner_email, data.password)
    owner.name = company[:120]
    reseller = Reseller(
        store_id=store.id,
        company_name=company[:200],
        account_name=invitation.account_name,
        email=invitation.email,
        created_at=utcnow(),
    )
    db.session.add(reseller)
    db.session.flush()
    invitation.accepted_at = utcnow()
    invitation.reseller_id = reseller.id
    with store_context(store):
        profile = ensure_profile(store.id)
        profile.provider_account_name = invitation.account_name
    audit.record(
        "reseller",
        "partners.invite_accept",
        f"invitation:{invitation.id}",
        {"store": store.slug},
        store_id=store.id,
    )
    db.session.flush()
    return reseller


def link_provider(reseller: Reseller) -> str | None:
    """Find the reseller's indirect-partner id by its account name (else its email); the caller
    commits. Call it outside a pending transaction: it asks the provider."""
    provider = distributor_provider()
    try:
        page = provider.list_indirect_partners(account_name=reseller.account_name, limit=10)
        match = next(
            (p for p in page.items if p.account_name.lower() == reseller.account_name.lower()),
            None,
        )
        if match is None:
            page = provider.list_indirect_partners(limit=100)
            match = next(
                (p for p in page.items if (p.email or "").lower() == reseller.email.lower()), None
            )
    except (UpstreamRejected, UpstreamUnavailable) as exc:
        raise upstream_error(exc) from None
    if match is not None:
        reseller.indirect_partner_id = match.indirect_partner_id
    return reseller.indirect_partner_id


def relink(staff: Any, reseller_id: int) -> str | None:
    require_permission(staff, "resellers.invite")
    return link_provider(get_reseller(staff, reseller_id))

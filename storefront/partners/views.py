"""Partner pages under ``/admin/partners`` (staff) and the public invitation page ``/join``.

Each staff view declares its partner permission with ``@partner_page("…")``; the service it
calls checks the same permission again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.accounts.guards import staff_guard
from storefront.accounts.models import Staff
from storefront.billing.errors import IdempotencyConflict, IdempotencyInProgress
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.partners import services, workspace
from storefront.partners.models import AllocationKind, AllocationState, PartnerProfile
from storefront.partners.permissions import (
    DISTRIBUTOR_ONLY,
    has_partner_permission,
    partner_settings,
)
from storefront.partners.services import PartnersError
from storefront.stores.tenancy import current_store

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")
public = Blueprint("partners_public", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def partner_page(permission: str) -> Callable[[F], F]:
    """Staff holding ``permission``; anonymous -> staff login, others -> 403. Reseller pages do
    not exist (404) in solution-provider mode."""

    def hidden_in_this_mode() -> None:
        if permission in DISTRIBUTOR_ONLY and not partner_settings().is_distributor:
            abort(404)

    return staff_guard(permission, has_partner_permission, before=hidden_in_this_mode)


def _staff() -> Staff:
    user = current_user._get_current_object()
    assert isinstance(user, Staff)
    return user


def _fail(exc: PartnersError) -> None:
    flash(str(exc.message), "error")


def _back(endpoint: str, **values: Any) -> ResponseReturnValue:
    return redirect(url_for(endpoint, **values))


# --------------------------------------------------------------------------- workspace


@bp.get("/")
@partner_page("workspace.view")
def home() -> ResponseReturnValue:
    staff = _staff()
    profile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    reseller = services.reseller_for_store(staff.store_id)
    balance = None
    if reseller is not None:
        balance = services.provider_balance(reseller.indirect_partner_id)
    elif services.partner_settings().is_distributor and current_store().is_default:
        balance = _own_balance(distributor=True)
    else:
        balance = _own_balance(distributor=False)
    return render_template(
        "partners/home.html",
        profile=profile,
        reseller=reseller,
        balance=balance,
        routes=workspace.topup_routes(profile),
        entities=workspace.ENTITIES,
        distributor=services.partner_settings().is_distributor,
    )


def _own_balance(*, distributor: bool) -> Any:
    from storefront.cloud.interface import UpstreamRejected, UpstreamUnavailable
    from storefront.extensions import cloud_provider

    provider = services.distributor_provider() if distributor else cloud_provider()
    try:
        balances = provider.list_partner_balances()
    except (UpstreamRejected, UpstreamUnavailable):
        return None
    return services._cash(balances)


@bp.post("/profile")
@partner_page("workspace.manage")
def profile() -> ResponseReturnValue:
    try:
        workspace.update_profile(
            _staff(),
            contracting_entity=request.form.get("contracting_entity"),
            provider_account_name=request.form.get("provider_account_name", ""),
            programme_member_since=request.form.get("programme_member_since") or None,
            programme_member_id=request.form.get("programme_member_id", ""),
        )
        flash(_("Saved."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.home")


@bp.route("/remittances", methods=["GET", "POST"])
@partner_page("workspace.view")
def remittances() -> ResponseReturnValue:
    staff = _staff()
    if request.method == "POST":
        if not has_partner_permission(staff, "workspace.manage"):
            abort(403)
        try:
            workspace.record_remittance(
                staff,
                amount=request.form.get("amount", ""),
                remitted_on=request.form.get("remitted_on", ""),
                payer_account=request.form.get("payer_account", ""),
                serial_number=request.form.get("serial_number", ""),
            )
            flash(_("Remittance recorded. Claim it at the provider so that it counts."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.remittances")
    profile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    return render_template(
        "partners/remittances.html",
        rows=workspace.remittances(staff),
        routes=workspace.topup_routes(profile),
    )


@bp.post("/remittances/<int:remittance_id>/state")
@partner_page("workspace.manage")
def remittance_state(remittance_id: int) -> ResponseReturnValue:
    try:
        workspace.move_remittance(_staff(), remittance_id, request.form.get("state", ""))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.remittances")


@bp.route("/incentives", methods=["GET", "POST"])
@partner_page("workspace.view")
def incentives() -> ResponseReturnValue:
    staff = _staff()
    if request.method == "POST":
        if not has_partner_permission(staff, "workspace.manage"):
            abort(403)
        try:
            if "payout_method" in request.form:
                workspace.set_payout_method(staff, request.form["payout_method"])
            else:
                workspace.add_incentive(
                    staff,
                    period=request.form.get("period", ""),
                    kind=request.form.get("kind", ""),
                    amount=request.form.get("amount", ""),
                )
            flash(_("Saved."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.incentives")
    profile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    return render_template(
        "partners/incentives.html",
        rows=workspace.incentives(staff),
        profile=profile,
        methods=workspace.PAYOUT_METHODS,
    )


@bp.route("/certifications", methods=["GET", "POST"])
@partner_page("workspace.view")
def certifications() -> ResponseReturnValue:
    staff = _staff()
    if request.method == "POST":
        if not has_partner_permission(staff, "workspace.manage"):
            abort(403)
        upload = request.files.get("proof")
        data = upload.read(workspace.MAX_PROOF_BYTES + 1) if upload else None
        try:
            workspace.add_certification(
                staff,
                staff_id=int(request.form.get("staff_id") or 0),
                kind=request.form.get("kind", ""),
                track=request.form.get("track", ""),
                number=request.form.get("number", ""),
                issued_on=request.form.get("issued_on", ""),
                expires_on=request.form.get("expires_on") or None,
                proof=data or None,
            )
            flash(_("Certification added."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.certifications")
    return render_template(
        "partners/certifications.html",
        rows=workspace.certifications(staff),
        people=workspace.people(staff),
        kinds=workspace.CERT_KINDS,
        members=db.session.scalars(db.select(Staff).order_by(Staff.name)).all(),
    )


@bp.get("/certifications/<int:certification_id>/proof")
@partner_page("workspace.view")
def certification_proof(certification_id: int) -> ResponseReturnValue:
    try:
        path, mime = workspace.proof_path(_staff(), certification_id)
    except PartnersError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=mime, as_attachment=True, download_name=path.name)


@bp.route("/path", methods=["GET", "POST"])
@partner_page("workspace.view")
def development_path() -> ResponseReturnValue:
    staff = _staff()
    if request.method == "POST":
        if not has_partner_permission(staff, "workspace.manage"):
            abort(403)
        try:
            workspace.choose_path(staff, request.form.get("path", ""))
            flash(_("Development path chosen."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.development_path")
    profile: PartnerProfile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    persons = workspace.people(staff)
    progress = {key: workspace.path_progress(key, persons) for key in workspace.PATHS}
    return render_template(
        "partners/path.html", profile=profile, paths=workspace.PATHS, progress=progress
    )


@bp.route("/opportunities", methods=["GET", "POST"])
@partner_page("workspace.view")
def opportunities() -> ResponseReturnValue:
    staff = _staff()
    if request.method == "POST":
        if not has_partner_permission(staff, "workspace.manage"):
            abort(403)
        try:
            workspace.add_opportunity(
                staff,
                customer_name=request.form.get("customer_name", ""),
                products=request.form.get("products", ""),
                estimated_amount=request.form.get("estimated_amount", ""),
                stage=request.form.get("stage", ""),
                expected_close=request.form.get("expected_close", ""),
            )
            flash(_("Opportunity recorded."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.opportunities")
    return render_template(
        "partners/opportunities.html",
        rows=workspace.opportunities(staff),
        stages=workspace.STAGES,
        moves=workspace.OPPORTUNITY_MOVES,
    )


@bp.post("/opportunities/<int:opportunity_id>/status")
@partner_page("workspace.manage")
def opportunity_status(opportunity_id: int) -> ResponseReturnValue:
    try:
        workspace.move_opportunity(_staff(), opportunity_id, request.form.get("status", ""))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.opportunities")


@bp.get("/opportunities.csv")
@partner_page("workspace.view")
def opportunities_csv() -> ResponseReturnValue:
    return Response(
        workspace.opportunities_csv(_staff()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=opportunities.csv"},
    )


@bp.get("/quotes")
@partner_page("workspace.view")
def quotes() -> ResponseReturnValue:
    return render_template(
        "partners/quotes.html",
        rows=workspace.large_quotes(_staff()),
        threshold=workspace.LARGE_QUOTE,
    )


@bp.post("/quotes/<quote_id>/opportunity")
@partner_page("workspace.manage")
def quote_opportunity(quote_id: str) -> ResponseReturnValue:
    try:
        workspace.opportunity_from_quote(_staff(), quote_id)
        flash(_("Opportunity created from the quote."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.quotes")


# --------------------------------------------------------------------------- distributor


@bp.get("/resellers")
@partner_page("resellers.view")
def resellers() -> ResponseReturnValue:
    return render_template("partners/resellers.html", rows=services.reseller_rows(_staff()))


@bp.route("/resellers/invitations", methods=["GET", "POST"])
@partner_page("resellers.view")
def invitations() -> ResponseReturnValue:
    staff = _staff()
    if request.method == "POST":
        if not has_partner_permission(staff, "resellers.invite"):
            abort(403)
        try:
            services.invite(
                staff,
                email=request.form.get("email", ""),
                account_name=request.form.get("account_name", ""),
                company_name=request.form.get("company_name", ""),
                locale=request.form.get("locale", "en"),
            )
            flash(_("Invitation sent."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.invitations")
    rows = [(i, services.invitation_state(i)) for i in services.list_invitations(staff)]
    return render_template("partners/invitations.html", rows=rows)


@bp.post("/resellers/invitations/<int:invitation_id>/resend")
@partner_page("resellers.invite")
def invitation_resend(invitation_id: int) -> ResponseReturnValue:
    try:
        services.resend(_staff(), invitation_id)
        flash(_("Invitation sent again; the earlier link no longer works."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.invitations")


@bp.post("/resellers/invitations/<int:invitation_id>/revoke")
@partner_page("resellers.invite")
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    try:
        services.revoke(_staff(), invitation_id)
        flash(_("Invitation revoked."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.invitations")


@bp.get("/resellers/<int:reseller_id>")
@partner_page("resellers.view")
def reseller(reseller_id: int) -> ResponseReturnValue:
    try:
        data = services.reseller_detail(_staff(), reseller_id)
    except PartnersError:
        abort(404)
    return render_template(
        "partners/reseller.html", key=uuid.uuid4().hex, refusal=services.refusal_message, **data
    )


@bp.post("/resellers/<int:reseller_id>/funds")
@partner_page("resellers.funds")
def reseller_funds(reseller_id: int) -> ResponseReturnValue:
    kind = (
        AllocationKind.RECLAIM if request.form.get("kind") == "reclaim" else AllocationKind.ALLOCATE
    )
    try:
        result = services.move_funds(
            _staff(),
            reseller_id,
            kind=kind,
            amount=request.form.get("amount", ""),
            reason=request.form.get("reason", ""),
            idempotency_key=request.form.get("idempotency_key") or None,
        )
        _flash_move(result)
    except PartnersError as exc:
        _fail(exc)
    except (IdempotencyConflict, IdempotencyInProgress):
        flash(_("This form was already submitted with other values. Reload the page."), "error")
    return _back("partners.reseller", reseller_id=reseller_id)


def _flash_move(result: services.MoveResult) -> None:
    if result.state == AllocationState.CONFIRMED:
        flash(
            _(
                "Done: %(amount)s (provider transfer %(transfer)s).",
                amount=f"{result.amount:.2f}",
                transfer=result.transfer_id,
            )
        )
    elif result.state == AllocationState.FAILED:
        flash(str(result.error), "error")
    else:
        flash(
            _(
                "The provider did not answer in time. The request is pending: it is checked "
                "with the provider automatically and never applied twice."
            ),
            "warning",
        )


@bp.post("/resellers/<int:reseller_id>/link")
@partner_page("resellers.invite")
def reseller_link(reseller_id: int) -> ResponseReturnValue:
    try:
        found = services.relink(_staff(), reseller_id)
        flash(_("Linked.") if found else _("No matching reseller at the provider yet."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.reseller", reseller_id=reseller_id)


# --------------------------------------------------------------------------- public: join


@public.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> ResponseReturnValue:
    try:
        invitation = services.open_invitation(token)
    except PartnersError as exc:
        return render_template("partners/join_closed.html", message=str(exc.message)), 410
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            reseller = services.accept(
                token,
                services.Acceptance(
                    company_name=form.get("company_name", ""),
                    store_name=form.get("store_name", ""),
                    slug=form.get("slug", ""),
                    domain=form.get("domain", ""),
                    owner_email=form.get("owner_email", ""),
                    password=form.get("password", ""),
                ),
            )
        except PartnersError as exc:
            db.session.rollback()
            errors[exc.field or "form"] = str(exc.message)
        else:
            store = services.db.session.get(services.Store, reseller.store_id)
            assert store is not None
            return render_template("partners/join_done.html", store=store)
    return render_template("partners/join.html", invitation=invitation, form=form, errors=errors), (
        422 if errors else 200
    )


def _visible(permission: str) -> Callable[[Any], bool]:
    def check(user: Any) -> bool:
        if permission in DISTRIBUTOR_ONLY and not partner_settings().is_distributor:
            return False
        return has_partner_permission(user, permission)

    return check


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public)
    add_nav(app, NavItem("partners.home", _l("Partner"), "account", 6, _visible("workspace.view")))
    add_nav(
        app,
        NavItem("partners.resellers", _l("Resellers"), "account", 7, _visible("resellers.view")),
    )
    app.jinja_env.globals.update(partner_can=_partner_can)


def _partner_can(endpoint: str) -> bool:
    from flask import current_app

    view = current_app.view_functions.get(endpoint)
    permission = getattr(view, "permission", None)
    if not isinstance(permission, str):
        return False
    return _visible(permission)(current_user)

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
from flask_wtf import FlaskForm

from storefront.accounts.guards import staff_guard
from storefront.accounts.models import Staff
from storefront.accounts.permissions import DISTRIBUTOR_SCOPE, has_permission
from storefront.accounts.principals import current_principal
from storefront.billing.errors import IdempotencyConflict, IdempotencyInProgress
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.partners import forms, reseller_freeze, services, workspace
from storefront.partners.errors import PartnersError
from storefront.partners.models import AllocationKind, AllocationState, PartnerProfile
from storefront.partners.settings import partner_settings
from storefront.stores.forms import StoreFreezeForm
from storefront.stores.freeze import StoreFreezeError
from storefront.stores.models import Store
from storefront.stores.tenancy import current_store

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")
public = Blueprint("partners_public", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def partner_page(permission: str) -> Callable[[F], F]:
    """Staff holding ``permission``; anonymous -> staff login, others -> 403. Reseller pages do
    not exist (404) in solution-provider mode."""

    def hidden_in_this_mode() -> None:
        if permission in DISTRIBUTOR_SCOPE and not partner_settings().is_distributor:
            abort(404)

    return staff_guard(permission, has_permission, before=hidden_in_this_mode)


def _staff() -> Staff:
    user = current_principal()
    assert isinstance(user, Staff)
    return user


def _fail(exc: PartnersError) -> None:
    flash(str(exc), "error")


def _back(endpoint: str, **values: Any) -> ResponseReturnValue:
    return redirect(url_for(endpoint, **values))


def _field_error(form: FlaskForm, exc: PartnersError) -> bool:
    """Put a service refusal next to its field; False when it names no field of ``form``."""
    field = form._fields.get(exc.field or "")
    if field is None:
        return False
    field.errors = [*field.errors, str(exc)]
    return True


def _can(permission: str) -> None:
    if not has_permission(_staff(), permission):
        abort(403)


# --------------------------------------------------------------------------- workspace


def _profile_form(profile: PartnerProfile, data: bool = False) -> forms.ProfileForm:
    form = forms.ProfileForm(
        formdata=None if not data else request.form,
        data=None
        if data
        else {
            "provider_account_name": profile.provider_account_name or "",
            "contracting_entity": profile.contracting_entity,
            "programme_member_since": profile.programme_member_since,
            "programme_member_id": profile.programme_member_id or "",
        },
    )
    form.contracting_entity.choices = forms.choices(
        (k, str(v)) for k, v in workspace.ENTITIES.items()
    )
    return form


def _home(form: forms.ProfileForm | None = None, status: int = 200) -> ResponseReturnValue:
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
        form=form or _profile_form(profile),
    ), status


@bp.get("/")
@partner_page("workspace.view")
def home() -> ResponseReturnValue:
    return _home()


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
    staff = _staff()
    form = _profile_form(workspace.ensure_profile(staff.store_id), data=True)
    if not form.validate():
        return _home(form, 422)
    try:
        workspace.update_profile(
            staff,
            contracting_entity=form.contracting_entity.data,
            provider_account_name=form.provider_account_name.data or "",
            programme_member_since=form.programme_member_since.data,
            programme_member_id=form.programme_member_id.data or "",
        )
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _home(form, 422)
        _fail(exc)
    else:
        flash(_("Saved."))
    return _back("partners.home")


def _remittances(form: forms.RemittanceForm | None = None, status: int = 200) -> Any:
    staff = _staff()
    profile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    return render_template(
        "partners/remittances.html",
        rows=workspace.remittances(staff),
        routes=workspace.topup_routes(profile),
        form=form or forms.RemittanceForm(formdata=None),
        button=forms.EmptyForm(),
    ), status


@bp.route("/remittances", methods=["GET", "POST"])
@partner_page("workspace.view")
def remittances() -> ResponseReturnValue:
    if request.method == "GET":
        return _remittances()
    _can("workspace.manage")
    form = forms.RemittanceForm()
    if not form.validate():
        return _remittances(form, 422)
    try:
        workspace.record_remittance(
            _staff(),
            amount=form.amount.data,
            remitted_on=form.remitted_on.data,
            payer_account=form.payer_account.data or "",
            serial_number=form.serial_number.data or "",
        )
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _remittances(form, 422)
        _fail(exc)
    else:
        flash(_("Remittance recorded. Claim it at the provider so that it counts."))
    return _back("partners.remittances")


@bp.post("/remittances/<id:remittance_id>/state")
@partner_page("workspace.manage")
def remittance_state(remittance_id: int) -> ResponseReturnValue:
    form = forms.RemittanceStateForm()
    if not form.validate():
        flash(_("That change is not possible from the current state."), "error")
        return _back("partners.remittances")
    try:
        workspace.move_remittance(_staff(), remittance_id, form.state.data)
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.remittances")


def _payout_form(profile: PartnerProfile, data: bool = False) -> forms.PayoutForm:
    form = forms.PayoutForm(
        formdata=request.form if data else None,
        data=None if data else {"payout_method": profile.payout_method},
    )
    form.payout_method.choices = forms.choices(
        (k, str(v)) for k, v in workspace.PAYOUT_METHODS.items()
    )
    return form


def _incentives(
    form: forms.IncentiveForm | None = None,
    payout: forms.PayoutForm | None = None,
    status: int = 200,
) -> Any:
    staff = _staff()
    profile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    return render_template(
        "partners/incentives.html",
        rows=workspace.incentives(staff),
        profile=profile,
        methods=workspace.PAYOUT_METHODS,
        form=form or forms.IncentiveForm(formdata=None),
        payout=payout or _payout_form(profile),
    ), status


@bp.route("/incentives", methods=["GET", "POST"])
@partner_page("workspace.view")
def incentives() -> ResponseReturnValue:
    if request.method == "GET":
        return _incentives()
    _can("workspace.manage")
    staff = _staff()
    if "payout_method" in request.form:
        payout = _payout_form(workspace.ensure_profile(staff.store_id), data=True)
        if not payout.validate():
            return _incentives(payout=payout, status=422)
        try:
            workspace.set_payout_method(staff, payout.payout_method.data)
        except PartnersError as exc:
            _fail(exc)
        else:
            flash(_("Saved."))
        return _back("partners.incentives")
    form = forms.IncentiveForm()
    if not form.validate():
        return _incentives(form, status=422)
    try:
        workspace.add_incentive(
            staff,
            period=form.period.data or "",
            kind=form.kind.data or "",
            amount=form.amount.data,
        )
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _incentives(form, status=422)
        _fail(exc)
    else:
        flash(_("Saved."))
    return _back("partners.incentives")


def _certification_form(data: bool = False) -> forms.CertificationForm:
    form = forms.CertificationForm() if data else forms.CertificationForm(formdata=None)
    members = db.session.scalars(db.select(Staff).order_by(Staff.name)).all()
    form.staff_id.choices = forms.choices((m.id, m.name) for m in members)
    form.kind.choices = forms.choices((k, k) for k in workspace.CERT_KINDS)
    return form


def _certifications(form: forms.CertificationForm | None = None, status: int = 200) -> Any:
    staff = _staff()
    return render_template(
        "partners/certifications.html",
        rows=workspace.certifications(staff),
        people=workspace.people(staff),
        form=form or _certification_form(),
    ), status


@bp.route("/certifications", methods=["GET", "POST"])
@partner_page("workspace.view")
def certifications() -> ResponseReturnValue:
    if request.method == "GET":
        return _certifications()
    _can("workspace.manage")
    form = _certification_form(data=True)
    if not form.validate():
        return _certifications(form, 422)
    upload = form.proof.data
    data = upload.read(workspace.MAX_PROOF_BYTES + 1) if upload else None
    try:
        workspace.add_certification(
            _staff(),
            staff_id=form.staff_id.data,
            kind=form.kind.data,
            track=form.track.data or "",
            number=form.number.data or "",
            issued_on=form.issued_on.data,
            expires_on=form.expires_on.data,
            proof=data or None,
        )
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _certifications(form, 422)
        _fail(exc)
    else:
        flash(_("Certification added."))
    return _back("partners.certifications")


@bp.get("/certifications/<id:certification_id>/proof")
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
        _can("workspace.manage")
        form = forms.PathForm()
        form.path.choices = forms.choices((k, k) for k in workspace.paths())
        if not form.validate():
            flash(_("Choose a development path."), "error")
            return _back("partners.development_path")
        try:
            workspace.choose_path(staff, form.path.data)
            flash(_("Development path chosen."))
        except PartnersError as exc:
            _fail(exc)
        return _back("partners.development_path")
    profile: PartnerProfile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    persons = workspace.people(staff)
    paths = workspace.paths()
    progress = {key: workspace.path_progress(key, persons) for key in paths}
    return render_template(
        "partners/path.html",
        profile=profile,
        paths=paths,
        progress=progress,
        source=workspace.path_source(),
        button=forms.EmptyForm(),
    )


def _opportunity_form(data: bool = False) -> forms.OpportunityForm:
    form = forms.OpportunityForm() if data else forms.OpportunityForm(formdata=None)
    form.stage.choices = forms.choices((k, str(v)) for k, v in workspace.STAGES.items())
    return form


def _opportunities(form: forms.OpportunityForm | None = None, status: int = 200) -> Any:
    return render_template(
        "partners/opportunities.html",
        rows=workspace.opportunities(_staff()),
        stages=workspace.STAGES,
        moves=workspace.OPPORTUNITY_MOVES,
        form=form or _opportunity_form(),
        button=forms.EmptyForm(),
    ), status


@bp.route("/opportunities", methods=["GET", "POST"])
@partner_page("workspace.view")
def opportunities() -> ResponseReturnValue:
    if request.method == "GET":
        return _opportunities()
    _can("workspace.manage")
    form = _opportunity_form(data=True)
    if not form.validate():
        return _opportunities(form, 422)
    try:
        workspace.add_opportunity(
            _staff(),
            customer_name=form.customer_name.data or "",
            products=form.products.data or "",
            estimated_amount=form.estimated_amount.data,
            stage=form.stage.data,
            expected_close=form.expected_close.data,
        )
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _opportunities(form, 422)
        _fail(exc)
    else:
        flash(_("Opportunity recorded."))
    return _back("partners.opportunities")


@bp.post("/opportunities/<id:opportunity_id>/status")
@partner_page("workspace.manage")
def opportunity_status(opportunity_id: int) -> ResponseReturnValue:
    form = forms.OpportunityStatusForm()
    if not form.validate():
        flash(_("That change is not possible from the current status."), "error")
        return _back("partners.opportunities")
    try:
        workspace.move_opportunity(_staff(), opportunity_id, form.status.data)
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
        button=forms.EmptyForm(),
    )


def _button_ok() -> bool:
    if forms.EmptyForm().validate():
        return True
    flash(_("The form expired. Please try again."), "error")
    return False


@bp.post("/quotes/<quote_id>/opportunity")
@partner_page("workspace.manage")
def quote_opportunity(quote_id: str) -> ResponseReturnValue:
    if not _button_ok():
        return _back("partners.quotes")
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


def _invitations(form: forms.InviteForm | None = None, status: int = 200) -> Any:
    staff = _staff()
    rows = [(i, services.invitation_state(i)) for i in services.list_invitations(staff)]
    return render_template(
        "partners/invitations.html",
        rows=rows,
        form=form or forms.InviteForm(formdata=None),
        button=forms.EmptyForm(),
    ), status


@bp.route("/resellers/invitations", methods=["GET", "POST"])
@partner_page("resellers.view")
def invitations() -> ResponseReturnValue:
    if request.method == "GET":
        return _invitations()
    _can("resellers.invite")
    form = forms.InviteForm()
    if not form.validate():
        return _invitations(form, 422)
    try:
        services.invite(
            _staff(),
            email=form.email.data or "",
            account_name=form.account_name.data or "",
            company_name=form.company_name.data or "",
            locale=form.locale.data,
        )
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _invitations(form, 422)
        _fail(exc)
    else:
        flash(_("Invitation sent."))
    return _back("partners.invitations")


@bp.post("/resellers/invitations/<id:invitation_id>/resend")
@partner_page("resellers.invite")
def invitation_resend(invitation_id: int) -> ResponseReturnValue:
    if not _button_ok():
        return _back("partners.invitations")
    try:
        services.resend(_staff(), invitation_id)
        flash(_("Invitation sent again; the earlier link no longer works."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.invitations")


@bp.post("/resellers/invitations/<id:invitation_id>/revoke")
@partner_page("resellers.invite")
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    if not _button_ok():
        return _back("partners.invitations")
    try:
        services.revoke(_staff(), invitation_id)
        flash(_("Invitation revoked."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.invitations")


def _reseller_page(
    reseller_id: int, form: forms.FundsForm | None = None, status: int = 200
) -> ResponseReturnValue:
    try:
        data = services.reseller_detail(_staff(), reseller_id)
    except PartnersError:
        abort(404)
    if form is None:
        form = forms.FundsForm(formdata=None, data={"idempotency_key": uuid.uuid4().hex})
    return render_template(
        "partners/reseller.html",
        form=form,
        button=forms.EmptyForm(),
        refusal=services.refusal_message,
        freeze_form=StoreFreezeForm(),
        **data,
    ), status


@bp.get("/resellers/<id:reseller_id>")
@partner_page("resellers.view")
def reseller(reseller_id: int) -> ResponseReturnValue:
    return _reseller_page(reseller_id)


@bp.post("/resellers/<id:reseller_id>/funds")
@partner_page("resellers.funds")
def reseller_funds(reseller_id: int) -> ResponseReturnValue:
    form = forms.FundsForm()
    if not form.validate():
        return _reseller_page(reseller_id, form, 422)
    kind = AllocationKind.RECLAIM if form.kind.data == "reclaim" else AllocationKind.ALLOCATE
    try:
        result = services.move_funds(
            _staff(),
            reseller_id,
            kind=kind,
            amount=form.amount.data,
            reason=form.reason.data or "",
            idempotency_key=form.idempotency_key.data or None,
        )
        _flash_move(result)
    except PartnersError as exc:
        db.session.rollback()
        if _field_error(form, exc):
            return _reseller_page(reseller_id, form, 422)
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


@bp.post("/resellers/<id:reseller_id>/link")
@partner_page("resellers.invite")
def reseller_link(reseller_id: int) -> ResponseReturnValue:
    if not _button_ok():
        return _back("partners.reseller", reseller_id=reseller_id)
    try:
        found = services.relink(_staff(), reseller_id)
        flash(_("Linked.") if found else _("No matching reseller at the provider yet."))
    except PartnersError as exc:
        _fail(exc)
    return _back("partners.reseller", reseller_id=reseller_id)


@bp.post("/resellers/<id:reseller_id>/freeze")
@partner_page(reseller_freeze.PERMISSION)
def reseller_freeze_store(reseller_id: int) -> ResponseReturnValue:
    """Freeze (reason mandatory) or unfreeze the reseller's store, after a confirm dialog."""
    form = StoreFreezeForm()
    if not form.validate_on_submit():
        flash(_("Choose freeze or unfreeze and give a reason (at most 500 characters)."), "error")
        return _back("partners.reseller", reseller_id=reseller_id)
    frozen = form.action.data == "freeze"
    try:
        reseller_freeze.set_reseller_store_frozen(
            _staff(), reseller_id, frozen=frozen, reason=form.reason.data,
            ip=request.remote_addr,
        )
    except StoreFreezeError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    except PartnersError:
        abort(404)
    else:
        db.session.commit()
        if frozen:
            flash(_("The reseller's store is frozen."))
        else:
            flash(_("The reseller's store is open."))
    return _back("partners.reseller", reseller_id=reseller_id)


# --------------------------------------------------------------------------- public: join


@public.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> ResponseReturnValue:
    try:
        invitation = services.open_invitation(token)
    except PartnersError as exc:
        return render_template("partners/join_closed.html", message=str(exc)), 410
    if request.method == "GET":
        form = forms.JoinForm(
            formdata=None,
            data={"company_name": invitation.company_name, "owner_email": invitation.email},
        )
        return render_template("partners/join.html", invitation=invitation, form=form, error=None)
    form = forms.JoinForm()
    error = None
    if form.validate():
        try:
            reseller = services.accept(
                token,
                services.Acceptance(
                    company_name=form.company_name.data or "",
                    store_name=form.store_name.data or "",
                    slug=form.slug.data or "",
                    domain=form.domain.data or "",
                    owner_email=form.owner_email.data or "",
                    password=form.password.data or "",
                ),
            )
        except PartnersError as exc:
            db.session.rollback()
            if not _field_error(form, exc):
                error = str(exc)
        else:
            store = db.session.get(Store, reseller.store_id)
            assert store is not None
            return render_template("partners/join_done.html", store=store)
    return render_template("partners/join.html", invitation=invitation, form=form, error=error), 422


def _visible(permission: str) -> Callable[[Any], bool]:
    def check(user: Any) -> bool:
        if permission in DISTRIBUTOR_SCOPE and not partner_settings().is_distributor:
            return False
        return has_permission(user, permission)

    return check


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public)
    add_nav(app, NavItem("partners.home", _l("Partner"), "staff", 110, _visible("workspace.view")))
    add_nav(
        app,
        NavItem("partners.resellers", _l("Resellers"), "staff", 120, _visible("resellers.view")),
    )
    app.jinja_env.globals.update(partner_can=_partner_can)


def _partner_can(endpoint: str) -> bool:
    from flask import current_app

    view = current_app.view_functions.get(endpoint)
    permission = getattr(view, "permission", None)
    if not isinstance(permission, str):
        return False
    return _visible(permission)(current_user)

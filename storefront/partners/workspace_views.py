"""The partner workspace pages (any store): profile and top-up, remittances, incentives,
certifications, the development path, and opportunities."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from storefront.accounts.models import Staff
from storefront.cloud.interface import UpstreamRejected, UpstreamUnavailable
from storefront.extensions import cloud_provider, db
from storefront.partners import forms, services, workspace
from storefront.partners.errors import PartnersError
from storefront.partners.form_views import submit
from storefront.partners.models import PartnerProfile
from storefront.partners.pages import (
    back,
    bp,
    button_ok,
    flash_refusal,
    partner_page,
    require,
    staff_member,
)
from storefront.partners.provider import cash, distributor_provider
from storefront.partners.settings import partner_settings
from storefront.stores.tenancy import current_store


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
    staff = staff_member()
    profile = workspace.ensure_profile(staff.store_id)
    db.session.commit()
    reseller = services.reseller_for_store(staff.store_id)
    balance = None
    if reseller is not None:
        balance = services.provider_balance(reseller.indirect_partner_id)
    elif partner_settings().is_distributor and current_store().is_default:
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
        distributor=partner_settings().is_distributor,
        form=form or _profile_form(profile),
    ), status


@bp.get("/")
@partner_page("workspace.view")
def home() -> ResponseReturnValue:
    return _home()


def _own_balance(*, distributor: bool) -> Any:
    provider = distributor_provider() if distributor else cloud_provider()
    try:
        balances = provider.list_partner_balances()
    except (UpstreamRejected, UpstreamUnavailable):
        return None
    return cash(balances)


@bp.post("/profile")
@partner_page("workspace.manage")
def profile() -> ResponseReturnValue:
    staff = staff_member()
    form = _profile_form(workspace.ensure_profile(staff.store_id), data=True)
    return submit(
        form,
        _home,
        lambda: workspace.update_profile(
            staff,
            contracting_entity=form.contracting_entity.data,
            provider_account_name=form.provider_account_name.data or "",
            programme_member_since=form.programme_member_since.data,
            programme_member_id=form.programme_member_id.data or "",
        ),
        done=_("Saved."),
        endpoint="partners.home",
    )


def _remittances(form: forms.RemittanceForm | None = None, status: int = 200) -> Any:
    staff = staff_member()
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
    require("workspace.manage")
    form = forms.RemittanceForm()
    return submit(
        form,
        _remittances,
        lambda: workspace.record_remittance(
            staff_member(),
            amount=form.amount.data,
            remitted_on=form.remitted_on.data,
            payer_account=form.payer_account.data or "",
            serial_number=form.serial_number.data or "",
        ),
        done=_("Remittance recorded. Claim it at the provider so that it counts."),
        endpoint="partners.remittances",
    )


@bp.post("/remittances/<id:remittance_id>/state")
@partner_page("workspace.manage")
def remittance_state(remittance_id: int) -> ResponseReturnValue:
    form = forms.RemittanceStateForm()
    if not form.validate():
        flash(_("That change is not possible from the current state."), "error")
        return back("partners.remittances")
    try:
        workspace.move_remittance(staff_member(), remittance_id, form.state.data)
    except PartnersError as exc:
        flash_refusal(exc)
    else:
        db.session.commit()
    return back("partners.remittances")


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
    staff = staff_member()
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
    require("workspace.manage")
    staff = staff_member()
    if "payout_method" in request.form:
        payout = _payout_form(workspace.ensure_profile(staff.store_id), data=True)
        if not payout.validate():
            return _incentives(payout=payout, status=422)
        try:
            workspace.set_payout_method(staff, payout.payout_method.data)
        except PartnersError as exc:
            flash_refusal(exc)
        else:
            db.session.commit()
            flash(_("Saved."))
        return back("partners.incentives")
    form = forms.IncentiveForm()
    return submit(
        form,
        _incentives,
        lambda: workspace.add_incentive(
            staff,
            period=form.period.data or "",
            kind=form.kind.data or "",
            amount=form.amount.data,
        ),
        done=_("Saved."),
        endpoint="partners.incentives",
    )


def _certification_form(data: bool = False) -> forms.CertificationForm:
    form = forms.CertificationForm() if data else forms.CertificationForm(formdata=None)
    members = db.session.scalars(db.select(Staff).order_by(Staff.name)).all()
    form.staff_id.choices = forms.choices((m.id, m.name) for m in members)
    form.kind.choices = forms.choices((k, k) for k in workspace.CERT_KINDS)
    return form


def _certifications(form: forms.CertificationForm | None = None, status: int = 200) -> Any:
    staff = staff_member()
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
    require("workspace.manage")
    form = _certification_form(data=True)

    def add() -> None:
        upload = form.proof.data
        workspace.add_certification(
            staff_member(),
            staff_id=form.staff_id.data,
            kind=form.kind.data,
            track=form.track.data or "",
            number=form.number.data or "",
            issued_on=form.issued_on.data,
            expires_on=form.expires_on.data,
            proof=(upload.read(workspace.MAX_PROOF_BYTES + 1) if upload else None) or None,
        )

    return submit(
        form,
        _certifications,
        add,
        done=_("Certification added."),
        endpoint="partners.certifications",
    )


@bp.get("/certifications/<id:certification_id>/proof")
@partner_page("workspace.view")
def certification_proof(certification_id: int) -> ResponseReturnValue:
    try:
        path, mime = workspace.proof_path(staff_member(), certification_id)
    except PartnersError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=mime, as_attachment=True, download_name=path.name)


@bp.route("/path", methods=["GET", "POST"])
@partner_page("workspace.view")
def development_path() -> ResponseReturnValue:
    staff = staff_member()
    if request.method == "POST":
        require("workspace.manage")
        form = forms.PathForm()
        form.path.choices = forms.choices((k, k) for k in workspace.paths())
        if not form.validate():
            flash(_("Choose a development path."), "error")
            return back("partners.development_path")
        try:
            workspace.choose_path(staff, form.path.data)
            db.session.commit()
            flash(_("Development path chosen."))
        except PartnersError as exc:
            flash_refusal(exc)
        return back("partners.development_path")
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
        rows=workspace.opportunities(staff_member()),
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
    require("workspace.manage")
    form = _opportunity_form(data=True)
    return submit(
        form,
        _opportunities,
        lambda: workspace.add_opportunity(
            staff_member(),
            customer_name=form.customer_name.data or "",
            products=form.products.data or "",
            estimated_amount=form.estimated_amount.data,
            stage=form.stage.data,
            expected_close=form.expected_close.data,
        ),
        done=_("Opportunity recorded."),
        endpoint="partners.opportunities",
    )


@bp.post("/opportunities/<id:opportunity_id>/status")
@partner_page("workspace.manage")
def opportunity_status(opportunity_id: int) -> ResponseReturnValue:
    form = forms.OpportunityStatusForm()
    if not form.validate():
        flash(_("That change is not possible from the current status."), "error")
        return back("partners.opportunities")
    try:
        workspace.move_opportunity(staff_member(), opportunity_id, form.status.data)
    except PartnersError as exc:
        flash_refusal(exc)
    else:
        db.session.commit()
    return back("partners.opportunities")


@bp.get("/opportunities.csv")
@partner_page("workspace.view")
def opportunities_csv() -> ResponseReturnValue:
    return Response(
        workspace.opportunities_csv(staff_member()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=opportunities.csv"},
    )


@bp.get("/quotes")
@partner_page("workspace.view")
def quotes() -> ResponseReturnValue:
    return render_template(
        "partners/quotes.html",
        rows=workspace.large_quotes(staff_member()),
        threshold=workspace.LARGE_QUOTE,
        button=forms.EmptyForm(),
    )


@bp.post("/quotes/<quote_id>/opportunity")
@partner_page("workspace.manage")
def quote_opportunity(quote_id: str) -> ResponseReturnValue:
    if not button_ok():
        return back("partners.quotes")
    try:
        workspace.opportunity_from_quote(staff_member(), quote_id)
        db.session.commit()
        flash(_("Opportunity created from the quote."))
    except PartnersError as exc:
        flash_refusal(exc)
    return back("partners.quotes")

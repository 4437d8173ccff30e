"""Back-office branding pages: name, colours, contact, mail sender, terms, images, domains
and the store's texts (permission ``branding.manage``)."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from storefront.accounts.guards import staff_page
from storefront.backoffice import branding, forms, texts
from storefront.backoffice.blueprint import (
    acting_staff,
    bp,
    client_ip,
)
from storefront.backoffice.form_views import button_post, form_post
from storefront.stores.tenancy import current_store


def _branding_page(form: forms.BrandingForm | None = None) -> str:
    store = current_store()
    if form is None:
        form = forms.BrandingForm(prefix="b", obj=store)
        for key in branding.TERM_KEYS:
            entry = (store.terms or {}).get(key) or {}
            getattr(form, f"terms_{key}").data = entry.get("url", "")
            form.terms_version.data = entry.get("version", form.terms_version.data)
    return render_template(
        "backoffice/branding.html",
        form=form,
        image_form=forms.ImageForm(),
        domain_form=forms.DomainForm(),
        text_form=forms.TextForm(),
        empty=forms.EmptyForm(),
        store=store,
        texts={key: texts.get_text(key) or "" for key in texts.TEXT_KEYS},
        contrast=branding.contrast_ratio,
        mail_default=current_app.config["SETTINGS"].mail_from,
    )


@bp.get("/branding")
@staff_page("branding.manage")
def branding_settings() -> ResponseReturnValue:
    return _branding_page()


@bp.post("/branding")
@staff_page("branding.manage")
def branding_save() -> ResponseReturnValue:
    form = forms.BrandingForm(prefix="b")
    return form_post(
        form,
        lambda: _branding_page(form),
        lambda: branding.update_settings(acting_staff(), current_store(), form.data, client_ip()),
        done=_l("Branding saved."),
        to=url_for("backoffice.branding_settings"),
    )


@bp.post("/branding/<kind>")
@staff_page("branding.manage")
def branding_image(kind: str) -> ResponseReturnValue:
    if kind not in ("logo", "favicon"):
        abort(404)

    def save() -> None:
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        if upload:
            upload.close()
        branding.save_image(acting_staff(), current_store(), kind, data, client_ip())

    return button_post(
        forms.ImageForm().validate_on_submit(),
        save,
        done=_l("Image saved."),
        to=url_for("backoffice.branding_settings"),
    )


@bp.post("/branding/domains")
@staff_page("branding.manage")
def domain_add() -> ResponseReturnValue:
    form = forms.DomainForm()
    return button_post(
        form.validate_on_submit(),
        lambda: branding.add_domain(
            acting_staff(), current_store(), form.host.data or "", client_ip()
        ),
        done=_l("Domain added. Point its DNS at this server."),
        to=url_for("backoffice.branding_settings") + "#domains",
    )


@bp.post("/branding/domains/<id:domain_id>/delete")
@staff_page("branding.manage")
def domain_remove(domain_id: int) -> ResponseReturnValue:
    return button_post(
        forms.EmptyForm().validate_on_submit(),
        lambda: branding.remove_domain(acting_staff(), current_store(), domain_id, client_ip()),
        done=_l("Domain removed."),
        to=url_for("backoffice.branding_settings") + "#domains",
    )


@bp.post("/branding/texts")
@staff_page("branding.manage")
def text_save() -> ResponseReturnValue:
    form = forms.TextForm()
    key = form.key.data or ""
    return button_post(
        form.validate_on_submit() and texts.allowed_key(key),
        lambda: branding.save_text(acting_staff(), key, form.body.data or "", client_ip()),
        done=_l("Text saved."),
        to=url_for("backoffice.branding_settings") + "#texts",
    )

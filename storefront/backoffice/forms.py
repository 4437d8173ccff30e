"""Back-office forms (Flask-WTF: CSRF on every post)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

ROLE_LABELS = [("owner", _l("Owner")), ("support", _l("Support")), ("finance", _l("Finance"))]
MODE_LABELS = [
    ("ACCOUNT", _l("Account only: no new purchases")),
    ("ACCOUNT_AND_RESOURCE", _l("Account and resources: resources stop too")),
]


def _choices(pairs: list[tuple[str, object]]) -> object:
    return lambda: [SelectChoice(v, str(label)) for v, label in pairs]


ROLES = _choices(ROLE_LABELS)
MODES = _choices(MODE_LABELS)


class EmptyForm(FlaskForm):
    pass


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=256)])


class FreezeForm(ReasonForm):
    mode = SelectField(_l("What to freeze"), choices=MODES, default="ACCOUNT")


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=4000)])


class ReviewForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=_choices([("approve", _l("Approve")), ("reject", _l("Reject"))])
    )
    opinion = StringField(_l("Opinion (required to reject)"), validators=[Length(max=500)])


class StaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLES, default="support")
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLES)


class SecurityForm(FlaskForm):
    staff_2fa_required = BooleanField(_l("Require two-factor authentication for all staff"))


class BrandingForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    primary_color = StringField(_l("Primary colour"), validators=[DataRequired()])
    secondary_color = StringField(
        _l("Secondary colour (navigation bar)"), validators=[DataRequired()]
    )
    default_locale = SelectField(
        _l("Default language"), choices=_choices([("en", "English"), ("zh_Hans_CN", "简体中文")])
    )
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Length(max=255)])
    mail_from_name = StringField(_l("Mail sender name"), validators=[Optional(), Length(max=120)])
    mail_from_address = EmailField(
        _l("Mail sender address"), validators=[Optional(), Length(max=255)]
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    contact_address = StringField(_l("Contact address"), validators=[Optional(), Length(max=255)])
    footer_text = TextAreaField(_l("Footer text"), validators=[Optional(), Length(max=4000)])
    terms_version = StringField(_l("Terms version"), validators=[Optional(), Length(max=20)])
    terms_user_agreement = StringField(_l("User agreement link"), validators=[Optional()])
    terms_privacy_statement = StringField(_l("Privacy statement link"), validators=[Optional()])
    terms_customer_association_notice = StringField(
        _l("Customer-association notice link"), validators=[Optional()]
    )
    terms_partner_association_terms = StringField(
        _l("Partner association terms link"), validators=[Optional()]
    )
    realname_review_local = BooleanField(_l("Review real-name cases in this store"))


class ImageForm(FlaskForm):
    file = FileField(_l("Image file"))


class DomainForm(FlaskForm):
    host = StringField(_l("Domain"), validators=[DataRequired(), Length(max=255)])


class TextForm(FlaskForm):
    key = StringField(
        lazy_pgettext("site text", "Text"), validators=[DataRequired(), Length(max=40)]
    )
    body = TextAreaField(_l("Content"), validators=[Optional(), Length(max=4000)])

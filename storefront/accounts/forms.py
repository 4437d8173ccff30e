"""Account forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from storefront.accounts.realname_routes import DOCUMENT_LABELS, RESIDENT_ID

CALLING_CODES = [
    ("+86", "+86 中国大陆 / Chinese mainland"),
    ("+852", "+852 Hong Kong"),
    ("+853", "+853 Macao"),
    ("+886", "+886 Taiwan"),
    ("+65", "+65 Singapore"),
    ("+60", "+60 Malaysia"),
    ("+66", "+66 Thailand"),
    ("+81", "+81 Japan"),
    ("+82", "+82 Korea"),
    ("+1", "+1 US / Canada"),
    ("+44", "+44 United Kingdom"),
    ("+49", "+49 Germany"),
    ("+33", "+33 France"),
]
COUNTRIES = [
    ("CN", _l("Chinese mainland")),
    ("HK", _l("Hong Kong (China)")),
    ("MO", _l("Macao (China)")),
    ("TW", _l("Taiwan (China)")),
    ("SG", _l("Singapore")),
    ("MY", _l("Malaysia")),
    ("TH", _l("Thailand")),
    ("JP", _l("Japan")),
    ("KR", _l("South Korea")),
    ("US", _l("United States")),
    ("CA", _l("Canada")),
    ("GB", _l("United Kingdom")),
    ("DE", _l("Germany")),
    ("FR", _l("France")),
]


class RegisterForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=64)])
    account_name = StringField(
        _l("Cloud account name (optional)"), validators=[Optional(), Length(max=32)]
    )
    phone_code = SelectField(
        _l("Country code"),
        choices=[SelectChoice(v, str(lbl)) for v, lbl in CALLING_CODES],
        default="+86",
    )
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=15)])
    verification_code = StringField(_l("Verification code"), validators=[Optional(), Length(max=6)])
    country = SelectField(
        _l("Country/region"),
        choices=lambda: [SelectChoice(v, str(lbl)) for v, lbl in COUNTRIES],
        default="CN",
    )
    accept_terms = BooleanField(_l("I agree to the terms"))
    consent_personal_info = BooleanField(
        _l(
            "I consent that the cloud provider obtains my account name, phone, email, "
            "country/region, account ID and account status."
        )
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class OtpForm(FlaskForm):
    code = StringField(
        _l("Authentication or recovery code"), validators=[DataRequired(), Length(max=20)]
    )


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=64)])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Current password"), validators=[DataRequired()])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=64)])


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired()])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])


class EmptyForm(FlaskForm):
    """Just the CSRF token (for buttons)."""


class RealnameForm(FlaskForm):
    type = RadioField(
        _l("Verify as"),
        choices=lambda: [
            SelectChoice("individual", str(_l("Individual"))),
            SelectChoice("enterprise", str(_l("Enterprise"))),
        ],
        default="individual",
    )
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=60)])
    document_type = SelectField(
        _l("Identity document"),
        choices=lambda: [(k, str(v)) for k, v in DOCUMENT_LABELS.items()],
        default=RESIDENT_ID,
    )
    id_number = StringField(_l("ID or document number"), validators=[Optional(), Length(max=32)])
    bank_account = StringField(_l("Bank card number"), validators=[Optional(), Length(max=40)])
    mobile = StringField(_l("Mobile number"), validators=[Optional(), Length(max=20)])
    verification_code = StringField(
        _l("SMS verification code"), validators=[Optional(), Length(max=6)]
    )
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=200)])
    credit_code = StringField(
        _l("Unified social credit code"), validators=[Optional(), Length(max=18)]
    )
    legal_person = StringField(_l("Legal person"), validators=[Optional(), Length(max=60)])
    documents = FileField(_l("Document images (JPEG, PNG or PDF)"))

"""Partner forms (Flask-WTF: each carries a CSRF token; messages are lazy, English and Chinese).

The forms check shape (required, lengths, dates, numbers, choices); the services keep the rules
(membership before a path, the contracting entity's top-up routes, one pending allocation, …)
and name the field they refuse, which the view shows next to that field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from storefront.partners.models import OpportunityStatus, RemittanceState

REQUIRED = _l("This field is required.")
CHOOSE = _l("Choose one of the options.")
DATE = _l("Enter a date as YYYY-MM-DD.")
AMOUNT = _l("Enter an amount such as 1000.00.")
TOO_LONG = _l("At most %(max)d characters.")
MAX_AMOUNT = Decimal("10000000")


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def at_most(n: int) -> Length:
    return Length(max=n, message=TOO_LONG)


def amount_rules(form: Any, field: Any) -> None:
    """Above zero, at most :data:`MAX_AMOUNT`, at most two decimals (one message at a time)."""
    value = field.data
    if value is None:
        return
    if not Decimal("0.01") <= value <= MAX_AMOUNT:
        raise StopValidation(_l("Enter an amount above zero and at most 10,000,000."))
    if value != value.quantize(Decimal("0.01")):
        raise StopValidation(_l("Enter an amount above zero with at most 2 decimals."))


def amount_field(label: Any) -> AmountField:
    return AmountField(
        label,
        places=None,
        validators=[
            InputRequired(message=REQUIRED),
            amount_rules,
        ],
        render_kw={"inputmode": "decimal"},
    )


def choices(pairs: Any) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms choices (labels rendered in the request's language)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


class ChoiceField(SelectField):
    """A select whose invalid choice says so in the page's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # rendered as a select by the shared form macro

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(CHOOSE) from None

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            return
        values = [str(c[0]) for c in self.iter_choices()]
        if str(self.data) not in values:
            raise ValidationError(CHOOSE)


class LocalDateField(DateField):
    """A date whose parse error is in the page's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(DATE) from None


class AmountField(DecimalField):
    """A finite decimal whose parse error is in the page's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(AMOUNT) from None
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(AMOUNT)


def _date(label: Any, *, optional: bool = False) -> LocalDateField:
    first = Optional() if optional else InputRequired(message=REQUIRED)
    return LocalDateField(label, validators=[first])


class EmptyForm(FlaskForm):
    """A button that posts (CSRF only)."""


class ProfileForm(FlaskForm):
    provider_account_name = StringField(
        _l("Provider account name"), validators=[Optional(), at_most(64)]
    )
    contracting_entity = ChoiceField(_l("Contracting entity"))
    programme_member_since = _date(_l("Partner-programme member since"), optional=True)
    programme_member_id = StringField(_l("Membership number"), validators=[Optional(), at_most(64)])


class RemittanceForm(FlaskForm):
    amount = amount_field(_l("Amount"))
    remitted_on = _date(_l("Date"))
    payer_account = StringField(_l("Payer account"), validators=[required(), at_most(64)])
    serial_number = StringField(_l("Serial number"), validators=[required(), at_most(64)])


class RemittanceStateForm(FlaskForm):
    state = ChoiceField(choices=lambda: choices((s.value, s.value) for s in RemittanceState))


class PayoutForm(FlaskForm):
    payout_method = ChoiceField(_l("Payout method"))


class IncentiveForm(FlaskForm):
    period = StringField(
        _l("Period"), validators=[required(), at_most(16)], render_kw={"placeholder": "2026-Q3"}
    )
    kind = StringField(_l("Kind"), validators=[required(), at_most(120)])
    amount = amount_field(_l("Amount"))


class CertificationForm(FlaskForm):
    staff_id = ChoiceField(_l("Staff member"), coerce=int)
    kind = ChoiceField(_l("Certification"))
    track = StringField(_l("Track"), validators=[Optional(), at_most(80)])
    number = StringField(
        lazy_pgettext("certification", "Number"), validators=[required(), at_most(64)]
    )
    issued_on = _date(_l("Issued"))
    expires_on = _date(_l("Expires"), optional=True)
    proof = FileField(
        _l("Proof (PDF, PNG or JPEG, at most 5 MB)"),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg"},
    )

    def validate_expires_on(self, field: Any) -> None:
        if field.data and self.issued_on.data and field.data <= self.issued_on.data:
            raise ValidationError(_l("The expiry date must be after the issue date."))


class PathForm(FlaskForm):
    path = ChoiceField(_l("Development path"))


class OpportunityForm(FlaskForm):
    customer_name = StringField(_l("Customer"), validators=[required(), at_most(200)])
    products = StringField(_l("Products"), validators=[required(), at_most(500)])
    estimated_amount = amount_field(_l("Estimated amount"))
    stage = ChoiceField(_l("Stage"))
    expected_close = _date(_l("Expected close"))


class OpportunityStatusForm(FlaskForm):
    status = ChoiceField(choices=lambda: choices((s.value, s.value) for s in OpportunityStatus))


class InviteForm(FlaskForm):
    company_name = StringField(_l("Company"), validators=[required(), at_most(200)])
    email = EmailField(
        _l("Email"),
        validators=[
            required(),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            at_most(255),
        ],
    )
    account_name = StringField(_l("Provider account name"), validators=[required(), at_most(64)])
    locale = ChoiceField(
        _l("Language"),
        choices=lambda: choices([("en", "English"), ("zh_Hans_CN", "简体中文")]),
        default="en",
    )


class FundsForm(FlaskForm):
    kind = ChoiceField(
        _l("Action"),
        choices=lambda: choices([("allocate", _l("Allocate")), ("reclaim", _l("Reclaim"))]),
    )
    amount = amount_field(_l("Amount"))
    reason = StringField(
        _l("Reason"),
        validators=[
            required(),
            Length(min=3, max=500, message=_l("Give a reason (at least 3 characters).")),
        ],
    )
    idempotency_key = HiddenField(validators=[required(), at_most(255)])


class JoinForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[required(), at_most(200)])
    store_name = StringField(_l("Store name"), validators=[required(), at_most(120)])
    slug = StringField(
        _l("Short name"),
        validators=[
            required(),
            Regexp(
                r"^[a-z0-9][a-z0-9-]{1,62}$",
                message=_l("Use 2-63 lowercase letters, digits and hyphens."),
            ),
        ],
    )
    domain = StringField(_l("Domain"), validators=[required(), at_most(253)])
    owner_email = EmailField(
        _l("Owner email"),
        validators=[
            required(),
            Email(message=_l("Enter a valid email address."), check_deliverability=False),
            at_most(255),
        ],
    )
    password = PasswordField(_l("Owner password"), validators=[required(), at_most(64)])

"""Staff forms: price rules, what the store shows, customer groups, product descriptions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

MAX_DESCRIPTION = 4000

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def options(pairs: list[tuple[str, Any]]) -> list[Any]:
    """Select choices in the form the installed WTForms prefers."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


class PriceRuleForm(FlaskForm):
    product_code = SelectField(_l("Product"), choices=[], validate_choice=True)
    spec_code = StringField(_l("Spec code"), validators=[Optional()])
    group_id = SelectField(_l("Customer group"), choices=[], coerce=str, validate_choice=True)
    kind = SelectField(
        _l("Rule"),
        choices=options(
            [
                ("markup", _l("Markup on cost (price = cost + amount)")),
                ("discount", _l("Discount off list price (price = list price − amount)")),
            ]
        ),
    )
    adjustment = SelectField(
        _l("Amount as"),
        choices=options([("percent", _l("Percent")), ("fixed", _l("Fixed per item per month"))]),
    )
    value = DecimalField(
        _l("Value"), places=4, validators=[DataRequired(), NumberRange(min=0, max=1_000_000)]
    )
    allow_below_cost = BooleanField(_l("Allow selling below cost"))
    acknowledged = HiddenField()  # the rule whose preview (and warnings) staff saw
    preview = SubmitField(_l("Preview rule"))
    save = SubmitField(_l("Add rule"))


class VisibilityForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    code = HiddenField(validators=[DataRequired()])
    hide = HiddenField()


class GroupForm(FlaskForm):
    name = StringField(
        _l("Group name"), validators=[DataRequired(), Length(max=80)], filters=[_strip]
    )


class MemberForm(FlaskForm):
    customer_id = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A bare form: the CSRF token on a confirmed destructive action."""


class DescriptionForm(FlaskForm):
    description = TextAreaField(
        _l("Description in English"),
        validators=[Length(max=MAX_DESCRIPTION)],
        render_kw={"rows": 8},
    )
    description_zh = TextAreaField(
        _l("Description in Chinese"),
        validators=[Length(max=MAX_DESCRIPTION)],
        render_kw={"rows": 8},
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

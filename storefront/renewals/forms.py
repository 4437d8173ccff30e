"""The renewals area's forms (Flask-WTF, CSRF)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


def term_choices() -> list[tuple[str, Any]]:
    months = [(f"month:{n}", _l("%(num)s month(s)", num=n)) for n in range(1, 10)]
    years = [(f"year:{n}", _l("%(num)s year(s)", num=n)) for n in range(1, 4)]
    return months + years


def split_term(term: str | None) -> tuple[str, str]:
    kind, _sep, count = (term or "month:1").partition(":")
    return kind, count


class RenewForm(FlaskForm):
    term = SelectField(_l("Renew for"), choices=term_choices, validate_choice=True)
    key = HiddenField(validators=[DataRequired(), Length(max=64)])


class AutoRenewForm(FlaskForm):
    enabled = BooleanField(_l("Renew automatically from my wallet before expiry"))
    term = SelectField(_l("Each time for"), choices=term_choices, validate_choice=True)


def expiry_choices() -> list[tuple[str, Any]]:
    return [("expire", _l("Let it expire")),
            ("pay_per_use", _l("Switch to pay-per-use (charged by the hour)"))]  # fmt: skip


class ExpiryPolicyForm(FlaskForm):
    at_expiry = SelectField(_l("At expiry"), choices=expiry_choices, validate_choice=True)


class UnsubscribeForm(FlaskForm):
    key = HiddenField(validators=[DataRequired(), Length(max=64)])


class SettingsForm(FlaskForm):
    renew_days_before = IntegerField(
        _l("Auto-renew this many days before expiry"), validators=[NumberRange(1, 30)]
    )
    reminder_days = StringField(
        _l("Reminder mails, days before expiry (comma-separated)"),
        validators=[DataRequired(), Length(max=40)],
    )

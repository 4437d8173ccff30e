"""The notification settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class SettingsForm(FlaskForm):
    mail = SelectMultipleField(
        _l("Mail me about"),
        choices=[],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )
    low_balance_threshold = StringField(
        _l("Warn me when my balance falls below"), validators=[Optional(), Length(max=20)]
    )


class ActionForm(FlaskForm):
    """Mark read / mark all read: a POST with its CSRF token."""


class StoreSettingsForm(FlaskForm):
    low_balance_threshold = StringField(
        _l("Warn customers when their balance falls below"),
        validators=[Optional(), Length(max=20)],
    )

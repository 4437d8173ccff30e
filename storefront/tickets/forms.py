"""Ticket forms (Flask-WTF: every form carries a CSRF token). The rules themselves live in the
services; these parse the posted fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from storefront.tickets.models import Category, Priority, Status

CATEGORY_LABELS = {
    Category.BILLING: lazy_pgettext("ticket category", "Billing"),
    Category.TECHNICAL: _l("Technical"),
    Category.ACCOUNT: _l("Account"),
    Category.REALNAME: _l("Real-name verification"),
    Category.OTHER: _l("Other"),
}
STATUS_LABELS = {
    Status.OPEN: lazy_pgettext("ticket status", "Open"),
    Status.WAITING_CUSTOMER: _l("Waiting on the customer"),
    Status.WAITING_PROVIDER: _l("Waiting on the provider"),
    Status.RESOLVED: _l("Resolved"),
    Status.CLOSED: lazy_pgettext("ticket status", "Closed"),
}
PRIORITY_LABELS = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    Priority.URGENT: _l("Urgent"),
}


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(key.value, str(label)) for key, label in labels.items()]


class NewTicketForm(FlaskForm):
    category = SelectField(_l("Category"), choices=lambda: _choices(CATEGORY_LABELS))
    resource_id = SelectField(_l("Resource (optional)"), choices=[], validate_choice=False)
    order_id = SelectField(_l("Order (optional)"), choices=[], validate_choice=False)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Describe the problem"), validators=[DataRequired(), Length(max=10000)])
    attachments = MultipleFileField(_l("Attachments (optional)"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=10000)])
    attachments = MultipleFileField(_l("Attachments (optional)"))


class ActionForm(FlaskForm):
    """Close, reopen, escalate-confirm: only the CSRF token."""


class RateForm(FlaskForm):
    rating = RadioField(
        _l("How helpful was the answer?"),
        choices=[SelectChoice(str(n), str(n)) for n in range(5, 0, -1)],
        validators=[DataRequired()],
    )
    comment = StringField(_l("Comment (optional)"), validators=[Optional(), Length(max=500)])


class StaffReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)])
    internal = BooleanField(_l("Internal note (the customer never sees it)"))
    status = SelectField(
        _l("Then set the status to"),
        choices=lambda: _choices(STATUS_LABELS),
        default=Status.WAITING_CUSTOMER.value,
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=lambda: _choices(STATUS_LABELS))


class TriageForm(FlaskForm):
    assignee = SelectField(_l("Assignee"), choices=[], validate_choice=False)
    priority = SelectField(_l("Priority"), choices=lambda: _choices(PRIORITY_LABELS))


class EscalateForm(FlaskForm):
    description = TextAreaField(
        _l("What the provider should know"), validators=[DataRequired(), Length(max=1900)]
    )


class ProviderMessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message to the provider"), validators=[DataRequired(), Length(max=2000)]
    )


class SavedReplyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=10000)])


def _hours(label: object) -> IntegerField:
    return IntegerField(label, validators=[DataRequired(), NumberRange(min=1, max=24 * 365)])


class SettingsForm(FlaskForm):
    reopen_days = IntegerField(
        _l("Customers may reopen a ticket for (days)"),
        validators=[Optional(), NumberRange(min=0, max=365)],
    )
    low_first = _hours(_l("Low: first response (hours)"))
    low_resolution = _hours(_l("Low: resolution (hours)"))
    normal_first = _hours(_l("Normal: first response (hours)"))
    normal_resolution = _hours(_l("Normal: resolution (hours)"))
    high_first = _hours(_l("High: first response (hours)"))
    high_resolution = _hours(_l("High: resolution (hours)"))
    urgent_first = _hours(_l("Urgent: first response (hours)"))
    urgent_resolution = _hours(_l("Urgent: resolution (hours)"))

"""Store forms: the freeze / unfreeze confirm form (used on the distributor's reseller page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, Length

from storefront.stores.freeze import MAX_REASON


class StoreFreezeForm(FlaskForm):
    """``action`` freeze|unfreeze; the reason is mandatory to freeze (checked by the service,
    which owns the rule, so the CLI and the page refuse the same way)."""

    action = HiddenField(validators=[AnyOf(("freeze", "unfreeze"))])
    reason = StringField(_l("Reason"), validators=[Length(max=MAX_REASON)])

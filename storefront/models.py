"""Every area's models, imported so Alembic and ``db.metadata`` see the whole schema."""

from storefront.accounts import models as accounts_models
from storefront.billing import models as billing_models  # noqa: F401
from storefront.stores import models as stores_models

__all__ = ["accounts_models", "stores_models"]

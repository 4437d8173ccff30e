"""Every area's models, imported so Alembic and ``db.metadata`` see the whole schema."""

from storefront.accounts import models as accounts_models
from storefront.backoffice import models as backoffice_models
from storefront.stores import models as stores_models

__all__ = ["accounts_models", "backoffice_models", "stores_models"]

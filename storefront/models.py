"""Every area's models, imported so Alembic and ``db.metadata`` see the whole schema."""

from storefront.accounts import models as accounts_models
from storefront.catalog import models as catalog_models
from storefront.stores import models as stores_models

__all__ = ["accounts_models", "catalog_models", "stores_models"]

"""Every area's models, imported so Alembic and ``db.metadata`` see the whole schema.

Each area's ``models.py`` is found through :mod:`storefront.areas`: no list to edit here.
"""

from storefront.areas import hooks

MODEL_MODULES = hooks("models")
